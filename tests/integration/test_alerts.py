"""Thresholds, alerts and their delivery, with a real SMTP server and a real webhook."""

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
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import UUID

import pytest
import uuid_utils.compat as uuid7
from aiosmtpd.controller import Controller

from domain import thresholds as th
from domain import webhooks as wh
from domain.bulk import BulkFormat
from services import alert_watch
from services.delivery import drain
from services.imports import ImportOptions, UsageImporter
from storage import alerts
from tests.conftest import FIXTURES
from tests.integration.test_aggregation import draft, new_company
from tests.integration.test_server_process import free_port

SECRET = "webhook-secret"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


class Webhook:
    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []


@pytest.fixture
def webhook() -> Iterator[tuple[Webhook, str]]:
    state = Webhook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(state.statuses.pop(0) if state.statuses else 200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/sms"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def delivering(runtime: Any, smtp: Any, webhook: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(
        runtime,
        "settings",
        replace(
            runtime.settings,
            smtp_host="127.0.0.1",
            smtp_port=smtp[1],
            smtp_tls="none",
            sms_webhook_url=webhook[1],
            sms_webhook_secret=SECRET,
        ),
    )
    return runtime


def level(name: str, kind: str, value: str, *channels: str) -> th.Level:
    return th.Level(
        name, th.LevelKind(kind), Decimal(value), tuple(th.Channel(c) for c in channels)
    )


async def watch(
    runtime: Any, company: UUID | None, metric: str, limit: str | None, *levels: th.Level
) -> None:
    threshold = th.Threshold(
        uuid7.uuid7(),
        company,
        metric,
        th.Period.MONTH,
        Decimal(limit) if limit else None,
        levels,
    )
    assert th.validate(threshold.limit, threshold.levels) == []
    async with runtime.pool.acquire() as conn:
        assert await alerts.insert_threshold(conn, threshold)
    runtime.thresholds.invalidate()


async def recipients(runtime: Any, company: UUID, **channels: str) -> None:
    async with runtime.pool.acquire() as conn:
        for channel, address in channels.items():
            await conn.execute(
                "INSERT INTO notification_recipients VALUES ($1, $2, $3)",
                company,
                channel.upper(),
                address,
            )


async def raised(runtime: Any, company: UUID) -> list[tuple[str, str]]:
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT level, to_char(period_start, 'YYYY-MM') AS month FROM alerts"
            " WHERE company_id = $1 ORDER BY level_value, period_start",
            company,
        )
    return [(r["level"], r["month"]) for r in rows]


async def outbox(runtime: Any) -> list[tuple[str, str, str, int]]:
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT a.level, o.channel, o.status, o.attempts FROM notification_outbox o"
            " JOIN alerts a ON a.id = o.alert_id ORDER BY a.level_value, o.channel"
        )
    return [(r["level"], r["channel"], r["status"], r["attempts"]) for r in rows]


NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)


async def test_concurrent_batches_raise_each_level_once_and_deliver_once(
    delivering: Any, smtp: Any, webhook: Any
) -> None:
    runtime = delivering
    company = await new_company(runtime)
    await recipients(runtime, company, email="ops@acme.test", sms="+15550100")
    await watch(
        runtime,
        None,  # the default for every company
        "API_REQUESTS",
        "1000",
        level("WARNING", "PERCENTAGE", "80", "EMAIL", "SMS", "PLATFORM"),
        level("CRITICAL", "PERCENTAGE", "95", "EMAIL", "PLATFORM"),
    )
    batches = [[draft(company, NOW - timedelta(seconds=n), Decimal("9.6"))] for n in range(100)]
    results = await asyncio.gather(*(runtime.ingestor.ingest(b) for b in batches))
    assert sum(r.accepted for r in results) == 100  # 960 of 1,000: past 80 % and 95 %
    month = NOW.strftime("%Y-%m")
    assert await raised(runtime, company) == [("WARNING", month), ("CRITICAL", month)]
    assert await outbox(runtime) == [
        ("WARNING", "EMAIL", "PENDING", 0),
        ("WARNING", "PLATFORM", "PENDING", 0),
        ("WARNING", "SMS", "PENDING", 0),
        ("CRITICAL", "EMAIL", "PENDING", 0),
        ("CRITICAL", "PLATFORM", "PENDING", 0),
    ]

    assert await drain(runtime) == 5
    assert await drain(runtime) == 0
    inbox, _ = smtp
    subjects = sorted(" ".join(str(m["Subject"]).split()) for m in inbox.messages)
    assert len(subjects) == 2
    assert subjects[0].startswith("[CRITICAL] agg-") and ": API_REQUESTS at 9" in subjects[0]
    assert subjects[1].startswith("[WARNING] ") and subjects[1].endswith(f"({NOW:%Y-%m})")
    body = inbox.messages[0].get_payload()
    assert "of a limit of 1000" in body and "level" in body
    assert inbox.messages[0]["To"] == "ops@acme.test"

    state, _ = webhook
    ((headers, payload),) = state.requests
    expected = hmac.new(
        SECRET.encode(), headers["x-metergraph-timestamp"].encode() + b"." + payload, hashlib.sha256
    ).hexdigest()
    assert headers["x-metergraph-signature"] == f"sha256={expected}"
    sms = json.loads(payload)
    assert sms["to"] == "+15550100"
    assert sms["text"].startswith("WARNING: agg-") and "/800" in sms["text"]
    assert len(sms["text"]) <= 160


async def test_smtp_down_then_up_delivers_once(
    delivering: Any, smtp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = delivering
    company = await new_company(runtime)
    await recipients(runtime, company, email="ops@acme.test")
    await watch(runtime, company, "API_REQUESTS", None, level("BIG", "ABSOLUTE", "5", "EMAIL"))
    up = runtime.settings
    monkeypatch.setattr(runtime, "settings", replace(up, smtp_port=free_port()))  # nobody there
    await runtime.ingestor.ingest([draft(company, NOW, Decimal(7))])
    assert await drain(runtime) == 0
    async with runtime.pool.acquire() as conn:
        status, attempts, error = await conn.fetchrow(
            "SELECT status, attempts, last_error FROM notification_outbox"
        )
    assert (status, attempts) == ("PENDING", 1) and "SMTP" in error
    monkeypatch.setattr(runtime, "settings", up)
    assert await drain(runtime) == 0  # not due yet: it waits before the next try
    assert await drain(runtime, now=datetime.now(UTC) + timedelta(minutes=5)) == 1
    assert await drain(runtime, now=datetime.now(UTC) + timedelta(hours=5)) == 0
    assert len(smtp[0].messages) == 1


async def test_a_webhook_answering_500_then_200_gets_the_message_once(
    delivering: Any, webhook: Any
) -> None:
    runtime = delivering
    company = await new_company(runtime)
    await recipients(runtime, company, sms="+15550199")
    await watch(runtime, company, "API_REQUESTS", None, level("BIG", "ABSOLUTE", "5", "SMS"))
    state, _ = webhook
    state.statuses = [500]
    await runtime.ingestor.ingest([draft(company, NOW, Decimal(7))])
    assert await drain(runtime) == 0
    assert await drain(runtime, now=datetime.now(UTC) + timedelta(minutes=5)) == 1
    assert await drain(runtime, now=datetime.now(UTC) + timedelta(hours=5)) == 0
    assert len(state.requests) == 2  # the refused one and the delivered one
    assert state.requests[0][1] == state.requests[1][1]


async def test_customer_c_whatsapp_levels_on_the_may_2024_replay(runtime: Any, admin: Any) -> None:
    from tests.integration.helpers import define_seed_metrics

    await define_seed_metrics(admin)
    async with runtime.pool.acquire() as conn:
        customer_c = await conn.fetchval(
            "INSERT INTO companies (id, external_key, name) VALUES ($1, 'customer_c', 'C')"
            " RETURNING id",
            uuid7.uuid7(),
        )
    await watch(
        runtime,
        customer_c,
        "whatsapp_messages_sent",
        None,
        level("100", "ABSOLUTE", "100", "PLATFORM"),
        level("1000", "ABSOLUTE", "1000", "PLATFORM"),
        level("2000", "ABSOLUTE", "2000", "PLATFORM"),
    )

    async def events() -> Any:
        yield (FIXTURES / "smsworld_usage_events.csv").read_bytes()

    options = ImportOptions(BulkFormat.CSV, backfill=True, create_companies=True)
    summary = await UsageImporter(runtime.ingestor).run(events(), options)
    assert summary.accepted == 61
    assert await raised(runtime, customer_c) == [("100", "2024-05"), ("1000", "2024-05")]


async def test_a_new_period_alerts_again(runtime: Any) -> None:
    company = await new_company(runtime)
    await watch(runtime, company, "API_REQUESTS", None, level("BIG", "ABSOLUTE", "5", "PLATFORM"))
    this_month = NOW.replace(day=1, hour=0, minute=0, second=0)
    last_month = this_month - timedelta(days=3)
    await runtime.ingestor.ingest([draft(company, last_month, Decimal(6))], backfill=True)
    await runtime.ingestor.ingest([draft(company, last_month, Decimal(6))], backfill=True)
    await runtime.ingestor.ingest([draft(company, NOW, Decimal(6))])
    assert await raised(runtime, company) == [
        ("BIG", last_month.strftime("%Y-%m")),
        ("BIG", this_month.strftime("%Y-%m")),
    ]


def test_threshold_rules() -> None:
    percent = level("W", "PERCENTAGE", "80", "EMAIL")
    errors = th.validate(None, (percent,))
    assert [(e.field, e.code.value) for e in errors] == [("limit", "REQUIRED")]
    errors = th.validate(
        Decimal(100),
        (level("A", "PERCENTAGE", "95", "EMAIL"), level("B", "PERCENTAGE", "80", "EMAIL")),
    )
    assert [(e.field, e.code.value) for e in errors] == [("levels[1].value", "TIERS_UNORDERED")]
    errors = th.validate(Decimal(100), (level("A", "PERCENTAGE", "120", "EMAIL"),))
    assert [(e.field, e.code.value) for e in errors] == [("levels[0].value", "OUT_OF_RANGE")]
    errors = th.validate(None, (level("A", "ABSOLUTE", "5"), level("A", "ABSOLUTE", "6", "SMS")))
    assert {(e.field, e.code.value) for e in errors} == {
        ("levels[0].channels", "REQUIRED"),
        ("levels[1].name", "ALREADY_EXISTS"),
    }


async def test_the_pace_so_far_forecasts_a_crossing(runtime: Any) -> None:
    company = await new_company(runtime)
    await watch(
        runtime,
        company,
        "API_REQUESTS",
        "1000",
        level("WARNING", "PERCENTAGE", "80", "PLATFORM"),
        level("CRITICAL", "PERCENTAGE", "95", "PLATFORM"),
    )
    start = datetime(2025, 6, 1, tzinfo=UTC)
    # 300 in the first 9 days of a 30-day month: heading for 1,000
    await runtime.ingestor.ingest(
        [draft(company, start + timedelta(days=2), Decimal(300))], backfill=True
    )
    raised_now = await alert_watch.forecast(runtime.pool, now=start + timedelta(days=9))
    assert sorted(r.level for r in raised_now) == ["CRITICAL", "WARNING"]
    again = await alert_watch.forecast(runtime.pool, now=start + timedelta(days=9, hours=1))
    assert again == []
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch("SELECT kind, level, usage FROM alerts ORDER BY level_value")
    assert [(r["kind"], r["level"], str(r["usage"])) for r in rows] == [
        ("FORECAST", "WARNING", "1000.00"),
        ("FORECAST", "CRITICAL", "1000.00"),
    ]
    assert th.projection(Decimal(10), start, start + timedelta(days=10), start) == Decimal(10)


async def test_the_hourly_sweep_raises_a_crossing_whose_check_was_lost(runtime: Any) -> None:
    company = await new_company(runtime)
    runtime.ingestor.after_commit = None  # as if the process died right after the commit
    await runtime.ingestor.ingest([draft(company, NOW, Decimal(7))])
    await watch(runtime, company, "API_REQUESTS", None, level("BIG", "ABSOLUTE", "5", "PLATFORM"))
    assert await raised(runtime, company) == []
    swept = await alert_watch.forecast(runtime.pool)
    assert [r.level for r in swept] == ["BIG"]
    assert await raised(runtime, company) == [("BIG", NOW.strftime("%Y-%m"))]


async def test_a_level_can_notify_some_roles_only(runtime: Any) -> None:
    company = await new_company(runtime)
    async with runtime.pool.acquire() as conn:
        for role, address in (("COMPANY_ADMIN", "admin@acme.test"), ("VIEWER", "cfo@acme.test")):
            await conn.execute(
                "INSERT INTO notification_recipients (company_id, channel, role, address)"
                " VALUES ($1, 'EMAIL', $2, $3)",
                company,
                role,
                address,
            )
    warning = th.Level(
        "WARNING",
        th.LevelKind.ABSOLUTE,
        Decimal(5),
        (th.Channel.EMAIL,),
        (th.RecipientRole.COMPANY_ADMIN,),
    )
    await watch(
        runtime, company, "API_REQUESTS", None, warning, level("CRITICAL", "ABSOLUTE", "9", "EMAIL")
    )
    await runtime.ingestor.ingest([draft(company, NOW, Decimal(10))])
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT a.level, o.recipient FROM notification_outbox o JOIN alerts a"
            " ON a.id = o.alert_id ORDER BY a.level_value, o.recipient"
        )
    assert [(r["level"], r["recipient"]) for r in rows] == [
        ("WARNING", "admin@acme.test"),
        ("CRITICAL", "admin@acme.test"),
        ("CRITICAL", "cfo@acme.test"),
    ]


@pytest.mark.parametrize(
    ("constraint", "values"),
    [
        ("alerts_kind_check", {k.value for k in th.AlertKind}),
        ("notification_outbox_status_check", {s.value for s in th.DeliveryStatus}),
        (
            "notification_outbox_channel_check",
            {c.value for c in th.Channel} | {wh.OUTBOX_CHANNEL},
        ),
    ],
)
async def test_the_database_stores_the_kinds_and_statuses_the_domain_knows_and_no_other(
    runtime: Any, constraint: str, values: set[str]
) -> None:
    async with runtime.pool.acquire() as conn:
        check = await conn.fetchval(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = $1", constraint
        )
    assert check is not None, f"no constraint {constraint}"
    assert set(re.findall(r"'([^']*)'", check)) == values
