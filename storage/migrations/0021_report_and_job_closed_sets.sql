-- The closed sets of reports and job runs, checked by the database as the
-- code's enums check them. Job triggers and outcomes (0006), report statuses
-- and schedule-run statuses (0011) have had their CHECK from the start; a
-- report's kind and a schedule destination's type were still open text.
-- Only the code writes these columns, always one of the enum's values; the
-- constraints are added NOT VALID (no long lock) and then validated, so a
-- database holding anything else stops here with the offending constraint
-- named instead of being changed.
ALTER TABLE reports
    ADD CONSTRAINT reports_kind_check
    CHECK (kind IN ('USAGE', 'COST_ALLOCATION', 'PROFITABILITY')) NOT VALID;
ALTER TABLE reports VALIDATE CONSTRAINT reports_kind_check;

ALTER TABLE report_schedules
    ADD CONSTRAINT report_schedules_destination_type_check
    CHECK (destination ->> 'type' IN ('STORED', 'EMAIL', 'WEBHOOK')) NOT VALID;
ALTER TABLE report_schedules VALIDATE CONSTRAINT report_schedules_destination_type_check;
