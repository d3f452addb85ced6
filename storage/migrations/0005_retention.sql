-- Retention rules: how long raw records and each rollup level are kept, by
-- metric, with '*' the default for metrics that have no rule of their own.
-- NULL keeps forever. raw_complete_from is the cleanup's promise: raw records
-- of this metric from that instant on are all present; records before it may
-- be (partly) gone, so they can no longer be voided or corrected.
CREATE TABLE retention_rules (
    metric_code        text PRIMARY KEY,
    raw_days           integer NOT NULL CHECK (raw_days >= 1),
    hour_days          integer CHECK (hour_days >= 1),
    day_days           integer CHECK (day_days >= 1),
    month_days         integer CHECK (month_days >= 1),
    raw_complete_from  timestamptz,
    CHECK (hour_days IS NULL OR hour_days >= raw_days),
    CHECK (day_days IS NULL OR day_days >= raw_days + 31),
    CHECK (month_days IS NULL OR month_days >= coalesce(day_days, raw_days) + 366)
);

INSERT INTO retention_rules (metric_code, raw_days, hour_days, day_days, month_days)
VALUES ('*', 30, 90, 90, NULL);
