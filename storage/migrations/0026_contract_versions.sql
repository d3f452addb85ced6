-- Contract versions, a contract's external id, and the version an invoice used.
--
-- Version 1 of a contract is the contract row and its contract_products as
-- signed (they never change); each amendment is a row here, numbered from 2,
-- holding the whole set of prices and terms in force from effective_from.
-- A period is priced by the version in force at its end.

ALTER TABLE contracts ADD COLUMN external_id text;
CREATE UNIQUE INDEX contracts_external_id ON contracts (company_id, external_id)
    WHERE external_id IS NOT NULL;

CREATE TABLE contract_versions (
    contract_id                 uuid NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    number                      integer NOT NULL CHECK (number >= 2),
    effective_from              timestamptz NOT NULL,
    payment_terms_days          integer NOT NULL CHECK (payment_terms_days >= 0),
    late_fee_percent_per_month  numeric NOT NULL CHECK (late_fee_percent_per_month >= 0),
    minimum_commitment          numeric CHECK (minimum_commitment >= 0),
    -- [{"productCode": ..., "price": {...}}], the storage's price JSON
    products                    jsonb NOT NULL,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (contract_id, number),
    UNIQUE (contract_id, effective_from)
);

-- Invoices written before versions existed were all priced by version 1.
ALTER TABLE invoices ADD COLUMN contract_version integer NOT NULL DEFAULT 1
    CHECK (contract_version >= 1);
