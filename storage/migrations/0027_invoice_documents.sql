-- Invoice documents: gapless invoice numbers per issuer and year, and the
-- billing details an invoice is addressed to.

-- The last number each issuer (its invoice number prefix) gave in a year of
-- issue. A finalizing transaction takes the next one with an UPDATE of this
-- row, so the row lock orders concurrent finalizations and a rolled-back
-- one gives its number back: no gaps, unlike a sequence.
CREATE TABLE invoice_number_counters (
    prefix       text NOT NULL,
    year         integer NOT NULL CHECK (year BETWEEN 1 AND 9999),
    last_number  integer NOT NULL CHECK (last_number >= 0),
    PRIMARY KEY (prefix, year)
);

-- A draft has no number; a finalized invoice has one for good.
ALTER TABLE invoices ADD COLUMN number text;

-- Invoices finalized before numbers existed get theirs now, under the
-- default prefix, in the order they were finalized within each year of issue.
-- The immutability trigger is off for this one statement only: it changes
-- nothing but the new column, inside this migration's transaction.
ALTER TABLE invoices DISABLE TRIGGER invoices_immutable;

WITH numbered AS (
    SELECT id, extract(year FROM issue_date)::integer AS year,
           row_number() OVER (PARTITION BY extract(year FROM issue_date)
                              ORDER BY finalized_at NULLS FIRST, created_at, id) AS n
    FROM invoices
    WHERE status <> 'DRAFT'
)
UPDATE invoices i
SET number = 'INV-' || numbered.year || '-' || lpad(numbered.n::text, 6, '0')
FROM numbered
WHERE i.id = numbered.id;

ALTER TABLE invoices ENABLE TRIGGER invoices_immutable;

INSERT INTO invoice_number_counters (prefix, year, last_number)
SELECT 'INV', extract(year FROM issue_date)::integer, count(*)
FROM invoices
WHERE number IS NOT NULL
GROUP BY extract(year FROM issue_date);

ALTER TABLE invoices
    ADD CONSTRAINT invoice_number_unique UNIQUE (number),
    ADD CONSTRAINT invoice_numbered_once_final CHECK ((number IS NULL) = (status = 'DRAFT'));

-- Once given, a number never changes or goes away.
CREATE FUNCTION invoice_numbers_are_permanent() RETURNS trigger AS $$
BEGIN
    IF OLD.number IS NOT NULL AND NEW.number IS DISTINCT FROM OLD.number THEN
        RAISE EXCEPTION 'invoice % is numbered % and keeps that number', OLD.id, OLD.number
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER invoice_numbers_permanent BEFORE UPDATE OF number ON invoices
FOR EACH ROW EXECUTE FUNCTION invoice_numbers_are_permanent();

-- Who an invoice is billed to: all optional; the invoice falls back to the
-- company's name for anything not given.
ALTER TABLE companies
    ADD COLUMN billing_legal_name text,
    ADD COLUMN billing_address_lines text[],
    ADD COLUMN billing_city text,
    ADD COLUMN billing_postal_code text,
    ADD COLUMN billing_country text,
    ADD COLUMN billing_tax_id text,
    ADD COLUMN billing_email text;
