-- Payments and the payment state of invoices. A finalized invoice's amounts
-- and lines never change; its payment state does (UNPAID, PAID, OVERDUE).

CREATE TABLE payments (
    id          uuid PRIMARY KEY,
    invoice_id  uuid NOT NULL REFERENCES invoices (id),
    amount      numeric NOT NULL CHECK (amount > 0),
    paid_at     timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payments_invoice ON payments (invoice_id, paid_at);

ALTER TABLE invoices
    ADD COLUMN payment_status text NOT NULL DEFAULT 'UNPAID'
        CHECK (payment_status IN ('UNPAID', 'PAID', 'OVERDUE')),
    ADD COLUMN paid_amount numeric NOT NULL DEFAULT 0,
    ADD COLUMN overdue_since timestamptz;

CREATE OR REPLACE FUNCTION invoices_finalized_are_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'FINALIZED' AND (
        TG_OP = 'DELETE'
        OR (OLD.id, OLD.contract_id, OLD.company_id, OLD.period_start, OLD.period_end,
            OLD.status, OLD.currency, OLD.subtotal, OLD.minimum_true_up, OLD.adjustments,
            OLD.total, OLD.issue_date, OLD.due_date, OLD.lines, OLD.finalized_at)
           IS DISTINCT FROM
           (NEW.id, NEW.contract_id, NEW.company_id, NEW.period_start, NEW.period_end,
            NEW.status, NEW.currency, NEW.subtotal, NEW.minimum_true_up, NEW.adjustments,
            NEW.total, NEW.issue_date, NEW.due_date, NEW.lines, NEW.finalized_at)
    ) THEN
        RAISE EXCEPTION 'invoice % is finalized and cannot change', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$ LANGUAGE plpgsql;
