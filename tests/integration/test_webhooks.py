"""Outbound webhooks: endpoints, events raised by the flows, signed deliveries, retries.

A real HTTP receiver on 127.0.0.1 (one status list per path) takes the
POSTs; the events come from the real invoice run, payments, overdue marks
and alert checks.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import UUID

import pytest

from domain import webhooks as wh
from domain.pricing import Price, PriceModel
from domain.reports.criteria import RelativeWindow, ReportCriteria
from domain.reports.document import ReportFormat
from domain.thresholds import MAX_ATTEMPTS
from services import invoicing
from services.webhook_delivery import drain
from storage.reports import create_report
from tests.integration.test_aggregation import draft, new_company, store
from tests.integration.test_alerts import level, watch
from tests.integration.test_invoices import contract_for

SECRET = "whsec_test_secret_0123456789"
FINALIZED_AT = datetime(2025, 2, 5, tzinfo=UTC)
ONE_EURO = Price(PriceModel.PER_UNIT, unit_price=Decimal("1.00"))

CREATE = """
mutation($input: WebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    __typename
    ... on CreatedWebhookEndpoint { secret endpoint { id companyId url events enabled } }
    ... on ValidationError { field code message }
  }
}"""
DELIVERIES = """
query($id: UUID!, $first: Int!, $after: String) {
  webhookDeliveries(endpointId: $id, first: $first, after: $after) {
    edges { cursor node { eventId eventType status attempts lastStatusCode lastError
                          nextAttemptAt deliveredAt } }
    pageInfo { hasNextPage endCursor }
  }
}"""
ENDPOINTS = "query($c: UUID!) { webhookEndpoints(companyId: $c) { id url events enabled } }"
PAY = """
mutation($id: UUID!, $amount: Decimal!, $at: DateTime!) {
  recordPayment(invoiceId: $id, amount: $amount, paidAt: $at) {
    __typename
    ... on Invoice { paymentStatus }
  }
}"""


class Receiver:
    """What the receiver was sent, per path, and the statuses it answers with next."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.statuses: dict[str, list[int]] = {}

    def to(self, path: str) -> list[tuple[dict[str, str], bytes]]:
        return [(h, b) for p, h, b in self.requests if p == path]

    def events(self, path: str) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.to(path)]


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            headers = {k.lower(): v for k, v in self.headers.items()}
            state.requests.append((self.path, headers, body))
            queued = state.statuses.get(self.path)
            self.send_response(queued.pop(0) if queued else 204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def hooked(runtime: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The runtime with webhooks to 127.0.0.1 allowed (the receiver is local)."""
    monkeypatch.setattr(runtime, "settings", replace(runtime.settings, allow_private_webhooks=True))
    return runtime


async def create(api: Any, company: UUID, url: str, events: list[str], **extra: Any) -> Any:
    variables = {"input": {"companyId": str(company), "url": url, "events": events, **extra}}
    return (await api(CREATE, variables))["createWebhookEndpoint"]


async def endpoint(api: Any, company: UUID, url: str, *events: str) -> str:
    created = await create(api, company, url, list(events), secret=SECRET)
    assert created["__typename"] == "CreatedWebhookEndpoint", created
    assert created["secret"] is None  # given, so not shown back
    return str(created["endpoint"]["id"])


async def deliveries(api: Any, endpoint_id: str, first: int = 50) -> list[dict[str, Any]]:
    data = await api(DELIVERIES, {"id": endpoint_id, "first": first})
    return [e["node"] for e in data["webhookDeliveries"]["edges"]]


def verified(headers: dict[str, str], body: bytes, secret: str = SECRET) -> bool:
    """The receiver's check, as the README shows it."""
    timestamp = headers["x-metergraph-timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest("sha256=" + expected.hexdigest(), headers["x-metergraph-signature"])


async def finalized_invoice(runtime: Any) -> tuple[UUID, Any]:
    """A company with a contract whose January invoice (300.00 EUR) is ready to finalize."""
    company, contract = await contract_for(runtime, ONE_EURO, payment_terms_days=10)
    await store(runtime, [draft(company, datetime(2025, 1, 15, tzinfo=UTC), Decimal(300))])
    return company, contract


async def test_bad_endpoints_are_refused_naming_the_field(
    hooked: Any, admin: Any, receiver: tuple[Receiver, str]
) -> None:
    company = await new_company(hooked)
    _, base = receiver
    for url, events, extra, field, code in (
        ("ftp://example.com/hook", ["INVOICE_PAID"], {}, "url", "INVALID_FORMAT"),
        ("example.com/hook", ["INVOICE_PAID"], {}, "url", "INVALID_FORMAT"),
        ("http://", ["INVOICE_PAID"], {}, "url", "INVALID_FORMAT"),
        (f"{base}/x", [], {}, "events", "REQUIRED"),
        (f"{base}/x", ["INVOICE_PAID"], {"secret": "short"}, "secret", "INVALID_FORMAT"),
    ):
        refused = await create(admin, company, url, events, **extra)
        assert (refused["__typename"], refused["field"], refused["code"]) == (
            "ValidationError",
            field,
            code,
        ), url
    unknown = await create(
        admin, UUID("00000000-0000-7000-8000-000000000000"), f"{base}/x", ["INVOICE_PAID"]
    )
    assert (unknown["field"], unknown["code"]) == ("companyId", "UNKNOWN_COMPANY")
    bad_enum = await admin.post(
        CREATE,
        {"input": {"companyId": str(company), "url": f"{base}/x", "events": ["INVOICE_LOST"]}},
    )
    assert bad_enum.status_code == 200 and bad_enum.json()["errors"]
    assert await admin(ENDPOINTS, {"c": str(company)}) == {"webhookEndpoints": []}


async def test_a_private_address_is_refused_unless_allowed(
    runtime: Any, admin: Any, receiver: tuple[Receiver, str]
) -> None:
    company = await new_company(runtime)
    refused = await create(admin, company, f"{receiver[1]}/x", ["INVOICE_PAID"])
    assert (refused["field"], refused["code"]) == ("url", "INVALID_FORMAT")
    assert "METERGRAPH_ALLOW_PRIVATE_WEBHOOKS" in refused["message"]


async def test_a_generated_secret_is_shown_once_and_signs_the_deliveries(
    hooked: Any, admin: Any, receiver: tuple[Receiver, str]
) -> None:
    state, base = receiver
    company, _ = await finalized_invoice(hooked)
    created = await create(admin, company, f"{base}/gen", ["INVOICE_FINALIZED"])
    secret = created["secret"]
    assert secret.startswith("whsec_") and len(secret) > 30
    listed = await admin(ENDPOINTS, {"c": str(company)})
    assert "secret" not in json.dumps(listed) and secret not in json.dumps(listed)
    await invoicing.generate_invoices(hooked, now=FINALIZED_AT, company_id=company)
    assert await drain(hooked) == 1
    ((headers, body),) = state.to("/gen")
    assert verified(headers, body, secret)
    assert not verified(headers, body, SECRET)


async def test_invoice_finalized_and_paid_arrive_signed_once_each(
    hooked: Any, admin: Any, receiver: tuple[Receiver, str]
) -> None:
    state, base = receiver
    company, contract = await finalized_invoice(hooked)
    hook = await endpoint(admin, company, f"{base}/billing", "INVOICE_FINALIZED", "INVOICE_PAID")

    await invoicing.generate_invoices(hooked, now=FINALIZED_AT, company_id=company)
    await invoicing.generate_invoices(hooked, now=FINALIZED_AT + timedelta(days=1))
    assert await drain(hooked) == 1
    ((headers, body),) = state.to("/billing")
    assert verified(headers, body)
    event = json.loads(body)
    assert headers["x-metergraph-event-id"] == event["id"]
    assert headers["x-metergraph-event-type"] == event["type"] == "INVOICE_FINALIZED"
    assert event["companyId"] == str(company)
    invoice = event["data"]
    assert (invoice["contractId"], invoice["status"], invoice["currency"]) == (
        str(contract.id),
        "FINALIZED",
        "EUR",
    )
    assert (invoice["total"], invoice["amountDue"], invoice["dueDate"]) == (
        "300.00",
        "300.00",
        "2025-02-11",
    )

    at = "2025-02-08T10:00:00Z"
    for amount in ("100.00", "200.00", "5.00"):  # the last overpays: paid once, one event
        paid = await admin(PAY, {"id": invoice["invoiceId"], "amount": amount, "at": at})
        assert paid["recordPayment"]["__typename"] == "Invoice"
    assert await drain(hooked) == 1
    paid_event = state.events("/billing")[1]
    assert paid_event["type"] == "INVOICE_PAID" and paid_event["id"] != event["id"]
    assert (paid_event["data"]["paymentStatus"], paid_event["data"]["amountDue"]) == (
        "PAID",
        "0.00",
    )
    assert [d["eventType"] for d in await deliveries(admin, hook)] == [
        "INVOICE_PAID",
        "INVOICE_FINALIZED",
    ]


async def test_an_overdue_invoice_raises_one_event_however_often_the_job_runs(
    hooked: Any, admin: Any, receiver: tuple[Receiver, str]
) -> None:
    state, base = receiver
    company, _ = await finalized_invoice(hooked)
    await endpoint(admin, company, f"{base}/late", "INVOICE_OVERDUE")
    await invoicing.generate_invoices(hooked, now=FINALIZED_AT, company_id=company)
    assert await invoicing.mark_overdue_invoices(hooked, datetime(2025, 2, 11, tzinfo=UTC)) == 0
    assert await invoicing.mark_overdue_invoices(hooked, datetime(2025, 2, 12, tzinfo=UTC)) == 1
    assert await invoicing.mark_overdue_invoices(hooked, datetime(2025, 2, 13, tzinfo=UTC)) == 0
    assert await drain(hooked) == 1
    (event,) = state.events("/late")
    assert (event["type"], event["data"]["paymentStatus"]) == ("INVOICE_OVERDUE", "OVERDUE")


async def test_a_500_is_retried_later_with_the_same_event_id_and_body(
    hooked: Any, admin: Any, receiver: tuple[Receiver, str]
) -> None:
    state, base = receiver
    company, _ = await finalized_invoice(hooked)
    hook = await endpoint(admin, company, f"{base}/flaky", "INVOICE_FINALIZED")
    state.statuses["/flaky"] = [500]
    await invoicing.generate_invoices(hooked, now=FINALIZED_AT, company_id=company)

    now = datetime.now(UTC)
    assert await drain(hooked, now) == 0
    (failed,) = await deliveries(admin, hook)
    assert (failed["status"], failed["attempts"], failed["lastStatusCode"]) == ("PENDING", 1, 500)
    assert failed["lastError"] == "webhook answered 500" and failed["deliveredAt"] is None
    assert datetime.fromisoformat(failed["nextAttemptAt"]) > now
    assert await drain(hooked, now) == 0  # not due yet: nothing sent
    assert len(state.to("/flaky")) == 1

    assert await drain(hooked, now + timedelta(hours=1)) == 1
    (first, first_body), (second, second_body) = state.to("/flaky")
    assert first["x-metergraph-event-id"] == second["x-metergraph-event-id"]
    assert first_body == second_body and verified(second, second_body)
    assert (first["x-metergraph-delivery-attempt"], second["x-metergraph-delivery-attempt"]) == (
        "1",
        "2",
    )
    (done,) = await deliveries(admin, hook)
    assert (done["status"], done["attempts"], done["lastStatusCode"], done["lastError"]) == (
        "DELIVERED",
        2,
        204,
        None,
    )
    assert done["eventId"] == first["x-metergraph-event-id"] and done["nextAttemptAt"] is None


async def test_a_delivery_that_keeps_failing_is_failed_after_the_last_try(
    hooked: Any, admin: Any, receiver: tuple[Receiver, str]
) -> None:
    state, base = receiver
    company, _ = await finalized_invoice(hooked)
    hook = await endpoint(admin, company, f"{base}/down", "INVOICE_FINALIZED")
    state.statuses["/down"] = [503] * (MAX_ATTEMPTS + 5)
    await invoicing.generate_invoices(hooked, now=FINALIZED_AT, company_id=company)

    moment = datetime.now(UTC)
    for _ in range(MAX_ATTEMPTS + 3):
        assert await drain(hooked, moment) == 0
        moment += timedelta(hours=2)
    assert len(state.to("/down")) == MAX_ATTEMPTS
    (gave_up,) = await deliveries(admin, hook)
    assert (gave_up["status"], gave_up["attempts"], gave_up["lastStatusCode"]) == (
        "FAILED",
        MAX_ATTEMPTS,
        503,
    )


async def test_an_alert_raised_arrives_with_its_level_and_usage(
    hooked: Any, admin: Any, receiver: tuple[Receiver, str]
) -> None:
    state, base = receiver
    company = await new_company(hooked)
    await endpoint(admin, company, f"{base}/alerts", "ALERT_RAISED")
    await watch(
        hooked, company, "API_REQUESTS", "100", level("WARNING", "PERCENTAGE", "80", "PLATFORM")
    )
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    await store(hooked, [draft(company, now, Decimal(90))])
    assert await drain(hooked) == 1
    ((headers, body),) = state.to("/alerts")
    assert verified(headers, body)
    event = json.loads(body)
    assert event["type"] == "ALERT_RAISED"
    data = event["data"]
    assert (data["metricCode"], data["level"], data["kind"]) == (
        "API_REQUESTS",
        "WARNING",
        "CROSSING",
    )
    assert (data["usage"], data["limit"], data["levelValue"]) == ("90", "100", "80")


async def test_a_company_hears_only_its_own_events_and_never_waits_for_anothers_failures(
    hooked: Any, admin: Any, scoped: Any, receiver: tuple[Receiver, str]
) -> None:
    state, base = receiver
    a = await new_company(hooked)
    b = await new_company(hooked)
    a_hook = await endpoint(admin, a, f"{base}/a", "ALERT_RAISED")
    b_admin = await scoped("COMPANY_ADMIN", b)
    b_hook = await endpoint(b_admin, b, f"{base}/b", "ALERT_RAISED")
    state.statuses["/a"] = [500] * 100  # company A's receiver is down
    await watch(
        hooked,
        None,  # every company's default
        "API_REQUESTS",
        "100",
        level("HALF", "PERCENTAGE", "50", "PLATFORM"),
        level("WARNING", "PERCENTAGE", "80", "PLATFORM"),
        level("CRITICAL", "PERCENTAGE", "95", "PLATFORM"),
    )
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    await store(hooked, [draft(a, now, Decimal(99))])  # three alerts for A
    await store(hooked, [draft(b, now, Decimal(60))])  # one for B

    assert await drain(hooked) == 1
    assert [e["companyId"] for e in state.events("/b")] == [str(b)]
    assert [e["data"]["level"] for e in state.events("/b")] == ["HALF"]
    # A's receiver failed once; its other events wait for that one's next try
    assert [e["companyId"] for e in state.events("/a")] == [str(a)]
    assert sorted((d["status"], d["attempts"]) for d in await deliveries(admin, a_hook)) == [
        ("PENDING", 0),
        ("PENDING", 0),
        ("PENDING", 1),
    ]
    # B's key sees neither A's endpoints nor their deliveries
    denied = await b_admin.post(ENDPOINTS, {"c": str(a)})
    assert denied.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    hidden = await b_admin.post(DELIVERIES, {"id": a_hook, "first": 10})
    assert hidden.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert [x["id"] for x in (await b_admin(ENDPOINTS, {"c": str(b)}))["webhookEndpoints"]] == [
        b_hook
    ]


async def test_a_disabled_endpoint_gets_nothing_more_and_a_deleted_one_is_gone(
    hooked: Any, admin: Any, receiver: tuple[Receiver, str]
) -> None:
    state, base = receiver
    company, _ = await finalized_invoice(hooked)
    hook = await endpoint(admin, company, f"{base}/off", "INVOICE_FINALIZED")
    await invoicing.generate_invoices(hooked, now=FINALIZED_AT, company_id=company)
    disable = "mutation($id: UUID!) { disableWebhookEndpoint(id: $id) { enabled disabledAt } }"
    off = (await admin(disable, {"id": hook}))["disableWebhookEndpoint"]
    assert off["enabled"] is False and off["disabledAt"]
    assert await drain(hooked) == 0 and state.requests == []
    (ended,) = await deliveries(admin, hook)
    assert (ended["status"], ended["lastError"]) == ("FAILED", "the endpoint was disabled")

    delete = "mutation($id: UUID!) { deleteWebhookEndpoint(id: $id) }"
    assert (await admin(delete, {"id": hook}))["deleteWebhookEndpoint"] is True
    assert (await admin(delete, {"id": hook}))["deleteWebhookEndpoint"] is False
    assert await admin(ENDPOINTS, {"c": str(company)}) == {"webhookEndpoints": []}


async def test_the_delivery_log_pages_newest_first(
    hooked: Any, admin: Any, receiver: tuple[Receiver, str]
) -> None:
    _, base = receiver
    company = await new_company(hooked)
    hook = await endpoint(admin, company, f"{base}/log", "ALERT_RAISED")
    await watch(
        hooked,
        company,
        "API_REQUESTS",
        "100",
        level("HALF", "PERCENTAGE", "50", "PLATFORM"),
        level("WARNING", "PERCENTAGE", "80", "PLATFORM"),
        level("CRITICAL", "PERCENTAGE", "95", "PLATFORM"),
    )
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    await store(hooked, [draft(company, now, Decimal(99))])
    first = (await admin(DELIVERIES, {"id": hook, "first": 2}))["webhookDeliveries"]
    assert len(first["edges"]) == 2 and first["pageInfo"]["hasNextPage"] is True
    rest = await admin(
        DELIVERIES, {"id": hook, "first": 2, "after": first["pageInfo"]["endCursor"]}
    )
    page = rest["webhookDeliveries"]
    assert len(page["edges"]) == 1 and page["pageInfo"]["hasNextPage"] is False
    ids = [e["node"]["eventId"] for e in first["edges"] + page["edges"]]
    assert len(set(ids)) == 3
    bad = await admin.post(DELIVERIES, {"id": hook, "first": 2, "after": "nonsense"})
    assert bad.json()["errors"][0]["extensions"]["field"] == "after"


@pytest.mark.parametrize(
    ("constraint", "values"),
    [
        ("webhook_events_type_check", {e.value for e in wh.EventType}),
        ("webhook_endpoints_events_check", {e.value for e in wh.EventType}),
    ],
)
async def test_the_database_stores_the_event_types_the_domain_knows_and_no_other(
    runtime: Any, constraint: str, values: set[str]
) -> None:
    async with runtime.pool.acquire() as conn:
        check = await conn.fetchval(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = $1", constraint
        )
    assert check is not None, f"no constraint {constraint}"
    assert set(re.findall(r"'([A-Z_]+)'", check)) == values


async def test_a_report_ready_arrives_when_its_company_report_is_built(
    hooked: Any, admin: Any, receiver: tuple[Receiver, str]
) -> None:
    state, base = receiver
    company = await new_company(hooked)
    await endpoint(admin, company, f"{base}/reports", "REPORT_READY")
    async with hooked.pool.acquire() as conn:
        ours = await create_report(
            conn,
            ReportCriteria(window=RelativeWindow.PREVIOUS_DAY, company_id=company),
            ReportFormat.CSV,
            datetime.now(UTC),
            created_by=None,
        )
        # a report over every company belongs to none: no company hears of it
        await create_report(
            conn,
            ReportCriteria(window=RelativeWindow.PREVIOUS_DAY),
            ReportFormat.CSV,
            datetime.now(UTC),
            created_by=None,
        )
    assert await hooked.reports.run_pending() == 2
    assert await drain(hooked) == 1
    ((headers, body),) = state.to("/reports")
    assert verified(headers, body)
    event = json.loads(body)
    assert (event["type"], event["companyId"]) == ("REPORT_READY", str(company))
    assert event["data"]["reportId"] == str(ours.id)
    assert event["data"]["downloadPath"] == f"/v1/reports/{ours.id}"


async def test_only_an_admin_or_the_companys_own_admin_registers_an_endpoint(
    hooked: Any, admin: Any, scoped: Any, receiver: tuple[Receiver, str]
) -> None:
    a = await new_company(hooked)
    b = await new_company(hooked)
    variables = {
        "input": {"companyId": str(a), "url": f"{receiver[1]}/x", "events": ["INVOICE_PAID"]}
    }
    for role, company in (("COMPANY_ADMIN", b), ("VIEWER", a)):
        denied = await (await scoped(role, company)).post(CREATE, variables)
        assert denied.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN", role
    own = await (await scoped("COMPANY_ADMIN", a))(CREATE, variables)
    assert own["createWebhookEndpoint"]["endpoint"]["companyId"] == str(a)
    hook = own["createWebhookEndpoint"]["endpoint"]["id"]
    other = await scoped("COMPANY_ADMIN", b)
    delete = "mutation($id: UUID!) { deleteWebhookEndpoint(id: $id) }"
    assert (await other(delete, {"id": hook}))["deleteWebhookEndpoint"] is False
    assert len((await admin(ENDPOINTS, {"c": str(a)}))["webhookEndpoints"]) == 1


async def test_two_drainers_failing_on_one_endpoint_neither_wait_for_nor_repeat_each_other(
    hooked: Any, admin: Any, receiver: tuple[Receiver, str]
) -> None:
    state, base = receiver
    company = await new_company(hooked)
    hook = await endpoint(admin, company, f"{base}/busy", "ALERT_RAISED")
    state.statuses["/busy"] = [500] * 100
    await watch(
        hooked,
        company,
        "API_REQUESTS",
        "100",
        *(level(f"L{n}", "PERCENTAGE", str(n * 10), "PLATFORM") for n in range(1, 10)),
    )
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    await store(hooked, [draft(company, now, Decimal(99))])  # nine alerts, nine deliveries
    moment = datetime.now(UTC)
    assert await asyncio.gather(*(drain(hooked, moment) for _ in range(3))) == [0, 0, 0]
    logged = await deliveries(admin, hook)
    assert len(logged) == 9
    tried = [d for d in logged if d["attempts"]]
    # each try was one request, no delivery was tried twice, and the rest wait
    assert len(tried) == len(state.to("/busy")) >= 1
    assert all(d["attempts"] == 1 for d in tried)
    assert all(d["status"] == "PENDING" for d in logged)
