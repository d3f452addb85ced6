-- Outbound webhooks: the endpoints a company registers, the events raised
-- for it, and their deliveries as rows of the notification outbox (channel
-- WEBHOOK), drained, retried and given up on like every other notification.

CREATE TABLE webhook_endpoints (
    id           uuid PRIMARY KEY,
    company_id   uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    url          text NOT NULL,
    events       text[] NOT NULL CHECK (
                     cardinality(events) > 0
                     AND events <@ ARRAY['INVOICE_FINALIZED', 'INVOICE_PAID', 'INVOICE_OVERDUE',
                                         'ALERT_RAISED', 'REPORT_READY']),
    -- the HMAC key: it signs every delivery, so it is kept as given
    secret       text NOT NULL,
    enabled      boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    disabled_at  timestamptz
);
CREATE INDEX webhook_endpoints_company ON webhook_endpoints (company_id);

-- One event per fact: a second raise of the same type for the same invoice,
-- alert or report (a job run again, an overdue mark repeated) adds nothing.
CREATE TABLE webhook_events (
    id          uuid PRIMARY KEY,
    company_id  uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    type        text NOT NULL CHECK (type IN ('INVOICE_FINALIZED', 'INVOICE_PAID',
                                              'INVOICE_OVERDUE', 'ALERT_RAISED', 'REPORT_READY')),
    subject_id  uuid NOT NULL,
    body        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (type, subject_id)
);

ALTER TABLE notification_outbox
    ALTER COLUMN alert_id DROP NOT NULL,
    ADD COLUMN webhook_endpoint_id uuid REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    ADD COLUMN webhook_event_id uuid REFERENCES webhook_events (id) ON DELETE CASCADE,
    ADD COLUMN last_status_code integer,
    DROP CONSTRAINT notification_outbox_channel_check,
    ADD CONSTRAINT notification_outbox_channel_check
        CHECK (channel IN ('EMAIL', 'PLATFORM', 'SMS', 'WEBHOOK')),
    -- an alert's notification, or one event's delivery to one endpoint
    ADD CONSTRAINT notification_outbox_source CHECK (
        CASE WHEN channel = 'WEBHOOK'
             THEN alert_id IS NULL AND webhook_endpoint_id IS NOT NULL
                  AND webhook_event_id IS NOT NULL
             ELSE alert_id IS NOT NULL END),
    ADD CONSTRAINT notification_outbox_one_delivery_per_endpoint
        UNIQUE (webhook_event_id, webhook_endpoint_id);
-- an endpoint's delivery log, newest first
CREATE INDEX notification_outbox_endpoint ON notification_outbox (webhook_endpoint_id, id)
    WHERE webhook_endpoint_id IS NOT NULL;
