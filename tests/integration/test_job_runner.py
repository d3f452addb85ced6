"""The job runner: one run per period across processes, every run recorded."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from jobs import scheduler
from services import jobs as job_table
from services.jobs import Job, Outcome, run_job, scheduled_for
from tests.integration.test_server_process import free_port

JOB_RUNS = """query($job: String, $first: Int = 50, $after: String) {
  jobRuns(job: $job, first: $first, after: $after) {
    edges { cursor node { job trigger outcome rows error scheduledFor } }
    pageInfo { hasNextPage endCursor }
  }
}"""


@pytest.fixture
def flaky(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """A job that fails on its first call and touches 7 rows afterwards."""
    calls = {"n": 0}

    async def work(runtime: Any) -> int:
        calls["n"] += 1
        await asyncio.sleep(0.2)
        if calls["n"] == 1:
            raise RuntimeError("disk on fire")
        return 7

    monkeypatch.setitem(job_table.JOBS, "flaky", Job("flaky", work, timedelta(minutes=5)))
    return calls


async def runs(runtime: Any) -> list[Any]:
    async with runtime.pool.acquire() as conn:
        return list(
            await conn.fetch(
                "SELECT job, scheduled_for, trigger, outcome, rows, error FROM job_runs ORDER BY id"
            )
        )


async def test_a_manual_run_is_recorded_with_its_rows(runtime: Any) -> None:
    result = await run_job("rollup-usage", runtime)
    assert result.outcome is Outcome.SUCCEEDED
    (row,) = await runs(runtime)
    assert (row["job"], row["trigger"], row["outcome"], row["rows"]) == (
        "rollup-usage",
        "MANUAL",
        "SUCCEEDED",
        0,
    )


async def test_a_failed_period_is_recorded_and_run_again(runtime: Any, flaky: Any) -> None:
    period = datetime(2026, 1, 1, 12, 5, tzinfo=UTC)
    failed = await run_job("flaky", runtime, scheduled=period)
    assert failed.outcome is Outcome.FAILED and "disk on fire" in (failed.error or "")
    retried = await run_job("flaky", runtime, scheduled=period)
    assert (retried.outcome, retried.rows) == (Outcome.SUCCEEDED, 7)
    done = await run_job("flaky", runtime, scheduled=period)
    assert done.outcome is Outcome.SKIPPED
    assert flaky["n"] == 2
    (row,) = await runs(runtime)  # one row per period, holding the latest attempt
    assert (row["outcome"], row["rows"], row["error"]) == ("SUCCEEDED", 7, None)


async def test_two_runners_at_once_run_the_job_once(runtime: Any, flaky: Any) -> None:
    flaky["n"] = 1  # succeed
    period = datetime(2026, 1, 1, 12, 10, tzinfo=UTC)
    first, second = await asyncio.gather(
        run_job("flaky", runtime, scheduled=period), run_job("flaky", runtime, scheduled=period)
    )
    assert sorted([first.outcome.value, second.outcome.value]) == ["SKIPPED", "SUCCEEDED"]
    assert flaky["n"] == 2
    assert len(await runs(runtime)) == 1


def test_fires_near_a_period_start_belong_to_that_period() -> None:
    job = Job("x", None, timedelta(minutes=1))  # type: ignore[arg-type]
    start = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    every = job.every
    assert scheduled_for(job, every, start + timedelta(seconds=59)) == start
    assert scheduled_for(job, every, start) == start
    daily = Job("y", None, timedelta(days=1), timedelta(hours=3))  # type: ignore[arg-type]
    assert scheduled_for(daily, daily.every, start) == start.replace(hour=3)
    assert scheduled_for(daily, daily.every, start.replace(hour=2)) == start.replace(
        day=28, month=2, hour=3
    )


async def test_job_runs_are_listed_for_admins_only(
    runtime: Any, admin: Any, scoped: Any, flaky: Any
) -> None:
    for minute in range(3):
        await run_job("flaky", runtime, scheduled=datetime(2026, 1, 1, 0, minute, tzinfo=UTC))
    page = (await admin(JOB_RUNS, {"job": "flaky", "first": 2}))["jobRuns"]
    assert [e["node"]["outcome"] for e in page["edges"]] == ["SUCCEEDED", "SUCCEEDED"]
    rest = await admin(JOB_RUNS, {"job": "flaky", "after": page["pageInfo"]["endCursor"]})
    assert [e["node"]["outcome"] for e in rest["jobRuns"]["edges"]] == ["FAILED"]
    assert rest["jobRuns"]["pageInfo"]["hasNextPage"] is False
    jobs = await admin("{ jobs { name everySeconds } }")
    assert {"name": "rollup-usage", "everySeconds": 60} in jobs["jobs"]

    from tests.integration.helpers import create_company

    viewer = await scoped("VIEWER", await create_company(admin, "v"))
    denied = await viewer.post(JOB_RUNS)
    assert denied.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_two_server_processes_run_each_scheduled_period_once(
    database: str, runtime: Any
) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "METERGRAPH_SCHEDULER": "true",
        "METERGRAPH_JOB_EVERY": "rollup-usage=1,create-partitions=1,retention-cleanup=2",
    }
    metergraph = Path(sys.executable).parent / "metergraph"
    servers = [
        subprocess.Popen(  # noqa: ASYNC220 (started, not waited for)
            [str(metergraph), "serve", "--port", str(free_port())],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            rows = await runs(runtime)
            periods = {r["scheduled_for"] for r in rows if r["job"] == "rollup-usage"}
            if len(periods) >= 4:
                break
            await asyncio.sleep(0.5)
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            server.wait(timeout=30)
    rows = await runs(runtime)
    assert all(r["trigger"] == "SCHEDULE" for r in rows)
    keys = [(r["job"], r["scheduled_for"]) for r in rows]
    assert len(keys) == len(set(keys)), "a period ran twice"
    assert len({k for k in keys if k[0] == "rollup-usage"}) >= 4
    # stopped gracefully: a run in flight is recorded FAILED, none stays RUNNING
    assert {r["outcome"] for r in rows} <= {"SUCCEEDED", "FAILED"}
    assert {r["error"] for r in rows if r["outcome"] == "FAILED"} <= {job_table.INTERRUPTED}
    assert {"create-partitions", "retention-cleanup"} <= {r["job"] for r in rows}


async def _run_rows(runtime: Any, job: str) -> list[Any]:
    async with runtime.pool.acquire() as conn:
        return list(
            await conn.fetch(
                "SELECT id, scheduled_for, outcome, rows, error FROM job_runs"
                " WHERE job = $1 ORDER BY id",
                job,
            )
        )


async def _running_row(conn: Any, job: str, scheduled: datetime | None = None) -> int:
    """A RUNNING run owned by ``conn``'s session, as run_job's claim records it."""
    run_id: int = await conn.fetchval(
        "INSERT INTO job_runs (job, scheduled_for, trigger, outcome, host, pid, backend_pid)"
        " VALUES ($1, $2, $3, 'RUNNING', 'elsewhere', 1, pg_backend_pid()) RETURNING id",
        job,
        scheduled,
        "MANUAL" if scheduled is None else "SCHEDULE",
    )
    return run_id


async def test_a_run_whose_owner_is_gone_is_swept_to_failed_and_a_live_one_is_not(
    runtime: Any, database: str
) -> None:
    from storage.db import connect

    live = await connect(database)
    dead = await connect(database)
    try:
        assert await live.fetchval("SELECT pg_try_advisory_lock(7300100, hashtext('flaky'))")
        live_run = await _running_row(live, "flaky")
        assert await dead.fetchval("SELECT pg_try_advisory_lock(7300100, hashtext('other'))")
        dead_run = await _running_row(dead, "other")
        await dead.close()  # the process died: its session and lock are gone

        assert await job_table.fail_orphaned_runs(runtime) == 1
        async with runtime.pool.acquire() as conn:
            outcomes = dict(await conn.fetch("SELECT id, outcome FROM job_runs"))
            (error,) = await conn.fetch("SELECT error FROM job_runs WHERE id = $1", dead_run)
        assert outcomes == {live_run: "RUNNING", dead_run: "FAILED"}
        assert error["error"] == job_table.ABANDONED

        await live.execute("SELECT pg_advisory_unlock_all()")
        assert await job_table.fail_orphaned_runs(runtime) == 1
        (row,) = await _run_rows(runtime, "flaky")
        assert row["outcome"] == "FAILED"
    finally:
        await live.close()


async def test_a_period_whose_run_died_midway_runs_again_at_the_next_attempt(
    runtime: Any, database: str, flaky: Any
) -> None:
    from storage.db import connect

    flaky["n"] = 1  # succeed
    period = datetime(2026, 1, 1, 13, 0, tzinfo=UTC)
    owner = await connect(database)
    try:
        assert await owner.fetchval("SELECT pg_try_advisory_lock(7300100, hashtext('flaky'))")
        await _running_row(owner, "flaky", period)
    finally:
        await owner.close()  # killed while running the period

    result = await run_job("flaky", runtime, scheduled=period)
    assert (result.outcome, result.rows) == (Outcome.SUCCEEDED, 7)
    (row,) = await _run_rows(runtime, "flaky")
    assert (row["outcome"], row["rows"], row["error"]) == ("SUCCEEDED", 7, None)


async def test_runs_in_flight_at_scheduler_shutdown_are_recorded_failed(
    runtime: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = asyncio.Event()

    async def slow(runtime: Any) -> int:
        started.set()
        await asyncio.sleep(3600)
        return 1

    monkeypatch.setattr(job_table, "JOBS", {"slow": Job("slow", slow, timedelta(seconds=1))})
    running = scheduler.start_scheduler(runtime)
    try:
        await asyncio.wait_for(started.wait(), 10)
        (row,) = await _run_rows(runtime, "slow")
        assert row["outcome"] == "RUNNING"
    finally:
        running.shutdown(wait=False)  # at once, with no grace for the run in flight
    deadline = time.monotonic() + 10
    while (rows := await _run_rows(runtime, "slow"))[0]["outcome"] == "RUNNING":
        assert time.monotonic() < deadline, rows
        await asyncio.sleep(0.05)
    (row,) = rows
    assert (row["outcome"], row["error"]) == ("FAILED", job_table.INTERRUPTED)


async def test_a_period_cut_short_by_a_kill_runs_again_when_the_scheduler_starts(
    runtime: Any, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage.db import connect

    ran = asyncio.Event()

    async def hourly(runtime: Any) -> int:
        ran.set()
        return 3

    job = Job("hourly", hourly, timedelta(hours=1))
    monkeypatch.setattr(job_table, "JOBS", {"hourly": job})
    period = scheduled_for(job, job.every, datetime.now(UTC))
    owner = await connect(database)
    try:
        assert await owner.fetchval("SELECT pg_try_advisory_lock(7300100, hashtext('hourly'))")
        await _running_row(owner, "hourly", period)
    finally:
        await owner.close()  # the process was killed running this hour's period

    running = scheduler.start_scheduler(runtime)  # the next fire is up to an hour away
    try:
        await asyncio.wait_for(ran.wait(), 10)
        deadline = time.monotonic() + 10
        while (rows := await _run_rows(runtime, "hourly"))[0]["outcome"] != "SUCCEEDED":
            assert time.monotonic() < deadline, rows
            await asyncio.sleep(0.05)
    finally:
        running.shutdown(wait=False)
    (row,) = rows
    assert (row["scheduled_for"], row["rows"]) == (period, 3)


async def test_a_graceful_stop_lets_a_run_in_flight_finish_and_fires_nothing_more(
    runtime: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, release = asyncio.Event(), asyncio.Event()
    calls = {"n": 0}

    async def steady(runtime: Any) -> int:
        calls["n"] += 1
        started.set()
        await release.wait()
        return 4

    monkeypatch.setattr(job_table, "JOBS", {"steady": Job("steady", steady, timedelta(seconds=1))})
    running = scheduler.start_scheduler(runtime)
    await asyncio.wait_for(started.wait(), 10)
    stopping = asyncio.create_task(running.stop(grace=3600))
    await asyncio.sleep(0)  # the stop has begun: it waits for the run in flight
    assert not stopping.done()
    release.set()
    await asyncio.wait_for(stopping, 10)
    (row,) = await _run_rows(runtime, "steady")
    assert (row["outcome"], row["rows"], row["error"]) == ("SUCCEEDED", 4, None)
    assert calls["n"] == 1


async def test_a_run_still_going_when_the_grace_is_over_is_recorded_interrupted(
    runtime: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = asyncio.Event()

    async def stuck(runtime: Any) -> int:
        started.set()
        await asyncio.Event().wait()  # never set: only cancelling ends it
        return 1

    monkeypatch.setattr(job_table, "JOBS", {"stuck": Job("stuck", stuck, timedelta(seconds=1))})
    running = scheduler.start_scheduler(runtime)
    await asyncio.wait_for(started.wait(), 10)
    await asyncio.wait_for(running.stop(grace=0), 10)
    # stop() returns once the cancelled run is recorded: nothing to wait for here
    (row,) = await _run_rows(runtime, "stuck")
    assert (row["outcome"], row["error"]) == ("FAILED", job_table.INTERRUPTED)


async def test_an_idle_scheduled_run_logs_nothing_at_info_and_a_busy_one_does(
    runtime: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def idle(runtime: Any) -> int:
        return 0

    async def busy(runtime: Any) -> int:
        return 5

    every = timedelta(seconds=1)
    table = {"idle": Job("idle", idle, every), "busy": Job("busy", busy, every)}
    monkeypatch.setattr(job_table, "JOBS", table)
    caplog.set_level(logging.INFO)
    running = scheduler.start_scheduler(runtime)
    caplog.clear()  # what starting says, once, is not what a run says
    try:
        deadline = time.monotonic() + 15
        while len([r for r in await runs(runtime) if r["outcome"] == "SUCCEEDED"]) < 4:
            assert time.monotonic() < deadline, await runs(runtime)
            await asyncio.sleep(0.05)
    finally:
        running.shutdown(wait=False)
    said = [(r.name, r.getMessage()) for r in caplog.records if r.levelno >= logging.INFO]
    assert not [s for s in said if "idle" in s[1] or s[0].startswith("apscheduler.executors")]
    assert ("jobs.scheduler", "scheduled job busy: 5 rows") in said
