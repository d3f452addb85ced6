-- Products, contracts and invoices.

CREATE TABLE products (
    code         text PRIMARY KEY,
    name         text NOT NULL,
    metric_code  text NOT NULL REFERENCES metrics (code),
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE contracts (
    id                          uuid PRIMARY KEY,
    company_id                  uuid NOT NULL REFERENCES companies (id),
    currency                    text NOT NULL,
    start_date                  date NOT NULL,
    end_date                    date,
    billing_day                 integer NOT NULL DEFAULT 1 CHECK (billing_day BETWEEN 1 AND 28),
    payment_terms_days          integer NOT NULL DEFAULT 30 CHECK (payment_terms_days >= 0),
    late_fee_percent_per_month  numeric NOT NULL DEFAULT 0 CHECK (late_fee_percent_per_month >= 0),
    minimum_commitment          numeric CHECK (minimum_commitment >= 0),
    grace_hours                 integer NOT NULL DEFAULT 24 CHECK (grace_hours >= 0),
    created_at                  timestamptz NOT NULL DEFAULT now(),
    CHECK (end_date IS NULL OR end_date >= start_date)
);
CREATE INDEX contracts_company ON contracts (company_id);

CREATE TABLE contract_products (
    contract_id   uuid NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    product_code  text NOT NULL REFERENCES products (code),
    price         jsonb NOT NULL,
    PRIMARY KEY (contract_id, product_code)
);

-- One invoice per contract and period: reruns and crashes cannot make two.
-- A finalized invoice never changes (see the trigger below); late usage for
-- its period becomes an adjustment line on a later invoice.
CREATE TABLE invoices (
    id               uuid PRIMARY KEY,
    contract_id      uuid NOT NULL REFERENCES contracts (id),
    company_id       uuid NOT NULL REFERENCES companies (id),
    period_start     timestamptz NOT NULL,
    period_end       timestamptz NOT NULL,
    status           text NOT NULL CHECK (status IN ('DRAFT', 'FINALIZED')),
    currency         text NOT NULL,
    subtotal         numeric NOT NULL,
    minimum_true_up  numeric NOT NULL,
    adjustments      numeric NOT NULL,
    total            numeric NOT NULL,
    issue_date       date NOT NULL,
    due_date         date NOT NULL,
    lines            jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    finalized_at     timestamptz,
    UNIQUE (contract_id, period_start)
);
CREATE INDEX invoices_company ON invoices (company_id, period_start);

CREATE FUNCTION invoices_finalized_are_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'FINALIZED' THEN
        RAISE EXCEPTION 'invoice % is finalized and cannot change', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER invoices_immutable BEFORE UPDATE OR DELETE ON invoices
FOR EACH ROW EXECUTE FUNCTION invoices_finalized_are_immutable();
