"""The ``metergraph`` command line."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TypeVar
from uuid import UUID

import click

from services.config import ConfigError, Settings

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def _with_runtime(settings: Settings, work: Callable[..., Awaitable[T]]) -> T:
    """Start the database (embedded or DATABASE_URL), migrate, run ``work(runtime)``."""
    from services.runtime import database_server, ensure_database, open_runtime
    from storage.errors import StorageError

    async def main(dsn: str) -> T:
        if settings.uses_embedded_postgres:
            await ensure_database(dsn)
        async with open_runtime(settings, dsn) as runtime:
            return await work(runtime)

    try:
        with database_server(settings) as dsn:
            return asyncio.run(main(dsn))
    except StorageError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log what the service does.")
def main(verbose: bool) -> None:
    """Metergraph: usage records, rollups, thresholds, pricing and invoices."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default 8000).")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Server processes sharing the port (default METERGRAPH_WORKERS, 1).",
)
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Migrate the database and serve the API."""
    import uvicorn

    from metergraph.serving import server_app, uvicorn_options

    settings = _settings()
    logging.getLogger().setLevel(logging.INFO)
    count = workers or settings.workers
    where = {
        "host": host or settings.host,
        "port": port or settings.port,
        "access_log": settings.access_log,
        **uvicorn_options(settings),
    }
    from services.runtime import wait_for_port

    # Before the database is touched: a server that cannot bind would let go
    # of the embedded PostgreSQL, and so stop it under whoever still uses it.
    if not wait_for_port(str(where["host"]), int(where["port"]), settings.port_wait_seconds):
        raise click.ClickException(
            f"{where['host']}:{where['port']} is in use (waited METERGRAPH_PORT_WAIT_SECONDS="
            f"{settings.port_wait_seconds})"
        )
    if count == 1:
        uvicorn.run(server_app(settings), log_level="info", lifespan="on", **where)
        return
    # Several processes: this one owns the database server (and watches it)
    # and the migrations; each worker opens its own pool, group commit and
    # scheduler (jobs hold advisory locks, so each scheduled run still happens
    # once), and stops when this process dies, even by SIGKILL.
    from services.runtime import database_server, ensure_database, prepare_database

    with database_server(settings) as dsn:
        if settings.uses_embedded_postgres:
            asyncio.run(ensure_database(dsn))
        asyncio.run(prepare_database(dsn))
        os.environ["DATABASE_URL"] = dsn
        uvicorn.run(
            "metergraph.cli:worker_app",
            factory=True,
            workers=count,
            log_level="info",
            lifespan="on",
            **where,
        )


def worker_app() -> object:
    """A ``serve --workers`` child's app; the child first arranges to die with its parent."""
    from metergraph.serving import server_app
    from services.runtime import die_with_parent

    die_with_parent()
    return server_app()


@main.command()
def migrate() -> None:
    """Apply pending database migrations."""

    async def work(runtime: object) -> None:
        return None

    _with_runtime(_settings(), work)
    click.echo("database is up to date")


@main.group()
def keys() -> None:
    """Manage API keys."""


@keys.command("create")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["ADMIN", "SYSTEM", "COMPANY_ADMIN", "VIEWER"], case_sensitive=False),
)
@click.option(
    "--company", "company", default=None, help="Company id or external key (scoped roles)."
)
@click.option("--name", default=None, help="A label for the key.")
def keys_create(role: str, company: str | None, name: str | None) -> None:
    """Create an API key; it is printed once, alone on the last line."""
    from api.keys import create_api_key
    from domain.access import Role
    from storage import repos

    chosen = Role(role.upper())
    if chosen.scoped and not company:
        raise click.UsageError(f"--company is required for a {chosen.value} key")
    if not chosen.scoped and company:
        raise click.UsageError(f"a {chosen.value} key is not tied to a company; drop --company")

    async def work(runtime: object) -> tuple[UUID, str]:
        from services.runtime import Runtime

        assert isinstance(runtime, Runtime)
        async with runtime.pool.acquire() as conn, conn.transaction():
            company_id = None
            if company:
                company_id = await _company_id(conn, company)
            key_id, key = await create_api_key(
                conn, chosen, company_id, name or chosen.value.lower()
            )
            await repos.insert_audit(
                conn,
                api_key_id=None,
                role="CLI",
                company_id=company_id,
                action="createApiKey",
                outcome="ok",
                details={"id": str(key_id), "role": chosen.value, "name": name},
            )
        return key_id, key

    key_id, key = _with_runtime(_settings(), work)
    click.echo(
        f"created {chosen.value} key {key_id}" + (f" for company {company}" if company else ""),
        err=True,
    )
    click.echo(key)


@keys.command("revoke")
@click.argument("key_id", type=click.UUID)
def keys_revoke(key_id: UUID) -> None:
    """Revoke an API key: every server refuses it at once and closes its subscriptions."""
    from storage import repos

    async def work(runtime: object) -> bool:
        from services.runtime import Runtime

        assert isinstance(runtime, Runtime)
        async with runtime.pool.acquire() as conn, conn.transaction():
            revoked = await repos.revoke_api_key(conn, key_id)
            if revoked:
                await repos.insert_audit(
                    conn,
                    api_key_id=None,
                    role="CLI",
                    company_id=None,
                    action="revokeApiKey",
                    outcome="ok",
                    details={"id": str(key_id)},
                )
        return revoked

    if not _with_runtime(_settings(), work):
        raise click.ClickException(f"no unrevoked key has id {key_id}")
    click.echo(f"revoked key {key_id}")


async def _company_id(conn: object, reference: str) -> UUID:
    from storage import repos

    try:
        company = await repos.company_by_id(conn, UUID(reference))  # type: ignore[arg-type]
    except ValueError:
        found = await repos.companies_by_external_keys(conn, [reference])  # type: ignore[arg-type]
        company = found.get(reference)
    if company is None:
        raise click.ClickException(f"no company {reference!r}")
    return company.id


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "ndjson"]),
    default=None,
    help="File format (default: from the file name).",
)
@click.option(
    "--create-companies", is_flag=True, help="Create companies named in the file that do not exist."
)
@click.option(
    "--backfill/--no-backfill",
    default=True,
    show_default=True,
    help="Accept records older than the late-arrival window (operator import).",
)
@click.option("--no-progress", is_flag=True, help="Do not draw a progress bar.")
def import_(
    file: Path, fmt: str | None, create_companies: bool, backfill: bool, no_progress: bool
) -> None:
    """Import usage from a CSV or NDJSON FILE."""
    from tqdm import tqdm

    from domain.bulk import BulkFileError, BulkFormat
    from services.imports import ImportOptions, ImportSummary, UsageImporter

    if fmt is None:
        fmt = "ndjson" if file.suffix.lower() in (".ndjson", ".jsonl") else "csv"
    settings = _settings()
    size = file.stat().st_size

    async def work(runtime: object) -> ImportSummary:
        from services.runtime import Runtime, tune_garbage_collector

        assert isinstance(runtime, Runtime)
        tune_garbage_collector()
        bar = tqdm(
            total=size,
            unit="B",
            unit_scale=True,
            desc=f"importing {file.name}",
            disable=no_progress,
            file=sys.stderr,
        )

        async def chunks() -> AsyncIterator[bytes]:
            with file.open("rb") as handle:
                while block := handle.read(1 << 20):
                    bar.update(len(block))
                    yield block

        try:
            return await UsageImporter(runtime.ingestor).run(
                chunks(),
                ImportOptions(
                    fmt=BulkFormat(fmt),
                    backfill=backfill,
                    create_companies=create_companies,
                    chunk_rows=settings.import_chunk_rows,
                ),
            )
        finally:
            bar.close()

    try:
        summary = _with_runtime(settings, work)
    except BulkFileError as exc:
        raise click.ClickException(f"{file}: {exc}") from exc
    for error in summary.errors:
        field_error = error.error
        click.echo(
            f"line {error.line}: {field_error.field}: {field_error.code.value}: "
            f"{field_error.message}",
            err=True,
        )
    if summary.errors_truncated:
        click.echo(
            f"... and {summary.rejected - len(summary.errors)} more rejected lines", err=True
        )
    if summary.companies_created:
        click.echo("companies created: " + ", ".join(summary.companies_created))
    click.echo(
        f"accepted {summary.accepted}, duplicates {summary.duplicates}, rejected {summary.rejected}"
    )


@main.command("report")
@click.option(
    "--kind",
    type=click.Choice(["usage", "cost-allocation", "profitability"]),
    default="usage",
    show_default=True,
)
@click.option("--company", default=None, help="Company id or external key (default: all).")
@click.option("--from", "from_", default=None, help="Window start, ISO 8601 with offset.")
@click.option("--to", default=None, help="Window end (excluded), ISO 8601 with offset.")
@click.option(
    "--window",
    type=click.Choice(
        [
            w.lower().replace("_", "-")
            for w in (
                "PREVIOUS_HOUR",
                "PREVIOUS_DAY",
                "PREVIOUS_WEEK",
                "PREVIOUS_MONTH",
                "MONTH_TO_DATE",
                "LAST_7_DAYS",
                "LAST_30_DAYS",
            )
        ]
    ),
    default=None,
    help="A window relative to now, instead of --from/--to.",
)
@click.option(
    "--granularity", type=click.Choice(["hour", "day", "month"]), default="day", show_default=True
)
@click.option("--time-zone", default="UTC", show_default=True, help="IANA zone of the buckets.")
@click.option("--metric", "metrics", multiple=True, help="A metric code (repeatable).")
@click.option("--product", "products", multiple=True, help="Cost allocation: a product code.")
@click.option(
    "--allocation", type=click.Choice(["hourly", "daily"]), default="daily", show_default=True
)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json", "pdf"]), default="pdf", show_default=True
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: a name from the kind and format).",
)
@click.option("--no-progress", is_flag=True, help="Do not draw a progress bar.")
def report(
    kind: str,
    company: str | None,
    from_: str | None,
    to: str | None,
    window: str | None,
    granularity: str,
    time_zone: str,
    metrics: tuple[str, ...],
    products: tuple[str, ...],
    allocation: str,
    fmt: str,
    output: Path | None,
    no_progress: bool,
) -> None:
    """Generate a report into a file (usage, cost allocation or profitability)."""
    from dataclasses import replace
    from datetime import UTC, datetime

    from tqdm import tqdm

    from domain.aggregation import Granularity
    from domain.allocation import AllocationGranularity
    from domain.reports.criteria import RelativeWindow, ReportCriteria, validate
    from domain.reports.document import ReportFormat, ReportKind
    from domain.reports.render import render
    from storage import repos
    from storage.costs import product_metrics
    from storage.reports import build_document

    def moment(name: str, text: str | None) -> datetime | None:
        if text is None:
            return None
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            raise click.BadParameter(f"{text!r} is not an ISO 8601 time", param_hint=name) from None

    chosen = ReportFormat(fmt.upper())
    target = output or Path(f"metergraph-{kind}.{chosen.extension}")
    settings = _settings()

    async def work(runtime: object) -> int:
        from services.runtime import Runtime

        assert isinstance(runtime, Runtime)
        bar = tqdm(total=4, desc="report", unit="step", disable=no_progress, file=sys.stderr)
        try:
            bar.set_postfix_str("checking")
            async with runtime.pool.acquire() as conn:
                company_id = await _company_id(conn, company) if company else None
                criteria = ReportCriteria(
                    kind=ReportKind(kind.upper().replace("-", "_")),
                    from_=moment("--from", from_),
                    to=moment("--to", to),
                    window=RelativeWindow(window.upper().replace("-", "_")) if window else None,
                    company_id=company_id,
                    metric_codes=metrics,
                    granularity=Granularity(granularity.upper()),
                    time_zone=time_zone,
                    product_codes=products,
                    allocation_granularity=AllocationGranularity(allocation.upper()),
                )
                now = datetime.now(UTC)
                problems = [
                    f"{e.field}: {e.code.value}: {e.message}" for e in validate(criteria, now)
                ]
                known = await repos.all_metrics(conn)
                problems += [f"--metric: no metric {m!r}" for m in metrics if m not in known]
                priced = await product_metrics(conn)
                problems += [f"--product: no product {p!r}" for p in products if p not in priced]
                if problems:
                    bar.close()
                    for problem in problems:
                        click.echo(problem, err=True)
                    raise click.ClickException("the report's criteria are not valid")
                bar.update(1)
                bar.set_postfix_str("reading usage")
                start, end = criteria.resolve(now)
                document = await build_document(
                    conn, replace(criteria, from_=start, to=end, window=None), now
                )
            bar.update(1)
            bar.set_postfix_str("rendering")
            content = await asyncio.to_thread(render, document, chosen)
            bar.update(1)
            bar.set_postfix_str("writing")
            target.write_bytes(content)
            bar.update(1)
            return len(content)
        finally:
            bar.close()

    size = _with_runtime(settings, work)
    click.echo(f"wrote {target} ({size} bytes)")


@main.command("import-costs")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_costs(file: Path) -> None:
    """Import cost records: CSV of product_code, granularity, period_start, amount, currency."""
    from storage.costs import CostImportSummary
    from storage.costs import import_costs as load

    text = file.read_text(encoding="utf-8")

    async def work(runtime: object) -> CostImportSummary:
        from services.runtime import Runtime

        assert isinstance(runtime, Runtime)
        async with runtime.pool.acquire() as conn:
            return await load(conn, text)

    summary = _with_runtime(_settings(), work)
    for line, error in summary.errors:
        click.echo(f"line {line}: {error.field}: {error.code.value}: {error.message}", err=True)
    click.echo(
        f"accepted {summary.accepted} (restated {summary.replaced}), rejected {len(summary.errors)}"
    )


@main.group()
def jobs() -> None:
    """Run scheduled jobs by hand."""


@jobs.command("run")
@click.argument("name")
def jobs_run(name: str) -> None:
    """Run the job NAME now (recorded in job_runs as a MANUAL run)."""
    from jobs.scheduler import JOBS, Outcome, RunResult, run_job

    if name not in JOBS:
        raise click.UsageError(f"no job named {name!r}; jobs: {', '.join(sorted(JOBS))}")

    async def work(runtime: object) -> RunResult:
        from services.runtime import Runtime

        assert isinstance(runtime, Runtime)
        return await run_job(name, runtime)

    result = _with_runtime(_settings(), work)
    if result.outcome is Outcome.SUCCEEDED:
        click.echo(f"{name}: done, {result.rows} rows")
    elif result.outcome is Outcome.SKIPPED:
        click.echo(f"{name}: not run: {result.error}")
    else:
        raise click.ClickException(f"{name} failed: {result.error}")


@jobs.command("list")
def jobs_list() -> None:
    """The jobs and how often they run."""
    from jobs.scheduler import JOBS

    for job in JOBS.values():
        click.echo(f"{job.name:<20} every {job.every}  {job.description}")


@main.command()
def demo() -> None:
    """Load the SMSWorld scenario and invoice its 2024 usage.

    Three customers (customer_a, customer_b, customer_c), their metrics and
    products, the 64 events of the simulation guide, the three 2024
    contracts, and the invoices of every 2024 month. Safe to run twice.
    """
    from metergraph.demo import DemoRun, load_demo

    async def work(runtime: object) -> DemoRun:
        from services.runtime import Runtime

        assert isinstance(runtime, Runtime)
        return await load_demo(runtime)

    run = _with_runtime(_settings(), work)
    imported = run.imported
    click.echo(
        f"events: accepted {imported.accepted}, duplicates {imported.duplicates},"
        f" rejected {imported.rejected}"
    )
    click.echo(f"contracts created: {run.contracts_created}")
    click.echo(f"invoices: {run.invoices.created} created, {run.invoices.finalized} finalized")
    click.echo("query them with: { invoices(first: 50) { edges { node { periodStart total } } } }")


@main.command("export-schema")
@click.argument(
    "output", type=click.Path(dir_okay=False, path_type=Path), default=Path("schema.graphql")
)
def export_schema(output: Path) -> None:
    """Write the GraphQL SDL to OUTPUT (default schema.graphql)."""
    from api.schema import schema

    output.write_text(schema.as_str() + "\n")
    click.echo(f"wrote {output}")


if __name__ == "__main__":
    main()
