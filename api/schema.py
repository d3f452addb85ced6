"""The GraphQL schema: queries and mutations.

Resolvers are thin: they parse input, call one service and map the result.
Expected failures are union members (``ValidationError``); refusals are
GraphQL errors with ``extensions.code``; anything unexpected is masked
(the rules: ``api.errors``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

import strawberry
from graphql import FieldNode, GraphQLError, OperationDefinitionNode, get_operation_ast
from strawberry.extensions import MaskErrors, ParserCache, SchemaExtension, ValidationCache
from strawberry.types import Info
from strawberry.types.graphql import OperationType

from api import alerting as al
from api import analysis as an
from api import billing as bl
from api import costs as cs
from api import errors as er
from api import jobs as jb
from api import paging
from api import reports as rp
from api import types as t
from api import viewer as vw
from api.context import Context
from api.errors import answer
from api.limits import QueryLimits
from domain import thresholds as th
from domain import usage as d
from domain.audit import AuditEntry, summarise
from domain.errors import MetergraphError
from services import catalog, ingest, privacy
from services.audit import AuditRecorder
from services.pipeline import BatchResult, Outcome, Status

_log = logging.getLogger(__name__)


def _ctx(info: Info[Context, None]) -> Context:
    return info.context


@strawberry.type
class Query:
    @strawberry.field(description="Who is asking: the key's role and company, the session's end.")
    def viewer(self, info: Info[Context, None]) -> vw.Viewer:
        return vw.viewer(_ctx(info))

    @strawberry.field(description="Companies this key may see, ordered by external key.")
    async def companies(
        self, info: Info[Context, None], first: int = 100, after: str | None = None
    ) -> t.CompanyConnection:
        ctx = _ctx(info)

        def page() -> tuple[int, str | None]:
            limit = paging.page_size(ctx, first)
            return limit, paging.position(after, 1, lambda parts: parts[0])

        found = await catalog.list_companies(ctx.runtime, ctx.principal, page)
        return t.CompanyConnection.of(found.companies, found.has_next)

    @strawberry.field
    async def company(self, info: Info[Context, None], id: UUID) -> t.Company | None:
        ctx = _ctx(info)
        company = await catalog.find_company(ctx.runtime, ctx.principal, id)
        return t.Company.of(company) if company else None

    @strawberry.field(description="Every defined metric.")
    async def metrics(self, info: Info[Context, None]) -> list[t.Metric]:
        return [t.Metric.of(m) for m in await catalog.list_metrics(_ctx(info).runtime)]

    @strawberry.field(description="Usage records in time order, filtered; a cursor connection.")
    async def usage_records(
        self,
        info: Info[Context, None],
        filter: t.UsageRecordFilter | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> t.UsageRecordConnection:
        return await an.usage_records(_ctx(info), filter or t.UsageRecordFilter(), first, after)

    @strawberry.field(
        description="Usage aggregated over [from, to) by period, metric and group; read from"
        " rollups and the raw tail, always equal to a scan of the raw records."
    )
    async def aggregate_usage(
        self, info: Info[Context, None], criteria: an.AggregationCriteria
    ) -> an.AggregateUsageResult:
        return await an.aggregate_usage(_ctx(info), criteria)

    @strawberry.field(
        description="Reporting intervals with no records, for metrics that report on an interval."
    )
    async def usage_gaps(
        self, info: Info[Context, None], criteria: an.GapCriteria
    ) -> an.UsageGapsResult:
        return await an.usage_gaps(_ctx(info), criteria)

    @strawberry.field(description="The scheduled jobs (ADMIN).")
    async def jobs(self, info: Info[Context, None]) -> list[jb.ScheduledJob]:
        return jb.scheduled_jobs(_ctx(info))

    @strawberry.field(description="Recorded job runs, newest first (ADMIN).")
    async def job_runs(
        self,
        info: Info[Context, None],
        job: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> jb.JobRunConnection:
        return await jb.job_runs(_ctx(info), job, first, after)

    @strawberry.field(description="Every product.")
    async def products(self, info: Info[Context, None]) -> list[bl.Product]:
        return await bl.products(_ctx(info))

    @strawberry.field(description="Contracts, of one company or (ADMIN) all.")
    async def contracts(
        self, info: Info[Context, None], company_id: UUID | None = None
    ) -> list[bl.Contract]:
        return await bl.contracts(_ctx(info), company_id)

    @strawberry.field
    async def contract(self, info: Info[Context, None], id: UUID) -> bl.Contract | None:
        return await bl.contract(_ctx(info), id)

    @strawberry.field(description="Invoices by period, a cursor connection.")
    async def invoices(
        self,
        info: Info[Context, None],
        filter: bl.InvoiceFilter | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> bl.InvoiceConnection:
        return await bl.invoices(_ctx(info), filter, first, after)

    @strawberry.field
    async def invoice(self, info: Info[Context, None], id: UUID) -> bl.Invoice | None:
        return await bl.invoice(_ctx(info), id)

    @strawberry.field(
        description="The invoice of the period containing periodStart, as it stands now"
        " (the open period included); nothing is stored."
    )
    async def preview_invoice(
        self, info: Info[Context, None], contract_id: UUID, period_start: datetime
    ) -> bl.InvoiceResult:
        return await bl.preview_invoice(_ctx(info), contract_id, period_start)

    @strawberry.field(
        description="What-if: the period's usage priced with other prices for some products."
    )
    async def simulate_invoice(
        self,
        info: Info[Context, None],
        contract_id: UUID,
        period_start: datetime,
        prices: list[bl.ContractProductInput],
    ) -> bl.InvoiceResult:
        return await bl.preview_invoice(_ctx(info), contract_id, period_start, prices)

    @strawberry.field(
        description="What-if for a contract not yet made (ADMIN): the period containing"
        " periodStart priced by these terms from the usage already recorded; nothing is stored."
    )
    async def simulate_contract(
        self, info: Info[Context, None], input: bl.ContractInput, period_start: datetime
    ) -> bl.InvoiceResult:
        return await bl.simulate_contract(_ctx(info), input, period_start)

    @strawberry.field(description="A report, while it runs and after (null: not yours).")
    async def report(self, info: Info[Context, None], id: UUID) -> rp.Report | None:
        return await rp.report(_ctx(info), id)

    @strawberry.field(description="Reports this key may see, newest first, a cursor connection.")
    async def reports(
        self,
        info: Info[Context, None],
        first: int = 50,
        after: str | None = None,
        schedule_id: UUID | None = None,
    ) -> rp.ReportConnection:
        return await rp.reports(_ctx(info), first, after, schedule_id)

    @strawberry.field(description="Report schedules this key may see.")
    async def report_schedules(self, info: Info[Context, None]) -> list[rp.ReportSchedule]:
        return await rp.report_schedules(_ctx(info))

    @strawberry.field(
        description="Each customer's share of products' cost, by usage, per UTC hour or day"
        " (ADMIN); product omitted: every product."
    )
    async def allocate_cost(
        self,
        info: Info[Context, None],
        granularity: rp.AllocationGranularity,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        product: str | None = None,
    ) -> cs.AllocationResult:
        return await cs.allocate_cost(_ctx(info), product, granularity, from_, to)

    @strawberry.field(
        description="Per customer and billing period starting in [from, to): invoiced revenue,"
        " allocated cost, profit and margin (ADMIN)."
    )
    async def profitability(
        self,
        info: Info[Context, None],
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        company_id: UUID | None = None,
    ) -> cs.ProfitabilityResult:
        return await cs.profitability(_ctx(info), from_, to, company_id)

    @strawberry.field(description="Thresholds of a company, with the defaults that apply to it.")
    async def thresholds(
        self, info: Info[Context, None], company_id: UUID | None = None
    ) -> list[al.Threshold]:
        return await al.thresholds(_ctx(info), company_id)

    @strawberry.field(description="Alerts, newest first, a cursor connection.")
    async def alerts(
        self,
        info: Info[Context, None],
        filter: al.AlertFilter | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> al.AlertConnection:
        return await al.alert_list(_ctx(info), filter, first, after)

    @strawberry.field(description="Notification deliveries, newest first, with attempts.")
    async def notification_deliveries(
        self,
        info: Info[Context, None],
        company_id: UUID | None = None,
        status: al.DeliveryStatus | None = None,
        first: int = 50,
    ) -> list[al.NotificationDelivery]:
        return await al.deliveries(_ctx(info), company_id, status, first)


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def create_company(
        self, info: Info[Context, None], input: t.CompanyInput
    ) -> t.CreateCompanyResult:
        ctx = _ctx(info)
        return await answer(
            catalog.create_company(
                ctx.runtime,
                ctx.principal,
                catalog.NewCompany(
                    input.external_key,
                    input.name,
                    input.late_arrival_days,
                    input.user_id_mode,
                    t.redactions(input.redacted_properties) or (),
                ),
                ctx.change_audit("createCompany"),
            ),
            to=t.Company.of,
        )

    @strawberry.mutation(
        description="Erase a user: every record and rollup group of theirs is re-keyed to one"
        " random tombstone id; totals and invoices are unchanged (ADMIN, or the company's"
        " COMPANY_ADMIN). Send the id as the client knows it, in either user id mode."
    )
    async def erase_user(
        self,
        info: Info[Context, None],
        company_id: UUID,
        user_id: UUID,
        reason: str,
    ) -> t.EraseUserResult:
        ctx = _ctx(info)
        return await answer(
            privacy.erase_user(
                ctx.runtime,
                ctx.principal,
                company_id,
                user_id,
                reason,
                ctx.change_audit("eraseUser"),
            ),
            to=t.Erasure.of,
        )

    @strawberry.mutation(description="Change a company's privacy settings (ADMIN).")
    async def update_company(
        self, info: Info[Context, None], id: UUID, input: t.UpdateCompanyInput
    ) -> t.UpdateCompanyResult:
        ctx = _ctx(info)
        return await answer(
            catalog.update_company(
                ctx.runtime,
                ctx.principal,
                id,
                input.user_id_mode,
                t.redactions(input.redacted_properties),
                ctx.change_audit("updateCompany"),
            ),
            to=t.Company.of,
        )

    @strawberry.mutation
    async def define_metric(
        self, info: Info[Context, None], input: t.MetricInput
    ) -> t.DefineMetricResult:
        ctx = _ctx(info)
        return await answer(
            catalog.define_metric(
                ctx.runtime, ctx.principal, input.to_metric(), ctx.change_audit("defineMetric")
            ),
            to=t.Metric.of,
        )

    @strawberry.mutation(description="Record one usage record; concurrent calls share a commit.")
    async def record_usage(
        self, info: Info[Context, None], input: t.UsageRecordInput, backfill: bool = False
    ) -> t.RecordUsageResult:
        ctx = _ctx(info)
        draft = (ctx.take_decoded("recordUsage") or [input.to_draft()])[0]
        return await record_one(ctx, draft, backfill)

    @strawberry.mutation(
        description="Record many usage records. Valid ones are stored and each rejected one is"
        " reported by index; with atomic: true the batch is all-or-nothing."
    )
    async def batch_record_usage(
        self,
        info: Info[Context, None],
        records: list[t.UsageRecordInput],
        atomic: bool = False,
        backfill: bool = False,
    ) -> t.BatchRecordUsageResult:
        ctx = _ctx(info)
        drafts = ctx.take_decoded("batchRecordUsage")
        if drafts is None:
            drafts = [r.to_draft() for r in records]
        call = ingest.record_usage_batch(
            ctx.runtime,
            ctx.principal,
            drafts,
            atomic=atomic,
            backfill=backfill,
            audit=ctx.audit_entry("batchRecordUsage", "BatchUsageReport"),
        )
        return await answer(call, to=lambda result: report(ctx, result))

    @strawberry.mutation(
        description="Void a usage record (ADMIN): it leaves every total; the audit trail keeps it."
    )
    async def void_usage_record(
        self, info: Info[Context, None], id: UUID, reason: str
    ) -> an.CorrectionResult:
        return await an.void_usage_record(_ctx(info), id, reason)

    @strawberry.mutation(
        description="Correct a usage record's value or timestamp (ADMIN): the record is voided"
        " and a corrected copy stored, in one transaction."
    )
    async def correct_usage_record(
        self,
        info: Info[Context, None],
        id: UUID,
        reason: str,
        value: Decimal | None = None,
        timestamp: datetime | None = None,
    ) -> an.CorrectionResult:
        return await an.correct_usage_record(_ctx(info), id, reason, value, timestamp)

    @strawberry.mutation(description="Define a product billed by a metric (ADMIN).")
    async def create_product(
        self, info: Info[Context, None], code: str, name: str, metric_code: str
    ) -> bl.ProductResult:
        return await bl.create_product(_ctx(info), code, name, metric_code)

    @strawberry.mutation(description="Sign a contract: a company, its terms, its prices (ADMIN).")
    async def create_contract(
        self, info: Info[Context, None], input: bl.ContractInput
    ) -> bl.ContractResult:
        return await bl.create_contract(_ctx(info), input)

    @strawberry.mutation(
        description="Run invoice generation now (ADMIN): every closed period, or the one"
        " containing periodStart. Safe to repeat."
    )
    async def generate_invoices(
        self, info: Info[Context, None], period_start: datetime | None = None
    ) -> bl.InvoiceRun:
        return await bl.generate_invoices(_ctx(info), period_start)

    @strawberry.mutation(description="Record a payment against a finalized invoice (ADMIN).")
    async def record_payment(
        self, info: Info[Context, None], invoice_id: UUID, amount: Decimal, paid_at: datetime
    ) -> bl.PaymentResult:
        return await bl.record_payment(_ctx(info), invoice_id, amount, paid_at)

    @strawberry.mutation(
        description="Ask for a report; it is built in the background (poll report(id))."
    )
    async def generate_report(
        self, info: Info[Context, None], criteria: rp.ReportCriteriaInput, format: rp.ReportFormat
    ) -> rp.ReportResult:
        return await rp.generate_report(_ctx(info), criteria, format)

    @strawberry.mutation(
        description="Run a report on a cron schedule (5 fields, or 6 with seconds first) in a"
        " time zone, and send it to a destination."
    )
    async def create_report_schedule(
        self,
        info: Info[Context, None],
        name: str,
        cron: str,
        criteria: rp.ReportCriteriaInput,
        format: rp.ReportFormat,
        destination: rp.ReportDestinationInput,
        time_zone: str = "UTC",
    ) -> rp.ReportScheduleResult:
        return await rp.create_report_schedule(
            _ctx(info), name, cron, time_zone, criteria, format, destination
        )

    @strawberry.mutation(description="Pause or resume a report schedule.")
    async def set_report_schedule_active(
        self, info: Info[Context, None], id: UUID, active: bool
    ) -> rp.ReportScheduleResult:
        return await rp.set_schedule_active(_ctx(info), id, active)

    @strawberry.mutation(description="Remove a report schedule (its reports stay).")
    async def delete_report_schedule(self, info: Info[Context, None], id: UUID) -> bool:
        return await rp.delete_schedule(_ctx(info), id)

    @strawberry.mutation(
        description="Record what a product cost in a UTC hour or day (ADMIN); a period"
        " recorded again is restated."
    )
    async def record_cost(self, info: Info[Context, None], input: cs.CostInput) -> cs.CostResult:
        return await cs.record_cost(_ctx(info), input)

    @strawberry.mutation(
        description="Run a job now, as `metergraph jobs run` does (ADMIN); its recorded run."
    )
    async def run_job(self, info: Info[Context, None], name: str) -> jb.RunJobResult:
        return await jb.run_job(_ctx(info), name)

    @strawberry.mutation(description="Watch a metric: a limit per period and its levels.")
    async def create_threshold(
        self, info: Info[Context, None], input: al.ThresholdInput
    ) -> al.ThresholdResult:
        return await al.create_threshold(_ctx(info), input)

    @strawberry.mutation(description="Replace a threshold's limit and levels.")
    async def update_threshold(
        self, info: Info[Context, None], id: UUID, input: al.ThresholdInput
    ) -> al.ThresholdResult:
        return await al.update_threshold(_ctx(info), id, input)

    @strawberry.mutation(description="Remove a threshold (its alerts go with it).")
    async def delete_threshold(self, info: Info[Context, None], id: UUID) -> bool:
        return await al.delete_threshold(_ctx(info), id)

    @strawberry.mutation
    async def acknowledge_alert(self, info: Info[Context, None], id: UUID) -> al.Alert | None:
        return await al.acknowledge_alert(_ctx(info), id)

    @strawberry.mutation(description="Who a company's EMAIL or SMS notifications go to.")
    async def set_notification_recipients(
        self,
        info: Info[Context, None],
        company_id: UUID,
        channel: al.Channel,
        addresses: list[str],
        role: al.RecipientRole = th.RecipientRole.COMPANY_ADMIN,
    ) -> list[str]:
        return await al.set_recipients(
            _ctx(info),
            company_id,
            th.Channel(channel.value),
            addresses,
            th.RecipientRole(role.value),
        )


def report(ctx: Context, result: BatchResult) -> t.BatchUsageReport:
    if result.audited:
        ctx.audited("batchRecordUsage")
    errors = [
        t.BatchRecordError(index=o.index, field=e.field, code=e.code, message=e.message)
        for o in result.outcomes
        if o.status is Status.REJECTED
        for e in o.errors
    ]
    if result.atomic_rolled_back:
        return t.BatchUsageReport(
            accepted=0,
            duplicates=0,
            rejected=len(result.outcomes),
            rolled_back=True,
            errors=errors,
        )
    return t.BatchUsageReport(
        accepted=result.accepted,
        duplicates=result.duplicates,
        rejected=result.rejected,
        rolled_back=False,
        errors=errors,
    )


async def record_one(ctx: Context, draft: d.UsageDraft, backfill: bool) -> t.RecordUsageResult:
    """recordUsage for a key that may record usage: checked, group-committed, answered."""
    call = ingest.record_usage(
        ctx.runtime, ctx.principal, draft, backfill=backfill, audit=_usage_audit(ctx)
    )
    return await answer(call, to=lambda recorded: _recorded(ctx, recorded))


def _recorded(ctx: Context, recorded: ingest.Recorded) -> t.RecordUsageResult:
    # the record was written: its audit row committed with it
    ctx.audited("recordUsage")
    outcome, checked = recorded.outcome, recorded.record
    if outcome.status is Status.REJECTED:
        return t.ValidationError.of(outcome.errors)
    assert outcome.record_id is not None
    if outcome.status is Status.DUPLICATE:
        # the key's first record, as this request described it: nothing is read back
        # (it may since have been voided or corrected, and the key may not read at all)
        replayed = t.replayed_record(outcome.record_id, checked.draft, checked.metric)
        return t.RecordedUsage(record=replayed, duplicate=True)
    assert recorded.row is not None, "a stored record comes with its row"
    return t.RecordedUsage(record=t.UsageRecord.from_row(recorded.row), duplicate=False)


def _usage_audit(ctx: Context) -> Callable[[Outcome], AuditEntry] | None:
    """recordUsage's audit row, given what became of the record."""
    recorder = ctx.audit
    if recorder is None:
        return None

    def entry(outcome: Outcome) -> AuditEntry:
        answer = "ValidationError" if outcome.status is Status.REJECTED else "RecordedUsage"
        return recorder.entry("recordUsage", answer)

    return entry


def declared_variables(
    operation: OperationDefinitionNode | None,
    variables: dict[str, Any] | None,
    context: Context,
) -> Any:
    """The variables ``operation`` declares, as the audit log keeps them: a
    variable the operation does not declare is never read, so it is not kept."""
    declared = (
        {v.variable.name.value for v in (operation.variable_definitions or ())}
        if (operation is not None)
        else set()
    )
    sent = {**(variables or {}), **(context.audited_variables or {})}
    return summarise({k: v for k, v in sent.items() if k in declared})


def audit_recorder(
    context: Context, operation: OperationDefinitionNode | None, variables: dict[str, Any] | None
) -> AuditRecorder:
    """The audit of a mutation request, before it runs."""
    fields: list[tuple[str, str]] = []
    if operation is not None:
        for selection in operation.selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                fields.append((selection.alias.value if selection.alias else name, name))
    name = operation.name.value if operation is not None and operation.name else None
    return AuditRecorder(
        principal=context.principal,
        began=datetime.now(UTC),
        action=name or ",".join(k for k, _ in fields) or "mutation",
        fields=fields,
        variables=declared_variables(operation, variables, context),
    )


def error_code(error: GraphQLError) -> str:
    """What the audit log keeps of an error: its code, never its message (a
    message may repeat the input it refuses, secrets and addresses included)."""
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    if not er.unexpected(error) and isinstance(error.original_error, MetergraphError):
        return error.original_error.code
    if _should_mask(error) or error.message == MASKED_MESSAGE:
        return INTERNAL_ERROR
    return "INVALID_REQUEST"


async def write_remaining(context: Context, outcome: str, errors: list[str]) -> None:
    """Write the audit row of what no change has recorded; a failure is logged,
    never raised: the request's answer, whatever it is, stands."""
    recorder = context.audit
    if recorder is None:
        return
    entry = recorder.remaining(outcome, errors)
    if entry is None:
        return
    try:
        await context.runtime.audit.write(entry)
    except Exception:
        _log.exception("the audit row of %s could not be written", entry.action)


class AuditMutations(SchemaExtension):
    """Audits every mutation request: who, what, outcome.

    The row of a change is written by the change's own transaction (see
    api.context.AuditRecorder); what is left (refusals, invalid input,
    failures) is written here, once the result is known.
    """

    async def on_execute(self) -> Any:  # type: ignore[override]
        ec = self.execution_context
        context = ec.context
        mutation = isinstance(context, Context) and ec.operation_type is OperationType.MUTATION
        if mutation:
            operation = (
                get_operation_ast(ec.graphql_document, ec.operation_name)
                if ec.graphql_document is not None
                else None
            )
            context.audit = audit_recorder(context, operation, ec.variables)
        yield
        if not mutation:
            return
        result = ec.result
        data = getattr(result, "data", None) or {}
        errors = getattr(result, "errors", None) or []
        outcomes = {
            name: (value or {}).get("__typename", "ok") if isinstance(value, dict) else "ok"
            for name, value in data.items()
        }
        outcome = "error" if errors else ",".join(f"{k}:{v}" for k, v in outcomes.items())
        await write_remaining(context, outcome, [error_code(e) for e in errors])


def _should_mask(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    return True


MASKED_MESSAGE = er.MASKED_MESSAGE
# The code the audit log gives a masked (unexpected) error.
INTERNAL_ERROR = "INTERNAL"


class _MaskErrors(MaskErrors):
    """Errors raised on purpose, and a database that cannot be reached, are answered
    with their codes (``api.errors.client_error``); anything else is masked."""

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return er.client_error(error) or super().anonymise_error(error)


def unavailable_error(error: GraphQLError) -> GraphQLError:
    """``error`` answered as the database being unreachable."""
    return er.unavailable(error)


def _mask_errors() -> MaskErrors:
    return _MaskErrors(should_mask_error=_should_mask, error_message=MASKED_MESSAGE)


# Clients send the same few documents again and again: parse and validate each once.
DOCUMENT_CACHE_SIZE = 256


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Alerts as they are raised (the PLATFORM channel), over graphql-transport-ws."
    )
    async def alert_raised(
        self, info: Info[Context, None], company_id: UUID | None = None
    ) -> AsyncGenerator[al.Alert, None]:
        async for alert in al.alert_stream(_ctx(info), company_id):
            yield alert


class MetergraphSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        # A client's mistake (bad variable, unknown field, FORBIDDEN) is answered,
        # not logged with a traceback; only unexpected failures are.
        super().process_errors([e for e in errors if er.unexpected(e)], execution_context)

    async def _handle_execution_result(  # type: ignore[override]
        self, context: Any, result: Any, *args: Any, **kw: Any
    ) -> Any:
        # A failure outside the resolvers (an extension's) bypasses MaskErrors:
        # it is still answered with its code.
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = [er.client_error(e) or e for e in errors]
        return await super()._handle_execution_result(context, result, *args, **kw)


schema = MetergraphSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=[
        lambda: ParserCache(maxsize=DOCUMENT_CACHE_SIZE),
        lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE),
        QueryLimits,  # after ValidationCache: it limits only documents that validate
        AuditMutations,
        _mask_errors,
    ],
)
