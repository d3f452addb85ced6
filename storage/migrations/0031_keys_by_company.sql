-- Keys by company: the schema a distributed PostgreSQL (Citus) can shard by
-- company_id as it is (docs/scaling.md; storage/distribution.py says which
-- tables are per company). Every tenant table now holds company_id, each of
-- its primary keys and unique constraints includes it, and its foreign keys
-- to other tenant tables match on it, so a company's rows of every table
-- live on one shard and its constraints are checked there.
--
-- Ids stay unique in practice (uuid v7, bigint identities) and are still
-- looked up alone: each table keyed by id keeps a plain, non-unique index on
-- it. Invoice numbers are unique per company in the schema; platform-wide
-- they are unique by the counter that gives them (invoice_number_counters).

-- 1. company_id where it was only reachable through a parent row.
ALTER TABLE contract_products ADD COLUMN company_id uuid;
UPDATE contract_products t SET company_id = c.company_id FROM contracts c WHERE c.id = t.contract_id;
ALTER TABLE contract_products ALTER COLUMN company_id SET NOT NULL;

ALTER TABLE contract_versions ADD COLUMN company_id uuid;
UPDATE contract_versions t SET company_id = c.company_id FROM contracts c WHERE c.id = t.contract_id;
ALTER TABLE contract_versions ALTER COLUMN company_id SET NOT NULL;

ALTER TABLE payments ADD COLUMN company_id uuid;
UPDATE payments t SET company_id = i.company_id FROM invoices i WHERE i.id = t.invoice_id;
ALTER TABLE payments ALTER COLUMN company_id SET NOT NULL;

ALTER TABLE notification_outbox ADD COLUMN company_id uuid;
UPDATE notification_outbox t SET company_id = a.company_id FROM alerts a WHERE a.id = t.alert_id;
UPDATE notification_outbox t SET company_id = e.company_id
FROM webhook_events e WHERE e.id = t.webhook_event_id;
ALTER TABLE notification_outbox ALTER COLUMN company_id SET NOT NULL;

-- 2. The foreign keys on ids go before the keys they rest on.
ALTER TABLE contract_products DROP CONSTRAINT contract_products_contract_id_fkey;
ALTER TABLE contract_versions DROP CONSTRAINT contract_versions_contract_id_fkey;
ALTER TABLE invoices DROP CONSTRAINT invoices_contract_id_fkey;
ALTER TABLE invoice_run_errors DROP CONSTRAINT invoice_run_errors_contract_id_fkey;
ALTER TABLE payments DROP CONSTRAINT payments_invoice_id_fkey;
ALTER TABLE credit_notes DROP CONSTRAINT credit_notes_invoice_id_fkey;
ALTER TABLE credit_entries
    DROP CONSTRAINT credit_entries_invoice_id_fkey,
    DROP CONSTRAINT credit_entries_payment_id_fkey,
    DROP CONSTRAINT credit_entries_credit_note_id_fkey;
ALTER TABLE notification_outbox
    DROP CONSTRAINT notification_outbox_alert_id_fkey,
    DROP CONSTRAINT notification_outbox_webhook_endpoint_id_fkey,
    DROP CONSTRAINT notification_outbox_webhook_event_id_fkey;

-- 3. Primary keys and unique constraints with company_id first.
ALTER TABLE usage_records DROP CONSTRAINT usage_records_pkey,
    ADD PRIMARY KEY (company_id, ts, id);
ALTER TABLE usage_rollup_deltas DROP CONSTRAINT usage_rollup_deltas_pkey,
    ADD PRIMARY KEY (company_id, id);
ALTER TABLE usage_rollup_stale DROP CONSTRAINT usage_rollup_stale_pkey,
    ADD PRIMARY KEY (company_id, id);
ALTER TABLE usage_corrections DROP CONSTRAINT usage_corrections_pkey,
    ADD PRIMARY KEY (company_id, id);
ALTER TABLE contracts DROP CONSTRAINT contracts_pkey, ADD PRIMARY KEY (company_id, id);
ALTER TABLE contract_products DROP CONSTRAINT contract_products_pkey,
    ADD PRIMARY KEY (company_id, contract_id, product_code);
ALTER TABLE contract_versions DROP CONSTRAINT contract_versions_pkey,
    DROP CONSTRAINT contract_versions_contract_id_effective_from_key,
    ADD PRIMARY KEY (company_id, contract_id, number),
    ADD CONSTRAINT contract_versions_contract_id_effective_from_key
        UNIQUE (company_id, contract_id, effective_from);
ALTER TABLE invoices DROP CONSTRAINT invoices_pkey,
    DROP CONSTRAINT invoices_contract_id_period_start_key,
    DROP CONSTRAINT invoice_number_unique,
    ADD PRIMARY KEY (company_id, id),
    ADD CONSTRAINT invoices_contract_id_period_start_key
        UNIQUE (company_id, contract_id, period_start),
    ADD CONSTRAINT invoice_number_unique UNIQUE (company_id, number);
ALTER TABLE invoice_run_errors DROP CONSTRAINT invoice_run_errors_pkey,
    ADD PRIMARY KEY (company_id, contract_id);
ALTER TABLE payments DROP CONSTRAINT payments_pkey, ADD PRIMARY KEY (company_id, id);
ALTER TABLE credit_notes DROP CONSTRAINT credit_notes_pkey, ADD PRIMARY KEY (company_id, id);
ALTER TABLE credit_entries DROP CONSTRAINT credit_entries_pkey, ADD PRIMARY KEY (company_id, id);
DROP INDEX credit_entries_applied_once;
CREATE UNIQUE INDEX credit_entries_applied_once ON credit_entries (company_id, invoice_id)
    WHERE source = 'APPLIED';
ALTER TABLE alerts DROP CONSTRAINT alerts_pkey, ADD PRIMARY KEY (company_id, id);
ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_pkey,
    ADD PRIMARY KEY (company_id, id);
ALTER TABLE webhook_events DROP CONSTRAINT webhook_events_pkey,
    DROP CONSTRAINT webhook_events_type_subject_id_key,
    ADD PRIMARY KEY (company_id, id),
    ADD CONSTRAINT webhook_events_type_subject_id_key UNIQUE (company_id, type, subject_id);
ALTER TABLE notification_outbox DROP CONSTRAINT notification_outbox_pkey,
    DROP CONSTRAINT notification_outbox_alert_id_channel_recipient_key,
    DROP CONSTRAINT notification_outbox_one_delivery_per_endpoint,
    ADD PRIMARY KEY (company_id, id),
    ADD CONSTRAINT notification_outbox_alert_id_channel_recipient_key
        UNIQUE (company_id, alert_id, channel, recipient),
    ADD CONSTRAINT notification_outbox_one_delivery_per_endpoint
        UNIQUE (company_id, webhook_event_id, webhook_endpoint_id);

-- 4. The foreign keys again, matching on company_id (same deletes as before).
ALTER TABLE contract_products ADD CONSTRAINT contract_products_contract_id_fkey
    FOREIGN KEY (company_id, contract_id) REFERENCES contracts (company_id, id) ON DELETE CASCADE;
ALTER TABLE contract_versions ADD CONSTRAINT contract_versions_contract_id_fkey
    FOREIGN KEY (company_id, contract_id) REFERENCES contracts (company_id, id) ON DELETE CASCADE;
ALTER TABLE invoices ADD CONSTRAINT invoices_contract_id_fkey
    FOREIGN KEY (company_id, contract_id) REFERENCES contracts (company_id, id);
ALTER TABLE invoice_run_errors ADD CONSTRAINT invoice_run_errors_contract_id_fkey
    FOREIGN KEY (company_id, contract_id) REFERENCES contracts (company_id, id) ON DELETE CASCADE;
ALTER TABLE payments ADD CONSTRAINT payments_invoice_id_fkey
    FOREIGN KEY (company_id, invoice_id) REFERENCES invoices (company_id, id);
ALTER TABLE credit_notes ADD CONSTRAINT credit_notes_invoice_id_fkey
    FOREIGN KEY (company_id, invoice_id) REFERENCES invoices (company_id, id);
ALTER TABLE credit_entries
    ADD CONSTRAINT credit_entries_invoice_id_fkey
        FOREIGN KEY (company_id, invoice_id) REFERENCES invoices (company_id, id),
    ADD CONSTRAINT credit_entries_payment_id_fkey
        FOREIGN KEY (company_id, payment_id) REFERENCES payments (company_id, id),
    ADD CONSTRAINT credit_entries_credit_note_id_fkey
        FOREIGN KEY (company_id, credit_note_id) REFERENCES credit_notes (company_id, id);
ALTER TABLE notification_outbox
    ADD CONSTRAINT notification_outbox_alert_id_fkey
        FOREIGN KEY (company_id, alert_id) REFERENCES alerts (company_id, id) ON DELETE CASCADE,
    ADD CONSTRAINT notification_outbox_webhook_endpoint_id_fkey
        FOREIGN KEY (company_id, webhook_endpoint_id) REFERENCES webhook_endpoints (company_id, id)
        ON DELETE CASCADE,
    ADD CONSTRAINT notification_outbox_webhook_event_id_fkey
        FOREIGN KEY (company_id, webhook_event_id) REFERENCES webhook_events (company_id, id)
        ON DELETE CASCADE;

-- 5. Lookups by id alone (and by contract) keep an index: a plain one, not unique.
CREATE INDEX usage_rollup_deltas_id ON usage_rollup_deltas (id);
CREATE INDEX usage_rollup_stale_id ON usage_rollup_stale (id);
CREATE INDEX usage_corrections_id ON usage_corrections (id);
CREATE INDEX contracts_id ON contracts (id);
CREATE INDEX contract_products_contract ON contract_products (contract_id);
CREATE INDEX contract_versions_contract ON contract_versions (contract_id, number);
CREATE INDEX invoices_id ON invoices (id);
CREATE INDEX invoices_contract ON invoices (contract_id, period_start);
CREATE INDEX invoice_run_errors_contract ON invoice_run_errors (contract_id);
CREATE INDEX payments_id ON payments (id);
CREATE INDEX credit_notes_id ON credit_notes (id);
CREATE INDEX credit_entries_id ON credit_entries (id);
CREATE INDEX alerts_id ON alerts (id);
CREATE INDEX webhook_endpoints_id ON webhook_endpoints (id);
CREATE INDEX webhook_events_id ON webhook_events (id);
CREATE INDEX notification_outbox_id ON notification_outbox (id);
CREATE INDEX notification_outbox_alert ON notification_outbox (alert_id);
