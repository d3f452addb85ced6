-- Credits: credit notes, voided invoices and a company's credit balance.
--
-- A company's credit is a ledger (credit_entries): an overpayment, or the
-- part of a credit note that exceeds what was still unpaid, adds to it; an
-- invoice that applies credit takes from it (once per invoice: the unique
-- index below). credit_accounts holds each (company, currency)'s running
-- sum, kept by the trigger from the ledger and never negative, so two runs
-- spending the same credit cannot both commit.
--
-- A finalized invoice may become VOID (a full credit note is issued with
-- it), and nothing else about it changes; a void invoice never changes.

ALTER TABLE invoices
    DROP CONSTRAINT invoice_status_known,
    ADD CONSTRAINT invoice_status_known
        CHECK (status IN ('DRAFT', 'FINALIZED', 'VOID')),
    -- the sum of the invoice's credit notes: amount due = total - paid - credited
    ADD COLUMN credited_amount numeric NOT NULL DEFAULT 0 CHECK (credited_amount >= 0),
    ADD COLUMN voided_at timestamptz;

CREATE OR REPLACE FUNCTION invoices_finalized_are_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.status IN ('FINALIZED', 'VOID') AND (
        TG_OP = 'DELETE'
        OR NOT (NEW.status = OLD.status OR (OLD.status = 'FINALIZED' AND NEW.status = 'VOID'))
        OR (OLD.status = 'VOID' AND NEW.voided_at IS DISTINCT FROM OLD.voided_at)
        OR (OLD.id, OLD.contract_id, OLD.company_id, OLD.period_start, OLD.period_end,
            OLD.currency, OLD.subtotal, OLD.minimum_true_up, OLD.adjustments,
            OLD.total, OLD.issue_date, OLD.due_date, OLD.lines, OLD.finalized_at)
           IS DISTINCT FROM
           (NEW.id, NEW.contract_id, NEW.company_id, NEW.period_start, NEW.period_end,
            NEW.currency, NEW.subtotal, NEW.minimum_true_up, NEW.adjustments,
            NEW.total, NEW.issue_date, NEW.due_date, NEW.lines, NEW.finalized_at)
    ) THEN
        RAISE EXCEPTION 'invoice % is % and cannot change', OLD.id, lower(OLD.status)
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$ LANGUAGE plpgsql;

CREATE TABLE credit_notes (
    id          uuid PRIMARY KEY,
    invoice_id  uuid NOT NULL REFERENCES invoices (id),
    company_id  uuid NOT NULL REFERENCES companies (id),
    currency    text NOT NULL,
    amount      numeric NOT NULL CHECK (amount > 0),
    reason      text NOT NULL,
    -- the credit note that voided its invoice
    voids       boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credit_notes_invoice ON credit_notes (invoice_id, created_at);

CREATE TABLE credit_entries (
    id              uuid PRIMARY KEY,
    company_id      uuid NOT NULL REFERENCES companies (id),
    currency        text NOT NULL,
    -- positive: credit gained; negative: credit applied to an invoice
    amount          numeric NOT NULL CHECK (amount <> 0),
    source          text NOT NULL
        CONSTRAINT credit_entry_source_known
        CHECK (source IN ('OVERPAYMENT', 'CREDIT_NOTE', 'APPLIED')),
    invoice_id      uuid NOT NULL REFERENCES invoices (id),
    payment_id      uuid REFERENCES payments (id),
    credit_note_id  uuid REFERENCES credit_notes (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((source = 'APPLIED') = (amount < 0)),
    CHECK (source <> 'OVERPAYMENT' OR payment_id IS NOT NULL),
    CHECK (source <> 'CREDIT_NOTE' OR credit_note_id IS NOT NULL)
);
-- an invoice applies credit once, however often the invoice run is repeated
CREATE UNIQUE INDEX credit_entries_applied_once ON credit_entries (invoice_id)
    WHERE source = 'APPLIED';
CREATE INDEX credit_entries_company ON credit_entries (company_id, currency, created_at);

CREATE TABLE credit_accounts (
    company_id  uuid NOT NULL REFERENCES companies (id),
    currency    text NOT NULL,
    balance     numeric NOT NULL CONSTRAINT credit_balance_not_negative CHECK (balance >= 0),
    PRIMARY KEY (company_id, currency)
);

CREATE FUNCTION credit_entries_post() RETURNS trigger AS $$
BEGIN
    -- the account first (an insert's own row is checked before any conflict), then the sum
    INSERT INTO credit_accounts (company_id, currency, balance)
    VALUES (NEW.company_id, NEW.currency, 0)
    ON CONFLICT (company_id, currency) DO NOTHING;
    UPDATE credit_accounts SET balance = balance + NEW.amount
    WHERE company_id = NEW.company_id AND currency = NEW.currency;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER credit_entries_posted AFTER INSERT ON credit_entries
FOR EACH ROW EXECUTE FUNCTION credit_entries_post();

-- Credit notes and ledger entries are history: corrected by new rows, never rewritten.
CREATE FUNCTION credits_are_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are never changed or removed', TG_TABLE_NAME
        USING ERRCODE = 'check_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER credit_entries_append_only BEFORE UPDATE OR DELETE ON credit_entries
FOR EACH ROW EXECUTE FUNCTION credits_are_append_only();
CREATE TRIGGER credit_notes_append_only BEFORE UPDATE OR DELETE ON credit_notes
FOR EACH ROW EXECUTE FUNCTION credits_are_append_only();
