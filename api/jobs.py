"""GraphQL for the job runner: registered jobs and their recorded runs."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated

import strawberry

from api import described as ds
from api import paging
from api import types as t
from api.context import Context
from api.errors import answer
from domain.jobs import JobOutcome as DomainOutcome
from domain.jobs import JobRun as StoredRun
from domain.jobs import JobTrigger as DomainTrigger
from services import jobs

JobTrigger = ds.enum(
    DomainTrigger,
    {
        DomainTrigger.SCHEDULE: "Its schedule started it.",
        DomainTrigger.MANUAL: "Someone started it by hand (runJob).",
    },
    description="What started a run.",
)
JobOutcome = ds.enum(
    DomainOutcome,
    {
        DomainOutcome.RUNNING: "Still running.",
        DomainOutcome.SUCCEEDED: "Ended without error.",
        DomainOutcome.FAILED: "Ended with an error, or was cut short (a shutdown, a dead process).",
    },
    description="How a run stands; one cut short by a shutdown is FAILED.",
)


@strawberry.type(description="A job the server runs on a schedule.")
class ScheduledJob:
    name: str = strawberry.field(description="The job's name (runJob and jobRuns take it).")
    every_seconds: int = strawberry.field(description="How often it runs, in seconds.")
    description: str = strawberry.field(description="What the job does.")


@strawberry.type(description="One run of a job: when, how it ended, how many rows it touched.")
class JobRun:
    id: int = strawberry.field(description="The run's id.")
    job: str = strawberry.field(description="The job's name.")
    scheduled_for: datetime | None = strawberry.field(description="None for a manual run.")
    trigger: JobTrigger = strawberry.field(
        description="Whether its schedule or someone by hand started it.",
    )
    started_at: datetime = strawberry.field(description="When it started.")
    finished_at: datetime | None = strawberry.field(
        description="When it ended; null while RUNNING.",
    )
    outcome: JobOutcome = strawberry.field(description="How it stands.")
    rows: int | None = strawberry.field(description="How many rows it touched, once it SUCCEEDED.")
    error: str | None = strawberry.field(description="Why it FAILED.")

    @classmethod
    def of(cls, r: StoredRun) -> JobRun:
        return cls(
            id=r.id,
            job=r.job,
            scheduled_for=r.scheduled_for,
            trigger=r.trigger,
            started_at=r.started_at,
            finished_at=r.finished_at,
            outcome=r.outcome,
            rows=r.rows,
            error=r.error,
        )


RunJobResult = Annotated[
    JobRun | t.ValidationError,
    strawberry.union("RunJobResult", description="The job's recorded run, or why not."),
]


@strawberry.type(description="One job run of a page and its cursor.")
class JobRunEdge:
    cursor: str = strawberry.field(
        description="Pass as `after` to read the job runs after this one."
    )
    node: JobRun = strawberry.field(description="The job run.")


@strawberry.type(description="A page of job runs, newest first.")
class JobRunConnection:
    edges: list[JobRunEdge] = strawberry.field(
        description="The job runs of this page, newest first."
    )
    page_info: t.PageInfo = strawberry.field(
        description="Whether older runs follow (`after: endCursor`)."
    )


def scheduled_jobs(ctx: Context) -> list[ScheduledJob]:
    return [
        ScheduledJob(
            name=j.name, every_seconds=int(j.every.total_seconds()), description=j.description
        )
        for j in jobs.scheduled_jobs(ctx.runtime, ctx.principal)
    ]


async def job_runs(
    ctx: Context, job: str | None, first: int, after: str | None
) -> JobRunConnection:
    start = partial(paging.position, after, 1, lambda parts: int(parts[0]))
    rows = await jobs.list_job_runs(ctx.runtime, ctx.principal, job, first, start)
    edges = [JobRunEdge(cursor=t.encode_cursor(str(r.id)), node=JobRun.of(r)) for r in rows[:first]]
    return JobRunConnection(
        edges=edges,
        page_info=t.PageInfo.forward([e.cursor for e in edges], len(rows) > first, after),
    )


async def run_job(ctx: Context, name: str) -> RunJobResult:
    """Run job ``name`` now, as ``metergraph jobs run`` does; its recorded (MANUAL) run."""
    return await answer(jobs.run_job_now(ctx.runtime, ctx.principal, name), to=JobRun.of)
