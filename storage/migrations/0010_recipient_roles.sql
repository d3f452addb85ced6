-- Recipients belong to a role within their company (who they are for the
-- company: its admins, its viewers); a threshold level may notify some roles only.
ALTER TABLE notification_recipients
    ADD COLUMN role text NOT NULL DEFAULT 'COMPANY_ADMIN'
        CHECK (role IN ('COMPANY_ADMIN', 'VIEWER'));
ALTER TABLE notification_recipients DROP CONSTRAINT notification_recipients_pkey;
ALTER TABLE notification_recipients ADD PRIMARY KEY (company_id, channel, role, address);
