-- Raw usage, partitioned by month of the usage timestamp (UTC) so that
-- retention can drop whole partitions. Partitions are created ahead of need
-- and on demand for back-filled months (storage.partitions).

CREATE TABLE usage_records (
    id                    uuid NOT NULL,
    company_id            uuid NOT NULL,
    metric_code           text NOT NULL,
    resource_type         text NOT NULL,
    ts                    timestamptz NOT NULL,
    value                 numeric NOT NULL,
    unit                  text NOT NULL,
    measurement_type      text NOT NULL,
    reporting_interval    text,
    space_id              uuid,
    application_id        uuid,
    user_id               uuid,
    source                text,
    subscription_id       uuid,
    billing_period_start  timestamptz,
    billing_period_end    timestamptz,
    billable              boolean NOT NULL DEFAULT true,
    billing_category      text,
    idempotency_key       text,
    product_code          text,
    properties            jsonb,
    recorded_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ts, id)
) PARTITION BY RANGE (ts);

-- The read path: one company's metric over a time window.
CREATE INDEX usage_records_company_metric_ts ON usage_records (company_id, metric_code, ts);

-- A unique index on a partitioned table must contain the partition key, so
-- idempotency keys live in their own table: one row per (company, key),
-- holding what a replay is compared with (metric, timestamp, value).
CREATE TABLE usage_idempotency_keys (
    company_id       uuid NOT NULL,
    idempotency_key  text NOT NULL,
    record_id        uuid NOT NULL,
    metric_code      text NOT NULL,
    ts               timestamptz NOT NULL,
    value            numeric NOT NULL,
    PRIMARY KEY (company_id, idempotency_key)
);
