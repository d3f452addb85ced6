-- Tenants, metric definitions, API keys and the audit log.

CREATE TABLE companies (
    id                 uuid PRIMARY KEY,
    external_key       text NOT NULL UNIQUE,
    name               text NOT NULL,
    late_arrival_days  integer NOT NULL DEFAULT 35 CHECK (late_arrival_days >= 0),
    created_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE metrics (
    code              text PRIMARY KEY,
    name              text NOT NULL,
    resource_type     text NOT NULL
        CHECK (resource_type IN ('USER_COUNT', 'STORAGE', 'API_CALLS', 'DATA_TRANSFER')),
    measurement_type  text NOT NULL CHECK (measurement_type IN ('COUNTER', 'GAUGE', 'TIMER')),
    unit              text NOT NULL,
    aggregation       text NOT NULL
        CHECK (aggregation IN ('SUM', 'COUNT', 'MAX', 'MIN', 'AVG', 'UNIQUE_COUNT', 'LATEST')),
    reporting_interval text CHECK (reporting_interval IN ('HOURLY', 'DAILY', 'MONTHLY')),
    description       text,
    created_at        timestamptz NOT NULL DEFAULT now()
);

-- The three usage types of the usage-record specification ship as defaults.
INSERT INTO metrics (code, name, resource_type, measurement_type, unit, aggregation, reporting_interval)
VALUES
    ('ACTIVE_USERS', 'Active users', 'USER_COUNT', 'GAUGE', 'users', 'MAX', 'DAILY'),
    ('DATA_STORAGE', 'Data storage', 'STORAGE', 'GAUGE', 'GB', 'AVG', NULL),
    ('API_REQUESTS', 'API requests', 'API_CALLS', 'COUNTER', 'requests', 'SUM', 'HOURLY');

CREATE TABLE api_keys (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    role        text NOT NULL CHECK (role IN ('ADMIN', 'SYSTEM', 'COMPANY_ADMIN', 'VIEWER')),
    company_id  uuid REFERENCES companies (id),
    key_hash    bytea NOT NULL UNIQUE,
    key_prefix  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    -- Scoped roles belong to exactly one company; operator roles to none.
    CHECK ((role IN ('COMPANY_ADMIN', 'VIEWER')) = (company_id IS NOT NULL))
);

CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    api_key_id  uuid,
    role        text,
    company_id  uuid,
    action      text NOT NULL,
    outcome     text NOT NULL,
    details     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_at ON audit_log (at);
