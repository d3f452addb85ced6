-- Thresholds, the alerts their crossings raise, and the notifications those
-- alerts send through a transactional outbox.

CREATE TABLE thresholds (
    id           uuid PRIMARY KEY,
    company_id   uuid REFERENCES companies (id) ON DELETE CASCADE,  -- NULL: every company's default
    metric_code  text NOT NULL REFERENCES metrics (code),
    period       text NOT NULL DEFAULT 'MONTH' CHECK (period IN ('DAY', 'MONTH')),
    limit_value  numeric CHECK (limit_value > 0),
    levels       jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX thresholds_one_per_scope
    ON thresholds (company_id, metric_code, period) NULLS NOT DISTINCT;

-- One alert per threshold, company, period, level and kind: concurrent
-- checks race to insert it and exactly one wins.
CREATE TABLE alerts (
    id               uuid PRIMARY KEY,
    threshold_id     uuid NOT NULL REFERENCES thresholds (id) ON DELETE CASCADE,
    company_id       uuid NOT NULL REFERENCES companies (id),
    metric_code      text NOT NULL,
    period_start     timestamptz NOT NULL,
    period_end       timestamptz NOT NULL,
    level            text NOT NULL,
    level_value      numeric NOT NULL,
    usage            numeric NOT NULL,
    limit_value      numeric,
    kind             text NOT NULL CHECK (kind IN ('CROSSING', 'FORECAST')),
    raised_at        timestamptz NOT NULL DEFAULT now(),
    acknowledged_at  timestamptz,
    acknowledged_by  uuid,
    UNIQUE (threshold_id, company_id, period_start, level, kind)
);
CREATE INDEX alerts_company ON alerts (company_id, raised_at);

CREATE TABLE notification_recipients (
    company_id  uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    channel     text NOT NULL CHECK (channel IN ('EMAIL', 'SMS')),
    address     text NOT NULL,
    PRIMARY KEY (company_id, channel, address)
);

-- Written in the alert's transaction; drained by the delivery job. A row is
-- DELIVERED once; failures wait with a growing backoff and are tried again.
CREATE TABLE notification_outbox (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id         uuid NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    channel          text NOT NULL CHECK (channel IN ('EMAIL', 'PLATFORM', 'SMS')),
    recipient        text NOT NULL,
    subject          text NOT NULL,
    body             text NOT NULL,
    status           text NOT NULL DEFAULT 'PENDING'
                     CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    delivered_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (alert_id, channel, recipient)
);
CREATE INDEX notification_outbox_due ON notification_outbox (next_attempt_at)
    WHERE status = 'PENDING';
