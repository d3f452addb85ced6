-- Cost records and their allocation; reports, report schedules and their runs.

-- What a product cost in one UTC hour or day. Restating a period replaces
-- its amount (the unique key), so a re-sent cost file never counts twice.
CREATE TABLE cost_records (
    id            uuid PRIMARY KEY,
    product_code  text NOT NULL REFERENCES products (code),
    granularity   text NOT NULL CHECK (granularity IN ('HOURLY', 'DAILY')),
    period_start  timestamptz NOT NULL,
    period_end    timestamptz NOT NULL,
    amount        numeric NOT NULL,
    currency      text NOT NULL,
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (product_code, granularity, period_start),
    CHECK (period_end > period_start)
);
CREATE INDEX cost_records_period ON cost_records (period_start);

CREATE TABLE report_schedules (
    id             uuid PRIMARY KEY,
    company_id     uuid REFERENCES companies (id) ON DELETE CASCADE,  -- NULL: platform-wide (ADMIN)
    name           text NOT NULL,
    cron           text NOT NULL,
    time_zone      text NOT NULL,
    criteria       jsonb NOT NULL,
    format         text NOT NULL CHECK (format IN ('CSV', 'JSON', 'PDF')),
    destination    jsonb NOT NULL,
    active         boolean NOT NULL DEFAULT true,
    created_by     uuid,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE reports (
    id             uuid PRIMARY KEY,
    company_id     uuid REFERENCES companies (id) ON DELETE CASCADE,  -- NULL: platform-wide
    kind           text NOT NULL,
    format         text NOT NULL CHECK (format IN ('CSV', 'JSON', 'PDF')),
    criteria       jsonb NOT NULL,
    status         text NOT NULL DEFAULT 'PENDING'
                   CHECK (status IN ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED')),
    attempts       integer NOT NULL DEFAULT 0,
    error          text,
    content        bytea,
    size_bytes     integer,
    schedule_id    uuid REFERENCES report_schedules (id) ON DELETE SET NULL,
    scheduled_for  timestamptz,
    created_by     uuid,
    created_at     timestamptz NOT NULL DEFAULT now(),
    started_at     timestamptz,
    finished_at    timestamptz
);
CREATE INDEX reports_company ON reports (company_id, created_at DESC);
CREATE INDEX reports_pending ON reports (created_at) WHERE status IN ('PENDING', 'RUNNING');

-- One run per schedule and fire time, whatever the number of processes; a
-- run is done when its report has been delivered to the destination. Runs
-- outlive their reports (retention deletes old reports): the latest run is
-- where a schedule resumes, so it must not vanish.
CREATE TABLE report_schedule_runs (
    schedule_id    uuid NOT NULL REFERENCES report_schedules (id) ON DELETE CASCADE,
    scheduled_for  timestamptz NOT NULL,
    report_id      uuid REFERENCES reports (id) ON DELETE SET NULL,
    status         text NOT NULL DEFAULT 'PENDING'
                   CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
    attempts       integer NOT NULL DEFAULT 0,
    error          text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    delivered_at   timestamptz,
    PRIMARY KEY (schedule_id, scheduled_for)
);
