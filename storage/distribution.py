"""How each table would be placed by a distributed PostgreSQL (Citus).

Every table of the schema is in exactly one of three sets, with the reason
it is there; tests/integration/test_citus_ready.py reads the catalog and
fails on a table found in none of them, and on a TENANT table whose keys
would not survive sharding. docs/scaling.md is the plan these sets feed.

- TENANT: distributed by ``company_id`` (``create_distributed_table(t,
  'company_id', colocate_with => 'usage_records')``). Such a table has a NOT
  NULL company_id, each of its primary keys, unique constraints and unique
  indexes includes it, and its foreign keys to other tenant tables do too:
  a company's rows of every tenant table then live on one shard group.
- REFERENCE: small catalogues every shard reads, copied to each node
  (``create_reference_table``); any key is allowed.
- LOCAL: rows no company owns, read and written by the coordinator only
  (jobs' bookkeeping, platform-wide reports, the audit trail).

A partition of a partitioned table follows its parent and is not listed.
"""

from __future__ import annotations

TENANT: dict[str, str] = {
    "usage_records": "raw usage; every read names one company (partitioned by month too)",
    "usage_idempotency_keys": "a company's idempotency keys, checked at its ingest",
    "usage_rollup_deltas": "pending rollup deltas of one company's writes",
    "usage_rollup_hour": "hourly rollups of one company's usage",
    "usage_rollup_day": "daily rollups of one company's usage",
    "usage_rollup_month": "monthly rollups of one company's usage",
    "usage_rollup_stale": "hours of one company's usage whose MIN/MAX/LATEST are stale",
    "usage_corrections": "voids and corrections of one company's records",
    "contracts": "a company's contracts",
    "contract_products": "the products and prices of a company's contract",
    "contract_versions": "the amendments of a company's contract",
    "invoices": "a company's invoices",
    "invoice_run_errors": "a company's contract that failed in the invoice run",
    "payments": "payments of a company's invoice",
    "credit_notes": "credit notes on a company's invoice",
    "credit_entries": "a company's credit ledger",
    "credit_accounts": "a company's credit balance per currency",
    "legal_holds": "one row per company under legal hold",
    "alerts": "alerts raised for a company",
    "notification_recipients": "who a company's alerts notify",
    "notification_outbox": "deliveries of a company's alerts and webhook events",
    "webhook_endpoints": "the endpoints a company registers",
    "webhook_events": "events raised for a company",
}

REFERENCE: dict[str, str] = {
    "companies": "the tenants themselves: small, read by every shard, external_key unique "
    "platform-wide",
    "metrics": "the metric catalogue, shared by every company",
    "products": "the product catalogue, shared by every company",
    "retention_rules": "retention per metric, for every company",
    "usage_coverage": "what each level still covers per metric, for every company",
    "cost_records": "what a product cost per period, not per company",
    "thresholds": "platform defaults (no company) beside per-company overrides; small",
    "api_keys": "looked up by secret hash before the company is known; ADMIN and SYSTEM "
    "keys have no company",
    "console_sessions": "looked up by token hash before the company is known",
    "invoice_number_counters": "gapless numbers per issuer and year, shared by companies; "
    "updated in the invoicing transaction",
}

LOCAL: dict[str, str] = {
    "schema_migrations": "which migrations ran; the coordinator's own bookkeeping",
    "job_runs": "the scheduler's runs, kept by the job leader on the coordinator",
    "audit_log": "append-only trail; ADMIN actions have no company",
    "reports": "a report may be platform-wide (no company); built by coordinator jobs",
    "report_schedules": "a schedule may be platform-wide (no company)",
    "report_schedule_runs": "runs of the schedules above",
    "usage_rollup_watermark": "the rollup folder's watermark, a transaction id: meaningful on "
    "the node whose transactions it counts only (docs/scaling.md)",
}
