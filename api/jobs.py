"""GraphQL for the job runner: registered jobs and their recorded runs."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

import asyncpg
import strawberry

from api import guards, paging
from api import types as t
from api.context import Context
from domain.access import Role
from domain.usage import ErrorCode
from storage.queries import q


@strawberry.type(description="A job the server runs on a schedule.")
class ScheduledJob:
    name: str
    every_seconds: int
    description: str


@strawberry.type(description="One run of a job: when, how it ended, how many rows it touched.")
class JobRun:
    id: int
    job: str
    scheduled_for: datetime | None = strawberry.field(description="None for a manual run.")
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    rows: int | None
    error: str | None


RunJobResult = Annotated[JobRun | t.ValidationError, strawberry.union("RunJobResult")]


def _run(r: asyncpg.Record) -> JobRun:
    return JobRun(
        id=r["id"],
        job=r["job"],
        scheduled_for=r["scheduled_for"],
        trigger=r["trigger"],
        started_at=r["started_at"],
        finished_at=r["finished_at"],
        outcome=r["outcome"],
        rows=r["rows"],
        error=r["error"],
    )


@strawberry.type
class JobRunEdge:
    cursor: str
    node: JobRun


@strawberry.type
class JobRunConnection:
    edges: list[JobRunEdge]
    page_info: t.PageInfo


def scheduled_jobs(ctx: Context) -> list[ScheduledJob]:
    from jobs.scheduler import JOBS, period_of

    guards.require(ctx, Role.ADMIN)
    return [
        ScheduledJob(
            name=j.name,
            every_seconds=int(period_of(j, ctx.runtime).total_seconds()),
            description=j.description,
        )
        for j in JOBS.values()
    ]


async def job_runs(
    ctx: Context, job: str | None, first: int, after: str | None
) -> JobRunConnection:
    guards.require(ctx, Role.ADMIN)
    paging.page_size(ctx, first)
    before = paging.position(after, 1, lambda parts: int(parts[0]))
    async with ctx.runtime.pool.acquire() as conn:
        rows = await conn.fetch(q("list_job_runs"), job, before, first + 1)
    edges = [JobRunEdge(cursor=t.encode_cursor(str(r["id"])), node=_run(r)) for r in rows[:first]]
    return JobRunConnection(
        edges=edges,
        page_info=t.PageInfo(
            has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else None
        ),
    )


async def run_job(ctx: Context, name: str) -> RunJobResult:
    """Run job ``name`` now, as ``metergraph jobs run`` does; its recorded (MANUAL) run."""
    from jobs.scheduler import JOBS
    from jobs.scheduler import run_job as run

    guards.require(ctx, Role.ADMIN)
    if name not in JOBS:
        return t.ValidationError.single(
            "name", ErrorCode.NOT_FOUND, f"no job named {name!r}; jobs: {', '.join(sorted(JOBS))}"
        )
    # Shielded: a client that goes away does not interrupt the job midway.
    result = await asyncio.shield(run(name, ctx.runtime))
    if result.run_id is None:
        return t.ValidationError.single(
            "name", ErrorCode.ALREADY_EXISTS, f"{name} is running in another process already"
        )
    async with ctx.runtime.pool.acquire() as conn:
        # the job's newest run below run_id + 1: this one
        rows = await conn.fetch(q("list_job_runs"), name, result.run_id + 1, 1)
    return _run(rows[0])
