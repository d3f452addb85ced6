-- Rollups: usage pre-aggregated by UTC hour, day and month, per company,
-- metric and context (space, application, user, source, billing category,
-- billable). Each bucket holds SUM, COUNT, MIN, MAX and the latest reading;
-- AVG is SUM / COUNT.
--
-- Every write of raw usage adds, in the same transaction, one delta row per
-- (hour, context) it touched to usage_rollup_deltas. The rollup job moves the
-- deltas into the three levels; until then a query reads rollups and pending
-- deltas together, so an answer never depends on when the job last ran.
-- Voids and corrections add negative deltas and mark their hour in
-- usage_rollup_stale: SUM and COUNT stay exact at once, MIN, MAX and LATEST
-- of a stale hour come from raw rows until the job has recomputed them.

CREATE TABLE usage_rollup_deltas (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id        uuid NOT NULL,
    metric_code       text NOT NULL,
    bucket_start      timestamptz NOT NULL,
    space_id          uuid,
    application_id    uuid,
    user_id           uuid,
    source            text,
    billing_category  text,
    billable          boolean NOT NULL,
    records           bigint NOT NULL,
    total             numeric NOT NULL,
    min_value         numeric,
    max_value         numeric,
    latest_ts         timestamptz,
    latest_id         uuid,
    latest_value      numeric
);
CREATE INDEX usage_rollup_deltas_bucket
    ON usage_rollup_deltas (company_id, metric_code, bucket_start);

CREATE TABLE usage_rollup_hour (
    company_id        uuid NOT NULL,
    metric_code       text NOT NULL,
    bucket_start      timestamptz NOT NULL,
    space_id          uuid,
    application_id    uuid,
    user_id           uuid,
    source            text,
    billing_category  text,
    billable          boolean NOT NULL,
    records           bigint NOT NULL,
    total             numeric NOT NULL,
    min_value         numeric,
    max_value         numeric,
    latest_ts         timestamptz,
    latest_id         uuid,
    latest_value      numeric
);
CREATE UNIQUE INDEX usage_rollup_hour_key ON usage_rollup_hour (
    company_id, metric_code, bucket_start, space_id, application_id, user_id, source,
    billing_category, billable) NULLS NOT DISTINCT;

CREATE TABLE usage_rollup_day (LIKE usage_rollup_hour INCLUDING ALL);
CREATE TABLE usage_rollup_month (LIKE usage_rollup_hour INCLUDING ALL);

-- Hours whose MIN, MAX or LATEST a void or correction made stale.
CREATE TABLE usage_rollup_stale (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id    uuid NOT NULL,
    metric_code   text NOT NULL,
    bucket_start  timestamptz NOT NULL
);
CREATE INDEX usage_rollup_stale_bucket
    ON usage_rollup_stale (company_id, metric_code, bucket_start);

-- Voided and corrected records, kept for the audit trail.
CREATE TABLE usage_corrections (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    record_id     uuid NOT NULL,
    company_id    uuid NOT NULL,
    action        text NOT NULL CHECK (action IN ('VOID', 'CORRECT')),
    replaced_by   uuid,
    reason        text NOT NULL,
    api_key_id    uuid,
    at            timestamptz NOT NULL DEFAULT now(),
    original      jsonb NOT NULL
);
CREATE INDEX usage_corrections_record ON usage_corrections (record_id);

-- Voids and corrections find a record by its id alone.
CREATE INDEX usage_records_id ON usage_records (id);
