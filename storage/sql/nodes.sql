-- name: node_kinds
-- Which kind of node each of these ids is (each table's primary key or id index).
SELECT id, 'Company' AS kind FROM companies WHERE id = ANY($1::uuid[])
UNION ALL SELECT id, 'Contract' FROM contracts WHERE id = ANY($1::uuid[])
UNION ALL SELECT id, 'Report' FROM reports WHERE id = ANY($1::uuid[])
UNION ALL SELECT id, 'ReportSchedule' FROM report_schedules WHERE id = ANY($1::uuid[])
UNION ALL SELECT id, 'Threshold' FROM thresholds WHERE id = ANY($1::uuid[])
UNION ALL SELECT id, 'Alert' FROM alerts WHERE id = ANY($1::uuid[])
UNION ALL SELECT id, 'WebhookEndpoint' FROM webhook_endpoints WHERE id = ANY($1::uuid[])
UNION ALL SELECT id, 'UsageRecord' FROM usage_records WHERE id = ANY($1::uuid[])
UNION ALL SELECT id, 'ApiKey' FROM api_keys WHERE id = ANY($1::uuid[])
UNION ALL SELECT id, 'CreditNote' FROM credit_notes WHERE id = ANY($1::uuid[])
UNION ALL SELECT id, 'CreditEntry' FROM credit_entries WHERE id = ANY($1::uuid[])
UNION ALL SELECT id, 'CostRecord' FROM cost_records WHERE id = ANY($1::uuid[])
UNION ALL SELECT id, 'Invoice' FROM invoices WHERE id = ANY($1::uuid[])

-- name: usage_record_node
-- One usage record by id (the usage_records_id index), within a company when one is given.
SELECT id, company_id, metric_code, resource_type, ts, value, unit, measurement_type,
       reporting_interval, space_id, application_id, user_id, source, subscription_id,
       billing_period_start, billing_period_end, billable, billing_category, idempotency_key,
       product_code, properties, recorded_at
FROM usage_records
WHERE id = $1 AND ($2::uuid IS NULL OR company_id = $2)
