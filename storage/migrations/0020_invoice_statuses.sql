-- Invoice status and payment status are closed sets (domain.invoicing's
-- InvoiceStatus and PaymentStatus; PREVIEW is never stored). The checks
-- 0007 and 0008 wrote inline get names the code can find; the values are
-- the ones those checks already held, so every stored row passes.

ALTER TABLE invoices
    DROP CONSTRAINT IF EXISTS invoices_status_check,
    DROP CONSTRAINT IF EXISTS invoices_payment_status_check,
    ADD CONSTRAINT invoice_status_known
        CHECK (status IN ('DRAFT', 'FINALIZED')) NOT VALID,
    ADD CONSTRAINT invoice_payment_status_known
        CHECK (payment_status IN ('UNPAID', 'PAID', 'OVERDUE')) NOT VALID;

ALTER TABLE invoices VALIDATE CONSTRAINT invoice_status_known;
ALTER TABLE invoices VALIDATE CONSTRAINT invoice_payment_status_known;
