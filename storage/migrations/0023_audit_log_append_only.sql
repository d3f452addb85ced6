-- The audit log is append-only: a row, once written, is neither changed nor
-- removed. A trigger refuses UPDATE and DELETE row by row, and TRUNCATE for
-- the table, whoever asks (the application's role included). No job deletes
-- audit rows: retention (storage/retention.py) drops usage partitions and
-- rollups only, so nothing here needs a way around the refusal.
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();

CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- auditLog reads newest first within a window, for every company (audit_log_at)
-- or for one: this index answers the latter without a sort.
CREATE INDEX audit_log_company_at ON audit_log (company_id, at);
