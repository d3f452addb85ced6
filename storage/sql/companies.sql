-- name: insert_company
INSERT INTO companies (id, external_key, name, late_arrival_days, user_id_mode,
                       redacted_properties, privacy_secret)
VALUES ($1, $2, $3, $4, $5, $6,
        coalesce($7::bytea, uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())))
ON CONFLICT (external_key) DO NOTHING
RETURNING id, external_key, name, late_arrival_days, created_at,
          user_id_mode, redacted_properties, privacy_secret,
       billing_legal_name, billing_address_lines, billing_city, billing_postal_code,
       billing_country, billing_tax_id, billing_email, archived_at

-- name: company_by_id
SELECT id, external_key, name, late_arrival_days, created_at,
       user_id_mode, redacted_properties, privacy_secret,
       billing_legal_name, billing_address_lines, billing_city, billing_postal_code,
       billing_country, billing_tax_id, billing_email, archived_at
FROM companies WHERE id = $1

-- name: companies_by_ids
SELECT id, external_key, name, late_arrival_days, created_at,
       user_id_mode, redacted_properties, privacy_secret,
       billing_legal_name, billing_address_lines, billing_city, billing_postal_code,
       billing_country, billing_tax_id, billing_email, archived_at
FROM companies WHERE id = ANY($1::uuid[])

-- name: companies_by_external_keys
SELECT id, external_key, name, late_arrival_days, created_at,
       user_id_mode, redacted_properties, privacy_secret,
       billing_legal_name, billing_address_lines, billing_city, billing_postal_code,
       billing_country, billing_tax_id, billing_email, archived_at
FROM companies WHERE external_key = ANY($1::text[])

-- name: list_companies
-- $1: only this company (NULL = all); keyset pagination on external_key;
-- $4: archived companies too.
SELECT id, external_key, name, late_arrival_days, created_at,
       user_id_mode, redacted_properties, privacy_secret,
       billing_legal_name, billing_address_lines, billing_city, billing_postal_code,
       billing_country, billing_tax_id, billing_email, archived_at
FROM companies
WHERE ($1::uuid IS NULL OR id = $1)
  AND ($2::text IS NULL OR external_key > $2)
  AND ($4::boolean OR archived_at IS NULL)
ORDER BY external_key
LIMIT $3

-- name: update_company_late_arrival
UPDATE companies SET late_arrival_days = $2 WHERE id = $1
RETURNING id, external_key, name, late_arrival_days, created_at,
          user_id_mode, redacted_properties, privacy_secret,
       billing_legal_name, billing_address_lines, billing_city, billing_postal_code,
       billing_country, billing_tax_id, billing_email, archived_at

-- name: lock_company
-- The company, locked against concurrent changes to its settings.
SELECT id FROM companies WHERE id = $1 FOR UPDATE

-- name: company_has_records
SELECT EXISTS (SELECT 1 FROM usage_records WHERE company_id = $1)

-- name: update_company_privacy
-- NULL leaves a setting as it is.
UPDATE companies
SET user_id_mode = coalesce($2, user_id_mode),
    redacted_properties = coalesce($3, redacted_properties)
WHERE id = $1
RETURNING id, external_key, name, late_arrival_days, created_at,
          user_id_mode, redacted_properties, privacy_secret,
       billing_legal_name, billing_address_lines, billing_city, billing_postal_code,
       billing_country, billing_tax_id, billing_email, archived_at

-- name: update_company_billing
-- The billing details as given: every part replaced (NULL clears it).
UPDATE companies
SET billing_legal_name = $2, billing_address_lines = $3, billing_city = $4,
    billing_postal_code = $5, billing_country = $6, billing_tax_id = $7, billing_email = $8
WHERE id = $1
RETURNING id, external_key, name, late_arrival_days, created_at,
          user_id_mode, redacted_properties, privacy_secret,
          billing_legal_name, billing_address_lines, billing_city, billing_postal_code,
          billing_country, billing_tax_id, billing_email, archived_at

-- name: rename_company
UPDATE companies SET name = $2 WHERE id = $1
