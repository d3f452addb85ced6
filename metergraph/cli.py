"""The ``metergraph`` command line."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

import click

from domain.errors import MetergraphError
from services.config import ConfigError, Settings

if TYPE_CHECKING:
    from domain.reports.criteria import ReportCriteria
    from domain.reports.document import ReportFormat
    from domain.simulation import SimulationPlan
    from services.imports import ImportSummary
    from services.runtime import Runtime
    from services.simulation import SimulationCatalog

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def _with_runtime(settings: Settings, work: Callable[..., Awaitable[T]]) -> T:
    """Start the database (embedded or DATABASE_URL), migrate, run ``work(runtime)``.

    What the product refuses (``domain.errors``) is said as the command's error."""
    from services.runtime import database_server, ensure_database, open_runtime

    async def main(dsn: str) -> T:
        if settings.uses_embedded_postgres:
            await ensure_database(dsn)
        async with open_runtime(settings, dsn) as runtime:
            return await work(runtime)

    try:
        with database_server(settings) as dsn:
            return asyncio.run(main(dsn))
    except MetergraphError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log what the service does.")
def main(verbose: bool) -> None:
    """Metergraph: usage records, rollups, thresholds, pricing and invoices."""
    _configure_logging(logging.INFO if verbose else logging.WARNING)


def _configure_logging(level: int) -> dict[str, object]:
    """Log as METERGRAPH_LOG_FORMAT says (text if unset or unusable: the command says why)."""
    import logging.config

    from services.logs import logging_config

    try:
        log_format = Settings.from_env().log_format
    except ConfigError:
        log_format = "text"
    config = logging_config(log_format, level)
    logging.config.dictConfig(config)
    return config


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
    count = workers or settings.workers
    where = {
        "log_config": _configure_logging(logging.INFO),
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
        # the workers' counters, summed by whichever answers GET /metrics
        from services.metrics import prepare_multiprocess

        prepare_multiprocess(settings.data_dir / "metrics")
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
    from domain.access import Role
    from services.keys import IssuedKey, issue_api_key

    chosen = Role(role.upper())
    if chosen.scoped and not company:
        raise click.UsageError(f"--company is required for a {chosen.value} key")
    if not chosen.scoped and company:
        raise click.UsageError(f"a {chosen.value} key is not tied to a company; drop --company")

    async def work(runtime: Runtime) -> IssuedKey:
        return await issue_api_key(runtime, chosen, company, name)

    issued = _with_runtime(_settings(), work)
    click.echo(
        f"created {chosen.value} key {issued.key.id}"
        + (f" for company {company}" if company else ""),
        err=True,
    )
    click.echo(issued.secret)


@keys.command("list")
@click.option(
    "--company", "company", default=None, help="Only this company's (id or external key)."
)
def keys_list(company: str | None) -> None:
    """List API keys, one a line (tab-separated), oldest first; never a secret."""
    from services.keys import ApiKey, operator_api_keys

    async def work(runtime: Runtime) -> list[ApiKey]:
        return await operator_api_keys(runtime, company)

    def when(at: datetime | None) -> str:
        return at.isoformat() if at is not None else "-"

    click.echo("id\tname\trole\tcompany\tcreated\texpires\trevoked\tlast_used")
    for key in _with_runtime(_settings(), work):
        fields = [str(key.id), key.name, key.role.value, str(key.company_id or "-")]
        fields += [when(key.created_at), when(key.expires_at), when(key.revoked_at)]
        click.echo("\t".join([*fields, when(key.last_used_at)]))


@keys.command("revoke")
@click.argument("key_id", type=click.UUID)
def keys_revoke(key_id: UUID) -> None:
    """Revoke an API key: every server refuses it at once and closes its subscriptions."""
    from services.keys import revoke_api_key

    async def work(runtime: Runtime) -> None:
        await revoke_api_key(runtime, key_id)

    _with_runtime(_settings(), work)
    click.echo(f"revoked key {key_id}")


@keys.command("rotate")
@click.argument("key_id", type=click.UUID)
def keys_rotate(key_id: UUID) -> None:
    """Give an API key a new secret, printed once, alone on the last line; the old
    secret works for METERGRAPH_KEY_ROTATION_GRACE seconds more."""
    from services.keys import IssuedKey, rotate_api_key

    async def work(runtime: Runtime) -> IssuedKey:
        return await rotate_api_key(runtime, key_id)

    issued = _with_runtime(_settings(), work)
    until = issued.key.previous_valid_until
    click.echo(
        f"rotated key {key_id}; its old secret works until {until.isoformat() if until else '-'}",
        err=True,
    )
    click.echo(issued.secret)


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

    from domain.bulk import BulkFileError

    if fmt is None:
        fmt = "ndjson" if file.suffix.lower() in (".ndjson", ".jsonl") else "csv"
    settings = _settings()
    request = _ImportRequest(file, fmt, backfill, create_companies, no_progress, settings)
    try:
        summary = _with_runtime(settings, request.run)
    except BulkFileError as exc:
        raise click.ClickException(f"{file}: {exc}") from exc
    _echo_import_summary(summary)


@dataclass(frozen=True)
class _ImportRequest:
    file: Path
    fmt: str
    backfill: bool
    create_companies: bool
    no_progress: bool
    settings: Settings

    async def run(self, runtime: Runtime) -> ImportSummary:
        """Import the file, drawing its progress by bytes read."""
        from tqdm import tqdm

        from domain.bulk import BulkFormat
        from services.imports import ImportOptions, UsageImporter
        from services.runtime import tune_garbage_collector

        tune_garbage_collector()
        bar = tqdm(
            total=self.file.stat().st_size,
            unit="B",
            unit_scale=True,
            desc=f"importing {self.file.name}",
            disable=self.no_progress,
            file=sys.stderr,
        )

        async def chunks() -> AsyncIterator[bytes]:
            with self.file.open("rb") as handle:
                while block := handle.read(1 << 20):
                    bar.update(len(block))
                    yield block

        options = ImportOptions(
            fmt=BulkFormat(self.fmt),
            backfill=self.backfill,
            create_companies=self.create_companies,
            chunk_rows=self.settings.import_chunk_rows,
            chunks_in_flight=self.settings.import_chunks_in_flight,
        )
        try:
            return await UsageImporter(runtime.ingestor).run(chunks(), options)
        finally:
            bar.close()


def _echo_import_summary(summary: ImportSummary) -> None:
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
    from domain.reports.document import ReportFormat

    chosen = ReportFormat(fmt.upper())
    target = output or Path(f"metergraph-{kind}.{chosen.extension}")
    request = _ReportRequest(
        kind, company, from_, to, window, granularity, time_zone, metrics, products, allocation
    )

    async def work(runtime: Runtime) -> int:
        from tqdm import tqdm

        bar = tqdm(total=4, desc="report", unit="step", disable=no_progress, file=sys.stderr)
        try:
            return await _write_report(runtime, request, chosen, target, bar)
        finally:
            bar.close()

    size = _with_runtime(_settings(), work)
    click.echo(f"wrote {target} ({size} bytes)")


@dataclass(frozen=True)
class _ReportRequest:
    """``metergraph report``'s options, as given."""

    kind: str
    company: str | None
    from_: str | None
    to: str | None
    window: str | None
    granularity: str
    time_zone: str
    metrics: tuple[str, ...]
    products: tuple[str, ...]
    allocation: str

    async def criteria(self, runtime: Runtime) -> ReportCriteria:
        from domain.aggregation import Granularity
        from domain.allocation import AllocationGranularity
        from domain.reports.criteria import RelativeWindow, ReportCriteria
        from domain.reports.document import ReportKind
        from services.catalog import company_named

        company = await company_named(runtime, self.company) if self.company else None
        return ReportCriteria(
            kind=ReportKind(self.kind.upper().replace("-", "_")),
            from_=_moment("--from", self.from_),
            to=_moment("--to", self.to),
            window=RelativeWindow(self.window.upper().replace("-", "_")) if self.window else None,
            company_id=company.id if company else None,
            metric_codes=self.metrics,
            granularity=Granularity(self.granularity.upper()),
            time_zone=self.time_zone,
            product_codes=self.products,
            allocation_granularity=AllocationGranularity(self.allocation.upper()),
        )


def _moment(name: str, text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not an ISO 8601 time", param_hint=name) from None


async def _write_report(
    runtime: Runtime, request: _ReportRequest, chosen: ReportFormat, target: Path, bar: Any
) -> int:
    """Check the criteria, read, render and write the report; its size in bytes."""
    from domain.reports.render import render
    from services.report_files import build_report, check_criteria

    bar.set_postfix_str("checking")
    criteria = await request.criteria(runtime)
    now = datetime.now(UTC)
    check = await check_criteria(runtime, criteria, now)
    if check:
        bar.close()
        for e in check.errors:
            click.echo(f"{e.field}: {e.code.value}: {e.message}", err=True)
        for m in check.unknown_metrics:
            click.echo(f"--metric: no metric {m!r}", err=True)
        for p in check.unknown_products:
            click.echo(f"--product: no product {p!r}", err=True)
        raise click.ClickException("the report's criteria are not valid")
    bar.update(1)
    bar.set_postfix_str("reading usage")
    document = await build_report(runtime, criteria, now)
    bar.update(1)
    bar.set_postfix_str("rendering")
    content = await asyncio.to_thread(render, document, chosen)
    bar.update(1)
    bar.set_postfix_str("writing")
    await asyncio.to_thread(target.write_bytes, content)
    bar.update(1)
    return len(content)


@main.command("import-costs")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_costs(file: Path) -> None:
    """Import cost records: CSV of product_code, granularity, period_start, amount, currency."""
    from domain.costs import CostImportSummary
    from services.costs import import_costs as load

    text = file.read_text(encoding="utf-8")

    async def work(runtime: object) -> CostImportSummary:
        from services.runtime import Runtime

        assert isinstance(runtime, Runtime)
        return await load(runtime, None, text)

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
    from services.jobs import JOBS, Outcome, RunResult, run_job

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
    from services.jobs import JOBS

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


@main.command()
@click.option("--customers", type=int, default=3, show_default=True, help="How many customers.")
@click.option("--months", type=int, default=6, show_default=True, help="How many months.")
@click.option(
    "--seed", type=int, default=1, show_default=True, help="The same seed, the same data."
)
@click.option("--start", default="2024-01", show_default=True, help="The first month, YYYY-MM.")
@click.option(
    "--metrics",
    "metrics",
    multiple=True,
    help="Metric codes to simulate, comma-separated or repeated (default: every one).",
)
@click.option("--by-customer", is_flag=True, help="Print each customer's monthly totals too.")
@click.option("--no-progress", is_flag=True, help="Do not draw a progress bar.")
def simulate(
    customers: int,
    months: int,
    seed: int,
    start: str,
    metrics: tuple[str, ...],
    by_customer: bool,
    no_progress: bool,
) -> None:
    """Generate months of realistic usage for simulated customers, through the ingest.

    Growth, seasonality, bursts, months totalling a tier boundary, zero months,
    late and repeated records (see the README). Each customer gets a company
    and a contract (made once); running it again with the same seed adds nothing.
    """
    from domain.simulation import SMSWORLD, SimulationPlan, parse_month, simulated_metrics
    from metergraph.simulation import prices_by_metric, smsworld_catalog

    first = parse_month(start)
    if first is None:
        raise click.BadParameter(f"{start!r} is not a month YYYY-MM", param_hint="--start")
    chosen = [m.strip() for given in metrics for m in given.split(",") if m.strip()]
    catalog = smsworld_catalog()
    plan = SimulationPlan(
        seed=seed,
        customers=customers,
        months=months,
        start=first,
        metrics=tuple(chosen or simulated_metrics(SMSWORLD)),
        prices=prices_by_metric(catalog),
    )
    for line in _simulate(plan, catalog, no_progress, by_customer):
        click.echo(line)


def _simulate(
    plan: SimulationPlan, catalog: SimulationCatalog, no_progress: bool, by_customer: bool
) -> list[str]:
    """Check the plan, generate it and load it with a progress bar; the summary's lines."""
    from tqdm import tqdm

    from domain.simulation import SMSWORLD, plan_errors, simulate, simulated_metrics
    from metergraph.simulation import summary
    from services.simulation import OPERATOR, simulate_usage

    errors = plan_errors(plan, set(simulated_metrics(SMSWORLD)), datetime.now(UTC))
    if errors:
        raise click.UsageError("; ".join(f"--{e.field}: {e.message}" for e in errors))
    simulation = simulate(plan)

    async def work(runtime: Runtime) -> list[str]:
        bar = tqdm(
            total=len(simulation.records),
            desc=f"simulating seed {plan.seed}",
            unit="record",
            disable=no_progress,
            file=sys.stderr,
        )
        try:
            load = await simulate_usage(runtime, OPERATOR, simulation, catalog, bar.update)
        finally:
            bar.close()
        return summary(simulation, load, by_customer)

    return _with_runtime(_settings(), work)


@main.group()
def audit() -> None:
    """Read the audit log."""


@audit.command("export")
@click.option("--from", "from_", required=True, help="Window start, ISO 8601 with offset.")
@click.option("--to", required=True, help="Window end (excluded), ISO 8601 with offset.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
@click.option("--no-progress", is_flag=True, help="Do not draw a progress bar.")
def audit_export(from_: str, to: str, output: Path | None, no_progress: bool) -> None:
    """Write the audit rows of [--from, --to) as NDJSON, one row a line, oldest first."""
    start, end = _moment("--from", from_), _moment("--to", to)
    assert start is not None and end is not None

    async def work(runtime: Runtime) -> int:
        with click.open_file(str(output) if output else "-", "w", encoding="utf-8") as sink:
            return await _export_audit(runtime, start, end, sink, no_progress)

    count = _with_runtime(_settings(), work)
    click.echo(f"exported {count} audit rows" + (f" to {output}" if output else ""), err=True)


async def _export_audit(
    runtime: Runtime, start: datetime, end: datetime, sink: Any, no_progress: bool
) -> int:
    """Write every row of [start, end) to ``sink``, drawing progress by rows; how many."""
    import json

    from tqdm import tqdm

    from domain.audit import exported
    from services.audit_log import export_window

    bar = tqdm(desc="audit", unit="row", disable=no_progress, file=sys.stderr)
    count = 0
    try:
        async for chunk in export_window(runtime, start, end):
            bar.total = chunk.total
            for stored in chunk.entries:
                sink.write(json.dumps(exported(stored), separators=(",", ":")) + "\n")
            count += len(chunk.entries)
            bar.update(len(chunk.entries))
    finally:
        bar.close()
    return count


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
