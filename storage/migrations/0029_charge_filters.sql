-- Charge filters and value properties.
--
-- A metric may be measured by a numeric property of its records instead of
-- the value sent: ingest stores that property's number as the record's
-- value, so raw records and every rollup level sum the same numbers.
ALTER TABLE metrics ADD COLUMN value_property text;

-- A contract's product may count only the records whose properties match
-- its filters: a JSON array of {"property": ..., "values": [...]}, all of
-- which must match (empty: every record counts).
ALTER TABLE contract_products ADD COLUMN filters jsonb NOT NULL DEFAULT '[]'::jsonb;
