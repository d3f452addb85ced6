"""One tenant's bad data or failing destination never stops, nor repeats, another's work.

Real SMTP (aiosmtpd) and a real HTTP receiver; the bad rows are written with
SQL, as data stored before the edge checked it would be.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
import uuid_utils.compat as uuid7

from domain import thresholds as th
from domain.pricing import Price, PriceModel
from domain.reports.records import MAX_DELIVERY_ATTEMPTS
from domain.thresholds import MAX_ATTEMPTS
from services import alert_watch, invoicing
from services.delivery import drain
from services.jobs import run_job
from services.reports import fire_report_schedules
from storage import alerts, billing
from storage.queries import q
from tests.integration.test_aggregation import draft, new_company, store
from tests.integration.test_alerts import (  # noqa: F401 (fixtures)
    NOW,
    Inbox,
    Webhook,
    level,
    recipients,
    smtp,
    watch,
    webhook,
)
from tests.integration.test_invoices import contract_for
from tests.integration.test_retention import months_back

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ONE_EURO = Price(PriceModel.PER_UNIT, unit_price=Decimal("1.00"))
CREATE = """
mutation($name: String!, $company: UUID!, $destination: ReportDestinationInput!) {
  createReportSchedule(name: $name, cron: "0 9 * * *", timeZone: "UTC",
                       criteria: {window: PREVIOUS_DAY, granularity: DAY, companyId: $company},
                       format: CSV, destination: $destination) {
    __typename
    ... on ReportSchedule { id }
    ... on ValidationError { field code message }
  }
}
"""
SCHEDULES = """
{ reportSchedules { id destination { type url signed } runs { status attempts error } } }
"""


@pytest.fixture
def wired(
    runtime: Any,
    smtp: tuple[Inbox, int],  # noqa: F811
    webhook: tuple[Webhook, str],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Any]:
    """The runtime with the test's SMTP server; webhooks on 127.0.0.1 allowed."""
    monkeypatch.setattr(
        runtime,
        "settings",
        replace(
            runtime.settings,
            smtp_host="127.0.0.1",
            smtp_port=smtp[1],
            smtp_tls="none",
            allow_private_webhooks=True,
        ),
    )
    yield runtime


async def create_schedule(admin: Any, name: str, company: UUID, destination: dict[str, Any]) -> str:
    data = await admin(CREATE, {"name": name, "company": str(company), "destination": destination})
    result = data["createReportSchedule"]
    assert result["__typename"] == "ReportSchedule", result
    return str(result["id"])


async def start_schedules_at(runtime: Any, moment: datetime) -> None:
    async with runtime.pool.acquire() as conn:
        await conn.execute("UPDATE report_schedules SET created_at = $1", moment)


async def run_of(runtime: Any, schedule_id: str) -> tuple[str, int, str | None]:
    async with runtime.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT status, attempts, error FROM report_schedule_runs WHERE schedule_id = $1::uuid",
            schedule_id,
        )
    return row["status"], row["attempts"], row["error"]


async def outbox_of(runtime: Any, company: UUID) -> list[tuple[str, str, int, str | None]]:
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT o.recipient, o.status, o.attempts, o.last_error FROM notification_outbox o"
            " JOIN alerts a ON a.id = o.alert_id WHERE a.company_id = $1 AND o.channel = 'EMAIL'",
            company,
        )
    return [(r["recipient"], r["status"], r["attempts"], r["last_error"]) for r in rows]


async def test_one_tenants_poison_units_neither_block_nor_repeat_another_tenants_work(
    wired: Any,
    admin: Any,
    smtp: tuple[Inbox, int],  # noqa: F811
    webhook: tuple[Webhook, str],  # noqa: F811
) -> None:
    runtime = wired
    inbox, _ = smtp
    receiver, url = webhook
    receiver.statuses = [500] * 100  # tenant A's webhook never takes its report
    # Both tenants bill the last month; A's usage holds a value no invoice can price.
    last_month, this_month = months_back(1), months_back(0)
    a, _ = await contract_for(runtime, ONE_EURO, start_date=last_month.date())
    b, _ = await contract_for(runtime, ONE_EURO, start_date=last_month.date())
    await store(runtime, [draft(b, last_month + timedelta(days=1), Decimal(4))])
    async with runtime.pool.acquire() as conn:  # stored as it was before values were bounded
        await conn.execute(
            "INSERT INTO usage_rollup_deltas (company_id, metric_code, bucket_start, billable,"
            " records, total, min_value, max_value) VALUES ($1, 'API_REQUESTS', $2, true, 1,"
            " 1e30, 1e30, 1e30)",
            a,
            last_month + timedelta(days=1),
        )

    # Tenant A, first in every queue: an address with a line break (stored before the
    # API refused it), a schedule whose name breaks the subject, a failing webhook.
    await recipients(runtime, a, email="ops@a.test\r\nBcc: everyone@evil.test")
    await recipients(runtime, b, email="ops@b.test")
    await watch(runtime, None, "API_REQUESTS", None, level("BIG", "ABSOLUTE", "5", "EMAIL"))
    await runtime.ingestor.ingest([draft(a, NOW, Decimal(7))])
    await runtime.ingestor.ingest([draft(b, NOW, Decimal(7))])
    a_hook = await create_schedule(admin, "a-hook", a, {"type": "WEBHOOK", "url": url})
    a_mail = await create_schedule(admin, "a-mail", a, {"type": "EMAIL", "to": ["x@a.test"]})
    async with runtime.pool.acquire() as conn:
        await conn.execute(
            "UPDATE report_schedules SET name = $2 WHERE id = $1::uuid",
            a_mail,
            "weekly\r\nBcc: everyone@evil.test",
        )
    b_mail = await create_schedule(admin, "b-mail", b, {"type": "EMAIL", "to": ["cfo@b.test"]})
    await start_schedules_at(runtime, T0 - timedelta(hours=2))

    # Many passes of the jobs, each late enough for every delivery backoff to have
    # passed; the invoice runs go through the month's first 30 hours (grace: 24).
    for n in range(1, 13):
        await drain(runtime, now=datetime.now(UTC) + timedelta(hours=2 * n))
        await fire_report_schedules(runtime, T0 + timedelta(minutes=30 * n))
        await invoicing.generate_invoices(runtime, now=this_month + timedelta(hours=30 * n / 12))

    # Tenant B: its alert and its report went out, each exactly once.
    sent = sorted((str(m["To"]), str(m["Subject"]).split(":")[0]) for m in inbox.messages)
    assert [to for to, _ in sent] == ["cfo@b.test", "ops@b.test"], sent
    assert await outbox_of(runtime, b) == [("ops@b.test", "DELIVERED", 1, None)]
    assert await run_of(runtime, b_mail) == ("DELIVERED", 1, None)

    # B's invoice for the month was issued once, and finalized with its right total.
    async with runtime.pool.acquire() as conn:
        b_invoices = await billing.list_invoices(conn, b, None, None, None, 100)
        a_invoices = await billing.list_invoices(conn, a, None, None, None, 100)
        failures = {r["company_id"]: r for r in await conn.fetch(q("invoice_run_errors"))}
    assert [(i.draft.period_start, i.draft.total, i.status) for i in b_invoices] == [
        (last_month, Decimal("4.00"), "FINALIZED")
    ]

    # Tenant A: each poison unit was tried a bounded number of times, then given up
    # (its contract on a backoff of hours, not on every run).
    assert a_invoices == [] and set(failures) == {a}
    assert (failures[a]["code"], 1 < failures[a]["attempts"] < 12) == ("OUT_OF_RANGE", True)
    ((recipient, status, attempts, error),) = await outbox_of(runtime, a)
    assert (status, attempts) == ("FAILED", MAX_ATTEMPTS)
    assert error is not None and error.startswith("ValueError")
    hook_status, hook_attempts, hook_error = await run_of(runtime, a_hook)
    assert (hook_status, hook_attempts) == ("FAILED", MAX_DELIVERY_ATTEMPTS)
    assert hook_error == "webhook answered 500"
    assert len(receiver.requests) == MAX_DELIVERY_ATTEMPTS
    mail_status, mail_attempts, mail_error = await run_of(runtime, a_mail)
    assert (mail_status, mail_attempts) == ("FAILED", MAX_DELIVERY_ATTEMPTS)
    assert mail_error is not None and mail_error.startswith("ValueError")
    assert all("evil" not in str(m["Bcc"]) for m in inbox.messages)


async def test_a_level_name_with_a_line_break_fails_its_notifications_alone(wired: Any) -> None:
    runtime = wired
    a, b = await new_company(runtime), await new_company(runtime)
    await recipients(runtime, a, email="ops@a.test")
    await recipients(runtime, b, email="ops@b.test")
    async with runtime.pool.acquire() as conn:  # stored as it was before names were checked
        await alerts.insert_threshold(
            conn,
            th.Threshold(
                uuid7.uuid7(),
                a,
                "API_REQUESTS",
                th.Period.MONTH,
                None,
                (level("BIG\r\nBcc: everyone@evil.test", "ABSOLUTE", "5", "EMAIL"),),
            ),
        )
        await alerts.insert_threshold(
            conn,
            th.Threshold(
                uuid7.uuid7(),
                b,
                "API_REQUESTS",
                th.Period.MONTH,
                None,
                (level("BIG", "ABSOLUTE", "5", "EMAIL"),),
            ),
        )
    runtime.thresholds.invalidate()
    await runtime.ingestor.ingest([draft(a, NOW, Decimal(7))])
    await runtime.ingestor.ingest([draft(b, NOW, Decimal(7))])
    assert await drain(runtime) == 1
    assert await drain(runtime) == 0  # A's waits for its next try; B's is not sent again
    (a_row,) = await outbox_of(runtime, a)
    assert a_row[1:3] == ("PENDING", 1)
    assert await outbox_of(runtime, b) == [("ops@b.test", "DELIVERED", 1, None)]


async def test_a_usage_total_of_1e30_neither_breaks_the_forecast_nor_others_alerts(
    runtime: Any,
) -> None:
    a, b = await new_company(runtime), await new_company(runtime)
    await watch(runtime, None, "API_REQUESTS", None, level("BIG", "ABSOLUTE", "5", "PLATFORM"))
    await runtime.ingestor.ingest([draft(a, NOW, Decimal(7)), draft(b, NOW, Decimal(7))])
    # A's stored total becomes 1e30, as if accepted before values had a ceiling, and
    # the checks after the write were lost: the hourly sweep has to raise both.
    async with runtime.pool.acquire() as conn:
        await conn.execute("UPDATE usage_records SET value = 1e30 WHERE company_id = $1", a)
        for table in (
            "usage_rollup_deltas",
            "usage_rollup_hour",
            "usage_rollup_day",
            "usage_rollup_month",
        ):
            await conn.execute(
                f"UPDATE {table} SET total = 1e30, max_value = 1e30 WHERE company_id = $1",  # noqa: S608
                a,
            )
        await conn.execute("DELETE FROM alerts")
    swept = await alert_watch.sweep(runtime.pool, now=NOW + timedelta(seconds=1))
    assert swept.failures == []
    assert {(r.company_id, r.level) for r in swept.raised} == {(a, "BIG"), (b, "BIG")}
    async with runtime.pool.acquire() as conn:
        usage = await conn.fetchval(
            "SELECT usage FROM alerts WHERE company_id = $1 AND kind = 'CROSSING'", a
        )
    assert usage == Decimal("1e30")
    assert th.projection(Decimal("1e30"), NOW, NOW + timedelta(days=2), NOW + timedelta(days=1))


async def test_a_threshold_no_rule_can_read_is_reported_and_the_others_are_checked(
    runtime: Any,
) -> None:
    a, b = await new_company(runtime), await new_company(runtime)
    await watch(runtime, b, "API_REQUESTS", None, level("BIG", "ABSOLUTE", "5", "PLATFORM"))
    broken = uuid7.uuid7()
    async with runtime.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO thresholds (id, company_id, metric_code, period, levels)"
            " VALUES ($1, $2, 'API_REQUESTS', 'MONTH', $3)",
            broken,
            a,
            json.dumps([{"name": "X", "kind": "NOT_A_KIND", "value": "1", "channels": []}]),
        )
    await runtime.ingestor.ingest([draft(b, NOW, Decimal(7))], backfill=True)
    async with runtime.pool.acquire() as conn:
        # the check after the write skipped the broken row and raised B's level
        assert await conn.fetchval("SELECT count(*) FROM alerts WHERE company_id = $1", b) == 1
        await conn.execute("DELETE FROM alerts")  # as if the check after the write was lost
    result = await run_job("forecast-thresholds", runtime)
    assert result.outcome.value == "FAILED"
    assert result.error is not None and str(broken) in result.error
    async with runtime.pool.acquire() as conn:
        raised = await conn.fetch("SELECT company_id, level FROM alerts")
    assert [(r["company_id"], r["level"]) for r in raised] == [(b, "BIG")]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://0.0.0.0/hook",
        "http://224.0.0.1/hook",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[fd00::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
    ],
)
async def test_a_webhook_to_a_private_address_is_refused_on_destination_url(
    admin: Any, runtime: Any, url: str
) -> None:
    company = await new_company(runtime)
    data = await admin(
        CREATE,
        {"name": "hook", "company": str(company), "destination": {"type": "WEBHOOK", "url": url}},
    )
    result = data["createReportSchedule"]
    assert (result["__typename"], result["field"]) == ("ValidationError", "destination.url")
    assert "not a public address" in result["message"]


async def test_a_webhook_is_checked_again_when_the_report_is_delivered(
    wired: Any,
    admin: Any,
    webhook: tuple[Webhook, str],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runtime = wired
    receiver, url = webhook
    company = await new_company(runtime)
    sid = await create_schedule(admin, "hook", company, {"type": "WEBHOOK", "url": url})
    await start_schedules_at(runtime, T0 - timedelta(hours=2))
    # the operator turns private targets off after the schedule was accepted
    monkeypatch.setattr(
        runtime, "settings", replace(runtime.settings, allow_private_webhooks=False)
    )
    await fire_report_schedules(runtime, T0 + timedelta(minutes=1))
    status, attempts, error = await run_of(runtime, sid)
    assert (status, attempts) == ("PENDING", 1)
    assert error is not None and "not a public address" in error
    assert receiver.requests == []


async def test_a_viewer_does_not_see_a_schedules_delivery_errors_nor_its_url(
    wired: Any,
    admin: Any,
    scoped: Any,
    webhook: tuple[Webhook, str],  # noqa: F811
) -> None:
    runtime = wired
    receiver, url = webhook
    receiver.statuses = [500]
    company = await new_company(runtime)
    secret = "s3cret-of-the-hook"
    await create_schedule(
        admin, "hook", company, {"type": "WEBHOOK", "url": url + "?token=abc", "secret": secret}
    )
    await start_schedules_at(runtime, T0 - timedelta(hours=2))
    await fire_report_schedules(runtime, T0 + timedelta(minutes=1))

    viewer = await scoped("VIEWER", company)
    (seen,) = (await viewer(SCHEDULES))["reportSchedules"]
    assert seen["destination"] == {"type": "WEBHOOK", "url": None, "signed": True}
    assert seen["runs"] == [{"status": "PENDING", "attempts": 1, "error": None}]

    company_admin = await scoped("COMPANY_ADMIN", company)
    (managed,) = (await company_admin(SCHEDULES))["reportSchedules"]
    assert managed["runs"][0]["error"] == "webhook answered 500"
    assert secret not in json.dumps(managed)


@pytest.mark.parametrize(
    ("addresses", "field"),
    [
        (["ops@a.test\r\nBcc: x@evil.test"], "addresses"),
        (["ops@a.test\n"], None),  # surrounding whitespace is trimmed, not an error
        (["not-an-address"], "addresses"),
        (["a@b@c.test"], "addresses"),
    ],
)
async def test_recipient_addresses_are_checked_where_they_are_set(
    admin: Any, runtime: Any, addresses: list[str], field: str | None
) -> None:
    company = await new_company(runtime)
    response = await admin.post(
        "mutation($c: UUID!, $a: [String!]!) {"
        " setNotificationRecipients(companyId: $c, channel: EMAIL, addresses: $a) }",
        {"c": str(company), "a": addresses},
    )
    body = response.json()
    if field is None:
        assert body["data"]["setNotificationRecipients"] == ["ops@a.test"]
    else:
        (error,) = body["errors"]
        assert error["extensions"]["field"] == field


async def test_an_sms_recipient_with_a_control_character_is_refused(
    admin: Any, runtime: Any
) -> None:
    company = await new_company(runtime)
    response = await admin.post(
        "mutation($c: UUID!, $a: [String!]!) {"
        " setNotificationRecipients(companyId: $c, channel: SMS, addresses: $a) }",
        {"c": str(company), "a": ["+1555\r\n0100"]},
    )
    (error,) = response.json()["errors"]
    assert error["extensions"]["field"] == "addresses"


THRESHOLD = """
mutation($company: UUID!, $name: String!) {
  createThreshold(input: {metricCode: "API_REQUESTS", companyId: $company,
                          levels: [{name: $name, kind: ABSOLUTE, value: "5", channels: [EMAIL]}]}) {
    __typename
    ... on ValidationError { field code }
  }
}
"""


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("WARN\r\nBcc: x@evil.test", "INVALID_CHARACTER"),
        ("WARN\u2028X", "INVALID_CHARACTER"),
        ("W" * 201, "TOO_LONG"),
        ("   ", "REQUIRED"),
    ],
)
async def test_a_level_name_with_a_line_break_or_too_long_is_refused(
    admin: Any, runtime: Any, name: str, code: str
) -> None:
    company = await new_company(runtime)
    data = await admin(THRESHOLD, {"company": str(company), "name": name})
    result = data["createThreshold"]
    assert (result["__typename"], result["field"], result["code"]) == (
        "ValidationError",
        "levels[0].name",
        code,
    )


@pytest.mark.parametrize(
    ("name", "code"),
    [("usage\r\nBcc: x@evil.test", "INVALID_CHARACTER"), ("n" * 201, "TOO_LONG")],
)
async def test_a_schedule_name_with_a_line_break_or_too_long_is_refused(
    admin: Any, runtime: Any, name: str, code: str
) -> None:
    company = await new_company(runtime)
    data = await admin(
        CREATE, {"name": name, "company": str(company), "destination": {"type": "STORED"}}
    )
    result = data["createReportSchedule"]
    assert (result["__typename"], result["field"], result["code"]) == (
        "ValidationError",
        "name",
        code,
    )


GENERATE = """
mutation($company: UUID!) {
  generateReport(criteria: {companyId: $company, from: "2024-01-01T00:00:00Z",
                            to: "2024-02-01T00:00:00Z"}, format: CSV) {
    __typename
    ... on Report { id }
    ... on ValidationError { field code message }
  }
}
"""


async def test_a_company_with_its_queue_full_gets_a_typed_error_and_others_do_not(
    admin: Any, runtime: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        runtime, "settings", replace(runtime.settings, max_pending_reports_per_company=2)
    )
    busy, other = await new_company(runtime), await new_company(runtime)
    async with runtime.pool.acquire() as conn:
        for _ in range(2):  # two being built right now
            await conn.execute(
                "INSERT INTO reports (id, company_id, kind, format, criteria, status, started_at)"
                " VALUES ($1, $2, 'USAGE', 'PDF', '{}', 'RUNNING', now())",
                uuid7.uuid7(),
                busy,
            )
    refused = (await admin(GENERATE, {"company": str(busy)}))["generateReport"]
    assert (refused["__typename"], refused["field"], refused["code"]) == (
        "ValidationError",
        "criteria.companyId",
        "OUT_OF_RANGE",
    )
    accepted = (await admin(GENERATE, {"company": str(other)}))["generateReport"]
    assert accepted["__typename"] == "Report"
    await runtime.reports.close()


async def test_a_company_key_that_is_a_formula_is_text_in_the_csv_report(runtime: Any) -> None:
    from domain.reports.criteria import ReportCriteria
    from domain.reports.document import ReportFormat
    from storage.reports import create_report, report_content

    formula = '=HYPERLINK("http://x","y")'
    company = await new_company(runtime)
    async with runtime.pool.acquire() as conn:
        await conn.execute("UPDATE companies SET external_key = $2 WHERE id = $1", company, formula)
    await runtime.ingestor.ingest([draft(company, NOW, Decimal("5.00"))], backfill=True)
    start, end = th.period_of(NOW, th.Period.MONTH)
    async with runtime.pool.acquire() as conn:
        report = await create_report(
            conn,
            ReportCriteria(company_id=company, from_=start, to=end),
            ReportFormat.CSV,
            datetime.now(UTC),
            created_by=None,
        )
    assert await runtime.reports.run(report.id)
    async with runtime.pool.acquire() as conn:
        stored = await report_content(conn, report.id)
    rows = list(csv.DictReader(io.StringIO(stored["content"].decode())))
    assert rows and {r["company"] for r in rows} == {"'" + formula}
    assert all(not r["value"].startswith("'") for r in rows)


async def test_reports_render_on_the_bounded_worker_pool_not_on_the_event_loop(
    runtime: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from domain.reports.criteria import ReportCriteria
    from domain.reports.document import ReportFormat
    from services import report_runner
    from storage import reports as store

    seen: list[str] = []
    running = [0, 0]  # now, most at once
    lock = threading.Lock()
    real_render = report_runner.render

    def watched_render(document: Any, fmt: Any) -> bytes:
        with lock:
            seen.append(threading.current_thread().name)
            running[0] += 1
            running[1] = max(running)
        try:
            return real_render(document, fmt)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(report_runner, "render", watched_render)
    company = await new_company(runtime)
    await runtime.ingestor.ingest([draft(company, NOW, Decimal(5))], backfill=True)
    start, end = th.period_of(NOW, th.Period.MONTH)
    async with runtime.pool.acquire() as conn:
        ids = [
            (
                await store.create_report(
                    conn,
                    ReportCriteria(company_id=company, from_=start, to=end),
                    ReportFormat.PDF if n % 2 else ReportFormat.CSV,
                    datetime.now(UTC),
                    created_by=None,
                )
            ).id
            for n in range(6)
        ]
    for report_id in ids:
        runtime.reports.start(report_id)
    await runtime.reports.close()
    assert len(seen) == 6
    loop_thread = threading.main_thread().name
    assert all(name.startswith("report") and name != loop_thread for name in seen)
    assert running[1] <= runtime.settings.report_workers
    async with runtime.pool.acquire() as conn:
        statuses = await conn.fetch("SELECT status FROM reports WHERE id = ANY($1)", ids)
    assert {r["status"] for r in statuses} == {"SUCCEEDED"}
