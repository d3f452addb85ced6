-- name: insert_metric
INSERT INTO metrics (code, name, resource_type, measurement_type, unit, aggregation,
                     reporting_interval, description)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (code) DO NOTHING
RETURNING code

-- name: all_metrics
SELECT code, name, resource_type, measurement_type, unit, aggregation, reporting_interval,
       description
FROM metrics ORDER BY code
