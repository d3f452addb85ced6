-- name: ping
SELECT 1

-- name: database_exists
SELECT 1 FROM pg_database WHERE datname = $1

-- name: quoted_identifier
-- An identifier cannot be a bind parameter; quote_ident makes a name safe to splice.
SELECT quote_ident($1)
