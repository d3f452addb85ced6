-- Archiving: a company, metric or product that is no longer used is marked
-- archived instead of deleted. Its history stays (usage, rollups, invoices
-- refer to it and stay readable and invoiceable); new writes that name it are
-- refused, and lists leave it out unless asked.

ALTER TABLE companies ADD COLUMN archived_at timestamptz;
ALTER TABLE metrics ADD COLUMN archived_at timestamptz;
ALTER TABLE products ADD COLUMN archived_at timestamptz;
