-- A metric's row in retention_rules is written by the cleanup too (it keeps
-- raw_complete_from there): such a row follows the default rule ('*') rather
-- than freezing the default's days of the moment it was written. A rule set
-- for the metric itself does not follow. Rows already equal to the default
-- are taken to follow it.
ALTER TABLE retention_rules ADD COLUMN follows_default boolean NOT NULL DEFAULT false;

UPDATE retention_rules r SET follows_default = true
FROM retention_rules d
WHERE d.metric_code = '*' AND r.metric_code <> '*'
  AND r.raw_days = d.raw_days
  AND r.hour_days IS NOT DISTINCT FROM d.hour_days
  AND r.day_days IS NOT DISTINCT FROM d.day_days
  AND r.month_days IS NOT DISTINCT FROM d.month_days;

-- Companies under legal hold: retention deletes none of their raw records or
-- rollup rows, and drops no monthly partition holding a record of theirs,
-- until the hold is lifted (the row deleted).
CREATE TABLE legal_holds (
    company_id  uuid PRIMARY KEY REFERENCES companies (id),
    placed_at   timestamptz NOT NULL DEFAULT now()
);
