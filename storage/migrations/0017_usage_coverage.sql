-- What each level of usage data still covers, per metric. Retention writes
-- a level's row in the transaction that deletes from it: rows of that level
-- from complete_from on are all present, rows before it may be (partly)
-- gone. aggregateUsage and invoices never read a level before its
-- complete_from: they read a coarser level that is exact for the window, or
-- refuse the window (WINDOW_NOT_ANSWERABLE).
CREATE TABLE usage_coverage (
    metric_code    text NOT NULL,
    source         text NOT NULL CHECK (source IN ('RAW', 'HOUR', 'DAY', 'MONTH')),
    complete_from  timestamptz NOT NULL,
    PRIMARY KEY (metric_code, source)
);

-- Raw records: what retention already promised.
INSERT INTO usage_coverage (metric_code, source, complete_from)
SELECT metric_code, 'RAW', raw_complete_from FROM retention_rules
WHERE raw_complete_from IS NOT NULL;

-- Rollups of metrics retention has already cleaned: the cutoff its last run
-- can at most have used (today's, by the rule in force), a safe horizon.
INSERT INTO usage_coverage (metric_code, source, complete_from)
SELECT c.metric_code, l.source,
       date_trunc('day', now() - make_interval(days => l.days), 'UTC')
FROM usage_coverage c
JOIN retention_rules r ON r.metric_code = c.metric_code
     OR (r.metric_code = '*' AND NOT EXISTS (
         SELECT 1 FROM retention_rules o WHERE o.metric_code = c.metric_code))
CROSS JOIN LATERAL (VALUES ('HOUR', r.hour_days), ('DAY', r.day_days), ('MONTH', r.month_days))
     AS l(source, days)
WHERE c.source = 'RAW' AND l.days IS NOT NULL;

-- A contract whose invoices failed in the invoice run: recorded here (the
-- run goes on with the other contracts), retried after a backoff that
-- doubles from an hour up to a day, and cleared by the run that succeeds.
CREATE TABLE invoice_run_errors (
    contract_id      uuid PRIMARY KEY REFERENCES contracts (id) ON DELETE CASCADE,
    company_id       uuid NOT NULL REFERENCES companies (id),
    code             text NOT NULL,
    message          text NOT NULL,
    attempts         integer NOT NULL DEFAULT 1,
    first_failed_at  timestamptz NOT NULL,
    last_failed_at   timestamptz NOT NULL,
    next_attempt_at  timestamptz NOT NULL
);
