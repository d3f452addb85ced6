"""Mutations in their one shape (`input` in, a union out), their deprecated forms still
answering, and the twins of those whose result changed."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from api.typed_inputs import FastField, decode_body, fast_field
from tests.integration.helpers import api_request, create_company

ERROR = "... on ValidationError { field errorCode message }"
UNKNOWN = "00000000-0000-0000-0000-0000000000ff"

CREATE_PRODUCT = f"""
mutation($input: CreateProductInput) {{
  createProduct(input: $input) {{ __typename ... on Product {{ code name metricCode }} {ERROR} }}
}}"""
CREATE_PRODUCT_OLD = f"""
mutation($code: String, $name: String, $metric: String, $input: CreateProductInput) {{
  createProduct(code: $code, name: $name, metricCode: $metric, input: $input) {{
    __typename ... on Product {{ code name metricCode }} {ERROR}
  }}
}}"""
LEGAL_HOLD = f"""
mutation($input: SetLegalHoldInput) {{
  setLegalHold(input: $input) {{ __typename ... on LegalHold {{ companyId held }} {ERROR} }}
}}"""
LEGAL_HOLD_OLD = f"""
mutation($company: UUID!, $held: Boolean!) {{
  setLegalHold(companyId: $company, held: $held) {{
    __typename ... on LegalHold {{ companyId held }} {ERROR}
  }}
}}"""
KEY = f"""
mutation($input: CreateApiKeyInput) {{
  createApiKey(input: $input) {{ __typename ... on IssuedApiKey {{ key {{ id role }} }} {ERROR} }}
}}"""
REVOKE = f"""
mutation($input: RevokeApiKeyInput) {{
  revokeApiKey(input: $input) {{ __typename ... on ApiKey {{ id revokedAt }} {ERROR} }}
}}"""
ROTATE = f"""
mutation($input: RotateApiKeyInput) {{
  rotateApiKey(input: $input) {{ __typename {ERROR} }}
}}"""
THRESHOLD = """
mutation($input: ThresholdInput!) { createThreshold(input: $input) { ... on Threshold { id } } }
"""
REPLACE = f"""
mutation($input: ReplaceThresholdInput!) {{
  replaceThreshold(input: $input) {{
    __typename ... on Threshold {{ id metricCode limit levels {{ name }} }} {ERROR}
  }}
}}"""
REMOVE_THRESHOLD = f"""
mutation($input: RemoveThresholdInput!) {{
  removeThreshold(input: $input) {{ __typename ... on Removed {{ id }} {ERROR} }}
}}"""
ACKNOWLEDGE = f"""
mutation($input: MarkAlertAcknowledgedInput!) {{
  markAlertAcknowledged(input: $input) {{ __typename {ERROR} }}
}}"""
RECIPIENTS = f"""
mutation($input: UpdateNotificationRecipientsInput!) {{
  updateNotificationRecipients(input: $input) {{
    __typename ... on NotificationRecipients {{ companyId channel role addresses }} {ERROR}
  }}
}}"""
RUN_INVOICING = f"""
mutation($input: RunInvoicingInput!) {{
  runInvoicing(input: $input) {{ __typename ... on InvoiceRun {{ created }} {ERROR} }}
}}"""
SCHEDULE = f"""
mutation($input: CreateReportScheduleInput) {{
  createReportSchedule(input: $input) {{
    __typename ... on ReportSchedule {{ id name active }} {ERROR}
  }}
}}"""
SCHEDULE_ACTIVE = f"""
mutation($input: SetReportScheduleActiveInput) {{
  setReportScheduleActive(input: $input) {{ __typename ... on ReportSchedule {{ active }} {ERROR} }}
}}"""
REMOVE_SCHEDULE = f"""
mutation($input: RemoveReportScheduleInput!) {{
  removeReportSchedule(input: $input) {{ __typename ... on Removed {{ id }} {ERROR} }}
}}"""
ENDPOINT = """
mutation($input: WebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    ... on CreatedWebhookEndpoint { endpoint { id } }
    ... on ValidationError { field message }
  }
}"""
DEACTIVATE = f"""
mutation($input: DeactivateWebhookEndpointInput!) {{
  deactivateWebhookEndpoint(input: $input) {{
    __typename ... on WebhookEndpoint {{ id enabled }} {ERROR}
  }}
}}"""
REMOVE_ENDPOINT = f"""
mutation($input: RemoveWebhookEndpointInput!) {{
  removeWebhookEndpoint(input: $input) {{ __typename ... on Removed {{ id }} {ERROR} }}
}}"""


def level(name: str = "WARNING", value: str = "80") -> dict[str, Any]:
    return {"name": name, "kind": "PERCENTAGE", "value": value, "channels": ["EMAIL"]}


def error(answer: dict[str, Any]) -> tuple[str, str, str]:
    return (answer["__typename"], answer.get("field", ""), answer.get("errorCode", ""))


async def codes(api: Any, query: str, variables: dict[str, Any]) -> list[str]:
    """The top-level error codes of an operation refused as a whole."""
    body = (await api.post(query, variables)).json()
    return [e["extensions"]["code"] for e in body.get("errors") or []]


async def test_a_kept_mutation_answers_alike_to_its_input_and_to_its_deprecated_arguments(
    admin: Any,
) -> None:
    new = await admin(
        CREATE_PRODUCT, {"input": {"code": "A", "name": "A", "metricCode": "API_REQUESTS"}}
    )
    old = await admin(CREATE_PRODUCT_OLD, {"code": "B", "name": "B", "metric": "API_REQUESTS"})
    assert new["createProduct"] == {**old["createProduct"], "code": "A", "name": "A"}

    company = await create_company(admin, "acme")
    held = await admin(LEGAL_HOLD, {"input": {"companyId": company, "held": True}})
    lifted = await admin(LEGAL_HOLD_OLD, {"company": company, "held": False})
    assert held["setLegalHold"] == {"__typename": "LegalHold", "companyId": company, "held": True}
    assert lifted["setLegalHold"]["held"] is False


async def test_input_beside_the_deprecated_arguments_or_a_part_missing_is_refused(
    admin: Any,
) -> None:
    both = await admin(
        CREATE_PRODUCT_OLD,
        {"code": "B", "input": {"code": "A", "name": "A", "metricCode": "API_REQUESTS"}},
    )
    assert error(both["createProduct"]) == ("ValidationError", "code", "FIELD_NOT_APPLICABLE")
    neither = await admin(CREATE_PRODUCT_OLD, {})
    assert error(neither["createProduct"]) == ("ValidationError", "input", "REQUIRED")
    part = await admin(CREATE_PRODUCT_OLD, {"code": "B", "metric": "API_REQUESTS"})
    assert error(part["createProduct"]) == ("ValidationError", "name", "REQUIRED")


async def test_api_keys_are_made_revoked_and_rotated_through_input(admin: Any) -> None:
    made = (await admin(KEY, {"input": {"role": "SYSTEM", "name": "ingest"}}))["createApiKey"]
    assert made["key"]["role"] == "SYSTEM"
    id = made["key"]["id"]
    revoked = (await admin(REVOKE, {"input": {"id": id}}))["revokeApiKey"]
    assert revoked["__typename"] == "ApiKey" and revoked["revokedAt"]
    rotated = (await admin(ROTATE, {"input": {"id": id}}))["rotateApiKey"]
    assert error(rotated) == ("ValidationError", "id", "KEY_REVOKED")
    needless = await admin(KEY, {"input": {"role": "ADMIN", "companyId": UNKNOWN}})
    assert error(needless["createApiKey"]) == (
        "ValidationError",
        "companyId",
        "FIELD_NOT_APPLICABLE",
    )


async def test_thresholds_are_replaced_and_removed_once_and_then_not_found(
    admin: Any, scoped: Any
) -> None:
    acme = await create_company(admin, "acme")
    other = await create_company(admin, "other")
    own = await scoped("COMPANY_ADMIN", acme)
    watch = {"metricCode": "API_REQUESTS", "limit": "100", "levels": [level()]}
    id = (await own(THRESHOLD, {"input": watch}))["createThreshold"]["id"]

    new = {"id": id, "limit": "200", "levels": [level("HIGH", "90")]}
    replaced = (await own(REPLACE, {"input": new}))["replaceThreshold"]
    assert replaced == {
        "__typename": "Threshold",
        "id": id,
        "metricCode": "API_REQUESTS",
        "limit": "200",
        "levels": [{"name": "HIGH"}],
    }
    stranger = await scoped("COMPANY_ADMIN", other)
    theirs = (await stranger(REPLACE, {"input": new}))["replaceThreshold"]
    assert error(theirs) == ("ValidationError", "id", "NOT_FOUND")  # as if there were none
    assert error((await stranger(REMOVE_THRESHOLD, {"input": {"id": id}}))["removeThreshold"]) == (
        "ValidationError",
        "id",
        "NOT_FOUND",
    )
    viewer = await scoped("VIEWER", acme)
    assert await codes(viewer, REMOVE_THRESHOLD, {"input": {"id": id}}) == ["FORBIDDEN"]

    removed = (await own(REMOVE_THRESHOLD, {"input": {"id": id}}))["removeThreshold"]
    assert removed == {"__typename": "Removed", "id": id}
    again = (await own(REMOVE_THRESHOLD, {"input": {"id": id}}))["removeThreshold"]
    assert error(again) == ("ValidationError", "id", "NOT_FOUND")
    old = await own("mutation($id: UUID!) { deleteThreshold(id: $id) }", {"id": id})
    assert old == {"deleteThreshold": False}


async def test_an_unknown_alert_is_not_found_and_recipients_are_answered_as_stored(
    admin: Any, scoped: Any
) -> None:
    acme = await create_company(admin, "acme")
    other = await create_company(admin, "other")
    ack = (await admin(ACKNOWLEDGE, {"input": {"id": UNKNOWN}}))["markAlertAcknowledged"]
    assert error(ack) == ("ValidationError", "id", "NOT_FOUND")

    own = await scoped("COMPANY_ADMIN", acme)
    given = {"companyId": acme, "channel": "EMAIL", "addresses": [" ops@acme.example "]}
    stored = (await own(RECIPIENTS, {"input": given}))["updateNotificationRecipients"]
    assert stored == {
        "__typename": "NotificationRecipients",
        "companyId": acme,
        "channel": "EMAIL",
        "role": "COMPANY_ADMIN",
        "addresses": ["ops@acme.example"],
    }
    bad = {**given, "addresses": ["not an address"]}
    refused = (await own(RECIPIENTS, {"input": bad}))["updateNotificationRecipients"]
    assert error(refused)[0] == "ValidationError" and error(refused)[1].startswith("addresses")
    assert await codes(own, RECIPIENTS, {"input": {**given, "companyId": other}}) == ["FORBIDDEN"]
    unknown = await admin(RECIPIENTS, {"input": {**given, "companyId": UNKNOWN}})
    assert error(unknown["updateNotificationRecipients"]) == (
        "ValidationError",
        "companyId",
        "NOT_FOUND",
    )


async def test_invoicing_runs_through_its_twin_for_admin_only(admin: Any, scoped: Any) -> None:
    ran = (await admin(RUN_INVOICING, {"input": {}}))["runInvoicing"]
    assert ran == {"__typename": "InvoiceRun", "created": 0}
    old = await admin("mutation { generateInvoices { created } }")
    assert old == {"generateInvoices": {"created": 0}}
    company = await create_company(admin, "acme")
    viewer = await scoped("COMPANY_ADMIN", company)
    assert await codes(viewer, RUN_INVOICING, {"input": {}}) == ["FORBIDDEN"]


async def test_report_schedules_are_made_paused_and_removed_through_input(admin: Any) -> None:
    made = await admin(
        SCHEDULE,
        {
            "input": {
                "name": "daily",
                "cron": "0 9 * * *",
                "criteria": {"window": "PREVIOUS_DAY", "granularity": "HOUR"},
                "format": "CSV",
                "destination": {"type": "EMAIL", "to": ["ops@example.com"]},
            }
        },
    )
    schedule = made["createReportSchedule"]
    assert (schedule["__typename"], schedule["active"]) == ("ReportSchedule", True)
    paused = await admin(SCHEDULE_ACTIVE, {"input": {"id": schedule["id"], "active": False}})
    assert paused["setReportScheduleActive"] == {"__typename": "ReportSchedule", "active": False}
    removed = await admin(REMOVE_SCHEDULE, {"input": {"id": schedule["id"]}})
    assert removed["removeReportSchedule"] == {"__typename": "Removed", "id": schedule["id"]}
    again = await admin(REMOVE_SCHEDULE, {"input": {"id": schedule["id"]}})
    assert error(again["removeReportSchedule"]) == ("ValidationError", "id", "NOT_FOUND")


async def test_webhook_endpoints_are_deactivated_and_removed_by_their_company_only(
    admin: Any, scoped: Any, runtime: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a local address, never sent to: the endpoint is deactivated before any event
    monkeypatch.setattr(runtime, "settings", replace(runtime.settings, allow_private_webhooks=True))
    acme = await create_company(admin, "acme")
    other = await create_company(admin, "other")
    own = await scoped("COMPANY_ADMIN", acme)
    hook = {"companyId": acme, "url": "http://127.0.0.1:9/in", "events": ["ALERT_RAISED"]}
    made = await own(ENDPOINT, {"input": hook})
    assert "endpoint" in made["createWebhookEndpoint"], made
    id = made["createWebhookEndpoint"]["endpoint"]["id"]

    stranger = await scoped("COMPANY_ADMIN", other)
    theirs = (await stranger(DEACTIVATE, {"input": {"id": id}}))["deactivateWebhookEndpoint"]
    assert error(theirs) == ("ValidationError", "id", "NOT_FOUND")
    off = (await own(DEACTIVATE, {"input": {"id": id}}))["deactivateWebhookEndpoint"]
    assert off == {"__typename": "WebhookEndpoint", "id": id, "enabled": False}
    gone = (await own(REMOVE_ENDPOINT, {"input": {"id": id}}))["removeWebhookEndpoint"]
    assert gone == {"__typename": "Removed", "id": id}
    again = (await own(REMOVE_ENDPOINT, {"input": {"id": id}}))["removeWebhookEndpoint"]
    assert error(again) == ("ValidationError", "id", "NOT_FOUND")


RECORD = """
mutation($input: UsageRecordInput!) {
  recordUsage(input: $input) { ... on RecordedUsage { record { id } } }
}"""
VOID = f"""
mutation($input: VoidUsageRecordInput) {{
  voidUsageRecord(input: $input) {{
    __typename ... on UsageCorrection {{ voided {{ id }} replacement {{ id }} }} {ERROR}
  }}
}}"""
CORRECT = f"""
mutation($input: CorrectUsageRecordInput) {{
  correctUsageRecord(input: $input) {{
    __typename ... on UsageCorrection {{ voided {{ id }} replacement {{ value }} }} {ERROR}
  }}
}}"""
ERASE = f"""
mutation($input: EraseUserInput) {{
  eraseUser(input: $input) {{ __typename ... on Erasure {{ companyId records }} {ERROR} }}
}}"""
RETENTION = f"""
mutation($input: SetRetentionRuleInput) {{
  setRetentionRule(input: $input) {{
    __typename ... on RetentionRule {{ metric rawDays }} {ERROR}
  }}
}}"""
RUN_JOB = f"""
mutation($input: RunJobInput) {{ runJob(input: $input) {{ __typename {ERROR} }} }}
"""
GENERATE = f"""
mutation($input: GenerateReportInput) {{
  generateReport(input: $input) {{ __typename ... on Report {{ format }} {ERROR} }}
}}"""
PAY = f"""
mutation($input: RecordPaymentInput) {{ recordPayment(input: $input) {{ __typename {ERROR} }} }}
"""


async def test_corrections_erasure_retention_jobs_reports_and_payments_take_their_input(
    admin: Any,
) -> None:
    company = await create_company(admin, "acme")
    user = "0190a000-0000-7000-8000-000000000001"
    ids = []
    for _ in range(2):
        stored = await admin(RECORD, {"input": api_request(company, "5", userId=user)})
        ids.append(stored["recordUsage"]["record"]["id"])

    voided = (await admin(VOID, {"input": {"id": ids[0], "reason": "test"}}))["voidUsageRecord"]
    assert voided == {
        "__typename": "UsageCorrection",
        "voided": {"id": ids[0]},
        "replacement": None,
    }
    change = {"id": ids[1], "reason": "typo", "value": "7"}
    corrected = (await admin(CORRECT, {"input": change}))["correctUsageRecord"]
    assert (corrected["voided"]["id"], corrected["replacement"]["value"]) == (ids[1], "7")

    erase = {"companyId": company, "userId": user, "reason": "request"}
    erased = (await admin(ERASE, {"input": erase}))["eraseUser"]
    assert (erased["__typename"], erased["companyId"]) == ("Erasure", company)
    assert erased["records"] >= 1

    rule = {"metric": "API_REQUESTS", "rawDays": 400}
    kept = (await admin(RETENTION, {"input": rule}))["setRetentionRule"]
    assert kept == {"__typename": "RetentionRule", "metric": "API_REQUESTS", "rawDays": 400}

    job = (await admin(RUN_JOB, {"input": {"name": "nope"}}))["runJob"]
    assert error(job) == ("ValidationError", "name", "NOT_FOUND")

    criteria = {"from": "2024-01-01T00:00:00Z", "to": "2024-02-01T00:00:00Z"}
    report = await admin(GENERATE, {"input": {"criteria": criteria, "format": "JSON"}})
    assert report["generateReport"] == {"__typename": "Report", "format": "JSON"}

    payment = {"invoiceId": UNKNOWN, "amount": "1.00", "paidAt": "2025-02-10T00:00:00Z"}
    paid = (await admin(PAY, {"input": payment}))["recordPayment"]
    assert error(paid)[:2] == ("ValidationError", "invoiceId")


async def test_a_batchs_rejected_record_names_its_code_as_error_code(admin: Any) -> None:
    company = await create_company(admin, "acme")
    batch = await admin(
        """mutation($records: [UsageRecordInput!]!) {
             batchRecordUsage(records: $records) {
               ... on BatchUsageReport { accepted errors { index field errorCode code } }
             }
           }""",
        {"records": [api_request(company), api_request(company, unit="bytes")]},
    )
    report = batch["batchRecordUsage"]
    assert report["accepted"] == 1
    assert report["errors"] == [
        {"index": 1, "field": "unit", "errorCode": "UNIT_MISMATCH", "code": "UNIT_MISMATCH"}
    ]


BATCH = """
mutation($input: BatchRecordUsageInput!) {
  batchRecordUsage(input: $input) {
    __typename
    ... on BatchUsageReport { accepted rejected rolledBack errors { index field errorCode } }
    ... on ValidationError { field errorCode }
  }
}"""
# declared with a default: GraphQL coerces it the ordinary way
BATCH_COERCED = BATCH.replace("BatchRecordUsageInput!", "BatchRecordUsageInput = null")
BATCH_OLD = """
mutation($records: [UsageRecordInput!]!, $atomic: Boolean) {
  batchRecordUsage(records: $records, atomic: $atomic) {
    __typename
    ... on BatchUsageReport { accepted rejected rolledBack errors { index field errorCode } }
  }
}"""


def test_a_batch_input_is_decoded_directly_when_declared_as_the_field_takes_it() -> None:
    assert fast_field(BATCH, None) == FastField("batchRecordUsage", "input", nested=True)
    nullable = BATCH.replace("BatchRecordUsageInput!", "BatchRecordUsageInput")
    assert fast_field(nullable, None) == FastField("batchRecordUsage", "input", nested=True)
    assert fast_field(BATCH_COERCED, None) is None
    record = api_request("00000000-0000-0000-0000-000000000001")
    body = {"query": BATCH, "variables": {"input": {"records": [record], "atomic": True}}}
    decoded = decode_body(json.dumps(body).encode())
    assert decoded is not None and decoded.field == "batchRecordUsage"
    assert decoded.drafts is not None and len(decoded.drafts) == 1
    # GraphQL coerces a stand-in that costs nothing; the switches are as sent
    assert decoded.variables == {"input": {"records": [], "atomic": True, "backfill": False}}
    body["variables"] = {"input": {"records": [{"x": 1}], "atomic": True}}
    decoded = decode_body(json.dumps(body).encode())
    assert decoded is not None and decoded.drafts is None  # not a record: GraphQL words it


async def test_a_batch_sent_as_input_answers_as_its_deprecated_form_on_either_path(
    admin: Any, system: Any, runtime: Any
) -> None:
    company = await create_company(admin, "acme")

    def batch(prefix: str) -> list[dict[str, Any]]:
        return [
            api_request(company, "2", idempotencyKey=f"{prefix}1"),
            api_request(company, "3", idempotencyKey=f"{prefix}2", unit="bytes"),
        ]

    fast = await system(BATCH, {"input": {"records": batch("f")}})
    coerced = await system(BATCH_COERCED, {"input": {"records": batch("c")}})
    old = await system(BATCH_OLD, {"records": batch("o")})
    report = {
        "__typename": "BatchUsageReport",
        "accepted": 1,
        "rejected": 1,
        "rolledBack": False,
        "errors": [{"index": 1, "field": "unit", "errorCode": "UNIT_MISMATCH"}],
    }
    assert fast["batchRecordUsage"] == coerced["batchRecordUsage"] == report
    assert old["batchRecordUsage"] == report

    atomic = await system(BATCH, {"input": {"records": batch("a"), "atomic": True}})
    assert atomic["batchRecordUsage"]["rolledBack"] is True
    assert atomic["batchRecordUsage"]["accepted"] == 0
    async with runtime.pool.acquire() as conn:
        keys = await conn.fetch("SELECT idempotency_key FROM usage_records ORDER BY 1")
        details = await conn.fetchval(
            "SELECT details FROM audit_log WHERE action = 'batchRecordUsage' ORDER BY id DESC"
            " LIMIT 1"
        )
    assert [r["idempotency_key"] for r in keys] == ["c1", "f1", "o1"]
    # the audit log sees what was sent (records counted), not the stand-in
    assert details["variables"]["input"] == {
        "atomic": True,
        "backfill": False,
        "records": {"items": 2, "companies": 1, "metricCodes": ["API_REQUESTS"]},
    }

    both = await system(
        BATCH.replace("(input: $input)", "(input: $input, atomic: true)"),
        {"input": {"records": batch("b")}},
    )
    assert both["batchRecordUsage"] == {
        "__typename": "ValidationError",
        "field": "atomic",
        "errorCode": "FIELD_NOT_APPLICABLE",
    }


async def test_an_alert_is_acknowledged_by_its_company_and_not_found_by_another(
    admin: Any, scoped: Any, runtime: Any
) -> None:
    acme = await create_company(admin, "acme")
    other = await create_company(admin, "other")
    own = await scoped("COMPANY_ADMIN", acme)
    watch = {"metricCode": "API_REQUESTS", "limit": "100", "levels": [level()]}
    threshold = (await own(THRESHOLD, {"input": watch}))["createThreshold"]["id"]
    alert = "0190a000-0000-7000-8000-00000000a1e7"
    async with runtime.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO alerts (id, threshold_id, company_id, metric_code, period_start,"
            " period_end, level, level_value, usage, limit_value, kind)"
            " VALUES ($1, $2, $3, 'API_REQUESTS', '2026-01-01', '2026-02-01', 'WARNING', 80,"
            " 85, 100, 'CROSSING')",
            alert,
            threshold,
            acme,
        )
    stranger = await scoped("COMPANY_ADMIN", other)
    theirs = (await stranger(ACKNOWLEDGE, {"input": {"id": alert}}))["markAlertAcknowledged"]
    assert error(theirs) == ("ValidationError", "id", "NOT_FOUND")
    viewer = await scoped("VIEWER", acme)
    assert await codes(viewer, ACKNOWLEDGE, {"input": {"id": alert}}) == ["FORBIDDEN"]
    mine = (await own(ACKNOWLEDGE, {"input": {"id": alert}}))["markAlertAcknowledged"]
    assert mine == {"__typename": "Alert"}
    async with runtime.pool.acquire() as conn:
        acknowledged = await conn.fetchval(
            "SELECT acknowledged_at IS NOT NULL FROM alerts WHERE id = $1", alert
        )
    assert acknowledged
