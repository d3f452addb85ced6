"""Report schedules: each fire time once, caught up after a stop, delivered where asked."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.report_delivery import at_most_once_a_minute, cron_trigger, fire_times
from services.reports import claim_runs, fire_report_schedules
from tests.integration.test_alerts import smtp, webhook  # noqa: F401 F811 (fixtures)

CREATE = """
mutation($cron: String!, $destination: ReportDestinationInput!, $format: ReportFormat!) {
  createReportSchedule(name: "usage", cron: $cron, timeZone: "Europe/Berlin",
                       criteria: {window: PREVIOUS_DAY, granularity: HOUR},
                       format: $format, destination: $destination) {
    __typename
    ... on ReportSchedule { id nextRunAt destination { type to url signed } }
    ... on ValidationError { field code message }
  }
}
"""
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_cron_expressions() -> None:
    monday_nine = cron_trigger("0 9 * * 1", "UTC")  # crontab: 1 is Monday, 0 and 7 Sunday
    assert fire_times(monday_nine, T0 - timedelta(days=8), T0) == [
        T0 - timedelta(days=7),
        T0,
    ]
    sunday = cron_trigger("30 6 * * 0", "Europe/Berlin")
    (moment,) = fire_times(sunday, T0 - timedelta(days=7), T0)
    assert moment == datetime(2026, 3, 1, 5, 30, tzinfo=UTC)  # 06:30 in Berlin, a Sunday
    every_two = cron_trigger("*/2 * * * * *", "UTC")
    assert len(fire_times(every_two, T0, T0 + timedelta(seconds=10))) == 5
    for bad in ("* * *", "61 * * * *", "* * * * mon-funday"):
        with pytest.raises(ValueError, match="cron"):
            cron_trigger(bad, "UTC")
    # a schedule fires at most once a minute: one second of the minute, or none given
    for once in ("* * * * *", "0 * * * * *", "59 */5 * * * *"):
        assert at_most_once_a_minute(once) is None
    for often in ("* * * * * *", "*/2 * * * * *", "0,30 * * * * *", "0-59 0 9 * * *"):
        assert at_most_once_a_minute(often) is not None


async def schedule(admin: Any, cron: str, destination: dict[str, Any], fmt: str = "CSV") -> str:
    data = await admin(CREATE, {"cron": cron, "destination": destination, "format": fmt})
    result = data["createReportSchedule"]
    assert result["__typename"] == "ReportSchedule", result
    return str(result["id"])


async def created_at(runtime: Any, schedule_id: str, moment: datetime) -> None:
    async with runtime.pool.acquire() as conn:
        await conn.execute(
            "UPDATE report_schedules SET created_at = $2 WHERE id = $1::uuid", schedule_id, moment
        )


async def every_two_seconds(runtime: Any, schedule_id: str) -> None:
    """Make a schedule fire every two seconds, so processes can be watched at work.

    The API refuses such a cron (at most once a minute); the job still runs
    what the table holds, which is how a test gets there in seconds.
    """
    async with runtime.pool.acquire() as conn:
        await conn.execute(
            "UPDATE report_schedules SET cron = '*/2 * * * * *' WHERE id = $1::uuid", schedule_id
        )


async def runs(runtime: Any, schedule_id: str) -> list[Any]:
    async with runtime.pool.acquire() as conn:
        return list(
            await conn.fetch(
                "SELECT r.scheduled_for, r.status, rep.status AS report, rep.criteria"
                " FROM report_schedule_runs r JOIN reports rep ON rep.id = r.report_id"
                " WHERE r.schedule_id = $1::uuid ORDER BY r.scheduled_for",
                schedule_id,
            )
        )


async def report_count(runtime: Any, schedule_id: str) -> int:
    async with runtime.pool.acquire() as conn:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM reports WHERE schedule_id = $1::uuid", schedule_id
        )
    return count


async def test_each_fire_time_runs_once_and_a_pause_is_caught_up(admin: Any, runtime: Any) -> None:
    sid = await schedule(admin, "*/2 * * * *", {"type": "STORED"})
    await created_at(runtime, sid, T0)
    assert await fire_report_schedules(runtime, T0 + timedelta(minutes=10)) == 5
    assert await fire_report_schedules(runtime, T0 + timedelta(minutes=10)) == 0
    # Stopped for a while: the next pass makes the runs it missed, no more.
    assert await fire_report_schedules(runtime, T0 + timedelta(minutes=21)) == 5
    done = await runs(runtime, sid)
    assert [r["scheduled_for"] for r in done] == [
        T0 + timedelta(minutes=m) for m in range(2, 21, 2)
    ]
    assert {(r["status"], r["report"]) for r in done} == {("DELIVERED", "SUCCEEDED")}
    assert await report_count(runtime, sid) == 10
    # A relative window is fixed at the fire time, in the schedule's zone.
    import json

    criteria = json.loads(done[0]["criteria"])
    assert criteria["window"] == "PREVIOUS_DAY"
    assert criteria["from"] == "2026-02-28T23:00:00+00:00"  # midnight in Berlin
    assert criteria["to"] == "2026-03-01T23:00:00+00:00"


async def test_two_passes_at_once_make_one_report_per_fire_time(admin: Any, runtime: Any) -> None:
    sid = await schedule(admin, "*/2 * * * *", {"type": "STORED"})
    await created_at(runtime, sid, T0)
    now = T0 + timedelta(minutes=20)
    first, second = await asyncio.gather(claim_runs(runtime, now), claim_runs(runtime, now))
    assert len(first) + len(second) == 10
    assert await report_count(runtime, sid) == 10


async def test_a_signed_webhook_gets_the_report(
    admin: Any,
    runtime: Any,
    webhook: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the test's receiver listens on 127.0.0.1, which only this setting lets through
    monkeypatch.setattr(runtime, "settings", replace(runtime.settings, allow_private_webhooks=True))
    state, url = webhook
    state.statuses = [500]  # the receiver fails once: retried on the next pass
    sid = await schedule(
        admin,
        "0 9 * * *",
        {"type": "WEBHOOK", "url": url, "secret": "report-secret"},
        "JSON",
    )
    await created_at(runtime, sid, T0 - timedelta(hours=2))
    await fire_report_schedules(runtime, T0 + timedelta(minutes=1))
    assert [r["status"] for r in await runs(runtime, sid)] == ["PENDING"]
    await fire_report_schedules(runtime, T0 + timedelta(minutes=2))
    assert [r["status"] for r in await runs(runtime, sid)] == ["DELIVERED"]
    await fire_report_schedules(runtime, T0 + timedelta(minutes=3))
    assert len(state.requests) == 2  # the failed try and the delivery, nothing more
    headers, body = state.requests[-1]
    expected = hmac.new(
        b"report-secret", headers["x-metergraph-timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers["x-metergraph-signature"] == "sha256=" + expected
    assert headers["content-type"] == "application/json"
    assert b'"kind": "USAGE"' in body


async def test_an_email_destination_gets_an_attachment(
    admin: Any,
    runtime: Any,
    smtp: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, port = smtp
    monkeypatch.setattr(
        runtime,
        "settings",
        # Reports' own SMTP server; alerts have none configured.
        replace(
            runtime.settings,
            report_smtp_host="127.0.0.1",
            report_smtp_port=port,
            report_smtp_tls="none",
        ),
    )
    sid = await schedule(admin, "0 9 * * *", {"type": "EMAIL", "to": ["ops@example.com"]})
    await created_at(runtime, sid, T0 - timedelta(hours=2))
    await fire_report_schedules(runtime, T0 + timedelta(minutes=1))
    (message,) = inbox.messages
    assert message["To"] == "ops@example.com"
    assert message["From"] == "reports@metergraph.local"
    assert "usage" in message["Subject"]
    (attachment,) = [p for p in message.walk() if p.get_filename()]
    assert attachment.get_filename().endswith(".csv")
    assert attachment.get_payload(decode=True).startswith(b"period_start,period_end")


@pytest.mark.parametrize(
    ("cron", "destination", "field"),
    [
        ("* * *", {"type": "STORED"}, "cron"),
        ("* * * * * *", {"type": "STORED"}, "cron"),
        ("*/2 * * * * *", {"type": "STORED"}, "cron"),
        ("0-30 * * * * *", {"type": "STORED"}, "cron"),
        (
            "0 9 * * *",
            {"type": "EMAIL", "to": ["ops@example.com\r\nBcc: x@evil.test"]},
            "destination.to",
        ),
        ("0 9 * * *", {"type": "EMAIL", "to": ["not an address"]}, "destination.to"),
        ("0 9 * * *", {"type": "WEBHOOK", "url": "http://127.0.0.1:9/x"}, "destination.url"),
        ("0 9 * * *", {"type": "EMAIL", "to": []}, "destination.to"),
        ("0 9 * * *", {"type": "WEBHOOK", "url": "ftp://x"}, "destination.url"),
    ],
)
async def test_bad_schedules_get_typed_errors(
    admin: Any, cron: str, destination: dict[str, Any], field: str
) -> None:
    data = await admin(CREATE, {"cron": cron, "destination": destination, "format": "CSV"})
    result = data["createReportSchedule"]
    assert (result["__typename"], result["field"]) == ("ValidationError", field)


async def test_two_servers_and_a_restart_neither_repeat_nor_skip_a_run(
    admin: Any, runtime: Any, settings: Any, database: str
) -> None:
    """Two processes fire a schedule at the same instants, both stop, and one starts
    again later. The clock is driven: each pass is told what time it is."""
    from services.runtime import open_runtime

    sid = await schedule(admin, "* * * * *", {"type": "STORED"})
    await every_two_seconds(runtime, sid)
    await created_at(runtime, sid, T0)

    def at(seconds: int) -> datetime:
        return T0 + timedelta(seconds=seconds)

    async with open_runtime(settings, database, run_migrations=False) as other:
        for seconds in (2, 4, 6):  # both processes' passes at each fire time, at once
            await asyncio.gather(
                fire_report_schedules(runtime, at(seconds)),
                fire_report_schedules(other, at(seconds)),
            )
    assert [r["scheduled_for"] for r in await runs(runtime, sid)] == [at(2), at(4), at(6)]
    # no process from 6 s to 12 s: the restarted one makes the runs it missed, no more
    async with open_runtime(settings, database, run_migrations=False) as restarted:
        await fire_report_schedules(restarted, at(12))
        await fire_report_schedules(restarted, at(13))
        await fire_report_schedules(restarted, at(14))
    done = await runs(runtime, sid)
    times = [r["scheduled_for"] for r in done]
    assert times == [at(2 * i) for i in range(1, 8)]
    assert await report_count(runtime, sid) == len(times)
    assert {(r["status"], r["report"]) for r in done} == {("DELIVERED", "SUCCEEDED")}


async def test_retention_removes_old_reports_but_not_where_a_schedule_resumes(
    admin: Any, runtime: Any
) -> None:
    from services.retention import clean_up

    sid = await schedule(admin, "*/2 * * * *", {"type": "STORED"})
    await created_at(runtime, sid, T0)
    assert await fire_report_schedules(runtime, T0 + timedelta(minutes=4)) == 2
    async with runtime.pool.acquire() as conn:
        run = await clean_up(conn, now=datetime.now(UTC) + timedelta(days=91))
    assert run.reports == 2
    assert await report_count(runtime, sid) == 0
    # The schedule goes on from its last run, not from its creation. Its new
    # report asks for a window whose raw usage retention has let go (the clock
    # moved 91 days on): it fails with a typed reason rather than a wrong total.
    await fire_report_schedules(runtime, T0 + timedelta(minutes=6))
    async with runtime.pool.acquire() as conn:
        times = await conn.fetch(
            "SELECT r.scheduled_for, r.report_id, p.error FROM report_schedule_runs r"
            " LEFT JOIN reports p ON p.id = r.report_id"
            " WHERE r.schedule_id = $1::uuid ORDER BY r.scheduled_for",
            sid,
        )
    assert [r["scheduled_for"] for r in times] == [T0 + timedelta(minutes=m) for m in (2, 4, 6)]
    assert [r["report_id"] is None for r in times] == [True, True, False]
    assert "no data held answers the window exactly" in times[2]["error"]
