"""GraphQL documents and set-up steps shared by the integration tests."""

from __future__ import annotations

from typing import Any

CREATE_COMPANY = """
mutation($input: CompanyInput!) {
  createCompany(input: $input) {
    __typename
    ... on Company { id externalKey name lateArrivalDays }
    ... on ValidationError { field code message }
  }
}
"""

DEFINE_METRIC = """
mutation($input: MetricInput!) {
  defineMetric(input: $input) {
    __typename
    ... on Metric { code unit resourceType measurementType aggregation }
    ... on ValidationError { field errorCode: code message }
  }
}
"""

RECORD_USAGE = """
mutation($input: UsageRecordInput!, $backfill: Boolean = false) {
  recordUsage(input: $input, backfill: $backfill) {
    __typename
    ... on RecordedUsage {
      duplicate
      record { id companyId metricCode resourceType timestamp value unit measurementType
               idempotencyKey properties billable spaceId billingPeriod { startDate endDate } }
    }
    ... on ValidationError { field code message errors { field code message } }
  }
}
"""

BATCH_RECORD_USAGE = """
mutation($records: [UsageRecordInput!]!, $atomic: Boolean = false, $backfill: Boolean = false) {
  batchRecordUsage(records: $records, atomic: $atomic, backfill: $backfill) {
    __typename
    ... on BatchUsageReport { accepted duplicates rejected rolledBack
                              errors { index field code message } }
    ... on ValidationError { field code message }
  }
}
"""

USAGE_RECORDS = """
query($filter: UsageRecordFilter, $first: Int = 100, $after: String) {
  usageRecords(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id companyId metricCode timestamp value idempotencyKey } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

SEED_METRICS = [
    ("sms_delivered", "SMS delivered", "API_CALLS", "COUNTER", "messages", "SUM"),
    ("whatsapp_messages_sent", "WhatsApp messages sent", "API_CALLS", "COUNTER", "messages", "SUM"),
    ("ai_sms_processed", "AI SMS processed", "API_CALLS", "COUNTER", "messages", "SUM"),
]


async def create_company(api: Any, key: str, name: str | None = None) -> str:
    data = await api(CREATE_COMPANY, {"input": {"externalKey": key, "name": name or key}})
    result = data["createCompany"]
    assert result["__typename"] == "Company", result
    return str(result["id"])


async def define_seed_metrics(api: Any) -> None:
    for code, name, resource, measurement, unit, aggregation in SEED_METRICS:
        data = await api(
            DEFINE_METRIC,
            {
                "input": {
                    "code": code,
                    "name": name,
                    "resourceType": resource,
                    "measurementType": measurement,
                    "unit": unit,
                    "aggregation": aggregation,
                }
            },
        )
        assert data["defineMetric"]["__typename"] == "Metric", data


def api_request(company_id: str, value: Any = "10", **fields: Any) -> dict[str, Any]:
    """An API_REQUESTS usage record input (a default metric), recorded now."""
    from datetime import UTC, datetime

    record = {
        "companyId": company_id,
        "resourceType": "API_CALLS",
        "metricCode": "API_REQUESTS",
        "timestamp": datetime.now(UTC).isoformat(),
        "value": str(value),
        "unit": "requests",
    }
    record.update(fields)
    return record
