"""The GraphQL schema: queries and mutations.

Resolvers are thin: they parse input, call one service and map the result.
Expected failures are union members (``ValidationError``); refusals are
GraphQL errors with ``extensions.code``; anything unexpected is masked
(the rules: ``api.errors``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator, Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

import strawberry
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_operation_ast,
)
from strawberry.extensions import MaskErrors, ParserCache, SchemaExtension, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info
from strawberry.types.graphql import OperationType

from api import alerting as al
from api import analysis as an
from api import audit_log as au
from api import billing as bl
from api import catalog_changes as cc
from api import contract_versions as cvr
from api import costs as cs
from api import described as ds
from api import errors as er
from api import jobs as jb
from api import key_admin as ka
from api import mutation_inputs as mi
from api import mutation_shape as ms
from api import numbers as nb
from api import paging
from api import relay as rl
from api import reports as rp
from api import retention as rn
from api import types as t
from api import viewer as vw
from api import webhooks as wh
from api.context import Context
from api.errors import answer
from api.limits import QueryLimits
from api.node import Node
from domain import thresholds as th
from domain import usage as d
from domain.audit import AuditEntry, summarise
from domain.errors import MetergraphError
from services import catalog, ingest, privacy
from services.audit import AuditRecorder
from services.metrics import observe_request, operation_label
from services.pipeline import BatchResult, Outcome, Status
from services.replicas import on_primary

_log = logging.getLogger(__name__)


def _ctx(info: Info[Context, None]) -> Context:
    return info.context


@strawberry.type(description="What can be read: each field one question a key may ask.")
class Query:
    @strawberry.field(description="Who is asking: the key's role and company, the session's end.")
    def viewer(self, info: Info[Context, None]) -> vw.Viewer:
        return vw.viewer(_ctx(info))

    @strawberry.field(description="Companies this key may see, ordered by external key.")
    async def companies(
        self,
        info: Info[Context, None],
        first: Annotated[
            int,
            strawberry.argument(description="How many companies (1 to METERGRAPH_MAX_PAGE_SIZE)."),
        ] = 100,
        after: Annotated[
            str | None,
            strawberry.argument(description="Page forward from this cursor (an endCursor)."),
        ] = None,
        include_archived: Annotated[
            bool, strawberry.argument(description="Archived companies too (left out otherwise).")
        ] = False,
    ) -> t.CompanyConnection:
        ctx = _ctx(info)

        def page() -> tuple[int, str | None]:
            limit = paging.page_size(ctx, first)
            return limit, paging.position(after, 1, lambda parts: parts[0])

        found = await catalog.list_companies(ctx.runtime, ctx.principal, page, include_archived)
        return t.CompanyConnection.of(found.companies, found.has_next, after)

    @strawberry.field(description="A company by id; null when absent or not this key's to see.")
    async def company(
        self,
        info: Info[Context, None],
        id: Annotated[UUID, strawberry.argument(description="The company's id.")],
    ) -> t.Company | None:
        ctx = _ctx(info)
        company = await catalog.find_company(ctx.runtime, ctx.principal, id)
        return t.Company.of(company) if company else None

    @strawberry.field(
        description="Every defined metric.",
        deprecation_reason="Use metricsConnection (paged, with totalCount); metrics goes in the"
        " next release.",
    )
    async def metrics(
        self,
        info: Info[Context, None],
        include_archived: Annotated[
            bool, strawberry.argument(description="Archived metrics too (left out otherwise).")
        ] = False,
    ) -> list[t.Metric]:
        found = await catalog.list_metrics(_ctx(info).runtime, include_archived)
        return [t.Metric.of(m) for m in found]

    @strawberry.field(description="Usage records in time order, filtered; a cursor connection.")
    async def usage_records(
        self,
        info: Info[Context, None],
        filter: Annotated[
            t.UsageRecordFilter | None,
            strawberry.argument(description="Which records; every field given must match."),
        ] = None,
        first: Annotated[
            int,
            strawberry.argument(description="How many records (1 to METERGRAPH_MAX_PAGE_SIZE)."),
        ] = 100,
        after: Annotated[
            str | None,
            strawberry.argument(description="Page forward from this cursor (an endCursor)."),
        ] = None,
    ) -> t.UsageRecordConnection:
        return await an.usage_records(_ctx(info), filter or t.UsageRecordFilter(), first, after)

    @strawberry.field(
        description="Usage aggregated over [from, to) by period, metric and group; read from"
        " rollups and the raw tail, always equal to a scan of the raw records."
    )
    async def aggregate_usage(
        self,
        info: Info[Context, None],
        criteria: Annotated[
            an.AggregationCriteria,
            strawberry.argument(
                description="What to aggregate: metric, window, functions, grouping."
            ),
        ],
    ) -> an.AggregateUsageResult:
        return await an.aggregate_usage(_ctx(info), criteria)

    @strawberry.field(
        description="Reporting intervals with no records, for metrics that report on an interval."
    )
    async def usage_gaps(
        self,
        info: Info[Context, None],
        criteria: Annotated[
            an.GapCriteria,
            strawberry.argument(
                description="Which company, metric and window to look for gaps in."
            ),
        ],
    ) -> an.UsageGapsResult:
        return await an.usage_gaps(_ctx(info), criteria)

    @strawberry.field(description="The scheduled jobs (ADMIN).")
    async def jobs(self, info: Info[Context, None]) -> list[jb.ScheduledJob]:
        return jb.scheduled_jobs(_ctx(info))

    @strawberry.field(description="Recorded job runs, newest first (ADMIN).")
    async def job_runs(
        self,
        info: Info[Context, None],
        job: Annotated[
            str | None,
            strawberry.argument(
                description="Only runs of this job (its name, as scheduledJobs lists it)."
            ),
        ] = None,
        first: Annotated[
            int, strawberry.argument(description="How many runs (1 to METERGRAPH_MAX_PAGE_SIZE).")
        ] = 50,
        after: Annotated[
            str | None,
            strawberry.argument(description="Page forward from this cursor (an endCursor)."),
        ] = None,
    ) -> jb.JobRunConnection:
        return await jb.job_runs(_ctx(info), job, first, after)

    @strawberry.field(
        description="Every product.",
        deprecation_reason="Use productsConnection (paged, with totalCount); products goes in"
        " the next release.",
    )
    async def products(
        self,
        info: Info[Context, None],
        include_archived: Annotated[
            bool, strawberry.argument(description="Archived products too (left out otherwise).")
        ] = False,
    ) -> list[bl.Product]:
        return await bl.products(_ctx(info), include_archived)

    @strawberry.field(
        description="Contracts, of one company or (ADMIN) all.",
        deprecation_reason="Use contractsConnection (paged, with totalCount); contracts goes in"
        " the next release.",
    )
    async def contracts(
        self,
        info: Info[Context, None],
        company_id: Annotated[
            UUID | None,
            strawberry.argument(
                description="Only this company's contracts (a scoped key: its own)."
            ),
        ] = None,
        external_id: Annotated[
            str | None,
            strawberry.argument(
                description="Only the contract with this external id (one per company at most)."
            ),
        ] = None,
    ) -> list[bl.Contract]:
        return await bl.contracts(_ctx(info), company_id, external_id)

    @strawberry.field(description="A contract by id; null when absent or not this key's to see.")
    async def contract(
        self,
        info: Info[Context, None],
        id: Annotated[UUID, strawberry.argument(description="The contract's id.")],
    ) -> bl.Contract | None:
        return await bl.contract(_ctx(info), id)

    @strawberry.field(description="Invoices by period, a cursor connection.")
    async def invoices(
        self,
        info: Info[Context, None],
        filter: Annotated[
            bl.InvoiceFilter | None,
            strawberry.argument(description="Which invoices; every field given must match."),
        ] = None,
        first: Annotated[
            int,
            strawberry.argument(description="How many invoices (1 to METERGRAPH_MAX_PAGE_SIZE)."),
        ] = 50,
        after: Annotated[
            str | None,
            strawberry.argument(description="Page forward from this cursor (an endCursor)."),
        ] = None,
    ) -> bl.InvoiceConnection:
        return await bl.invoices(_ctx(info), filter, first, after)

    @strawberry.field(description="An invoice by id; null when absent or not this key's to see.")
    async def invoice(
        self,
        info: Info[Context, None],
        id: Annotated[UUID, strawberry.argument(description="The invoice's id.")],
    ) -> bl.Invoice | None:
        return await bl.invoice(_ctx(info), id)

    @strawberry.field(
        description="The invoice of the period containing periodStart, as it stands now"
        " (the open period included); nothing is stored."
    )
    async def preview_invoice(
        self,
        info: Info[Context, None],
        contract_id: Annotated[UUID, strawberry.argument(description="The contract to price.")],
        period_start: Annotated[
            datetime,
            strawberry.argument(description="The period containing this instant is priced."),
        ],
    ) -> bl.InvoiceResult:
        return await bl.preview_invoice(_ctx(info), contract_id, period_start)

    @strawberry.field(
        description="What-if: the period's usage priced with other prices for some products."
    )
    async def simulate_invoice(
        self,
        info: Info[Context, None],
        contract_id: Annotated[
            UUID, strawberry.argument(description="The contract whose recorded usage is priced.")
        ],
        period_start: Annotated[
            datetime,
            strawberry.argument(description="The period containing this instant is priced."),
        ],
        prices: Annotated[
            list[bl.ContractProductInput],
            strawberry.argument(
                description="The prices to try in place of the contract's; nothing is saved."
            ),
        ],
    ) -> bl.InvoiceResult:
        return await bl.preview_invoice(_ctx(info), contract_id, period_start, prices)

    @strawberry.field(
        description="What-if for a contract not yet made (ADMIN): the period containing"
        " periodStart priced by these terms from the usage already recorded; nothing is stored."
    )
    async def simulate_contract(
        self,
        info: Info[Context, None],
        input: Annotated[
            bl.ContractInput,
            strawberry.argument(
                description="The contract to try, as createContract takes it; nothing is saved."
            ),
        ],
        period_start: Annotated[
            datetime,
            strawberry.argument(description="The period containing this instant is priced."),
        ],
    ) -> bl.InvoiceResult:
        return await bl.simulate_contract(_ctx(info), input, period_start)

    @strawberry.field(description="A report, while it runs and after (null: not yours).")
    async def report(
        self,
        info: Info[Context, None],
        id: Annotated[UUID, strawberry.argument(description="The report's id.")],
    ) -> rp.Report | None:
        return await rp.report(_ctx(info), id)

    @strawberry.field(description="Reports this key may see, newest first, a cursor connection.")
    async def reports(
        self,
        info: Info[Context, None],
        first: Annotated[
            int,
            strawberry.argument(description="How many reports (1 to METERGRAPH_MAX_PAGE_SIZE)."),
        ] = 50,
        after: Annotated[
            str | None,
            strawberry.argument(description="Page forward from this cursor (an endCursor)."),
        ] = None,
        schedule_id: Annotated[
            UUID | None, strawberry.argument(description="Only the reports this schedule produced.")
        ] = None,
    ) -> rp.ReportConnection:
        return await rp.reports(_ctx(info), first, after, schedule_id)

    @strawberry.field(
        description="Report schedules this key may see.",
        deprecation_reason="Use reportSchedulesConnection (paged, with totalCount);"
        " reportSchedules goes in the next release.",
    )
    async def report_schedules(self, info: Info[Context, None]) -> list[rp.ReportSchedule]:
        return await rp.report_schedules(_ctx(info))

    @strawberry.field(
        description="Each customer's share of products' cost, by usage, per UTC hour or day"
        " (ADMIN); product omitted: every product."
    )
    async def allocate_cost(
        self,
        info: Info[Context, None],
        granularity: Annotated[
            rp.AllocationGranularity,
            strawberry.argument(
                description="The length of the periods the cost is split over: an hour or a day."
            ),
        ],
        from_: Annotated[
            datetime,
            strawberry.argument(name="from", description="The window's start (inclusive)."),
        ],
        to: Annotated[datetime, strawberry.argument(description="The window's end (exclusive).")],
        product: Annotated[
            str | None,
            strawberry.argument(description="Only the shared cost and usage of this product."),
        ] = None,
    ) -> cs.AllocationResult:
        return await cs.allocate_cost(_ctx(info), product, granularity, from_, to)

    @strawberry.field(
        description="Per customer and billing period starting in [from, to): invoiced revenue,"
        " allocated cost, profit and margin (ADMIN)."
    )
    async def profitability(
        self,
        info: Info[Context, None],
        from_: Annotated[
            datetime,
            strawberry.argument(name="from", description="The window's start (inclusive)."),
        ],
        to: Annotated[datetime, strawberry.argument(description="The window's end (exclusive).")],
        company_id: Annotated[
            UUID | None,
            strawberry.argument(description="Only this company (a scoped key: its own)."),
        ] = None,
    ) -> cs.ProfitabilityResult:
        return await cs.profitability(_ctx(info), from_, to, company_id)

    @strawberry.field(
        description="Thresholds of a company, with the defaults that apply to it.",
        deprecation_reason="Use thresholdsConnection (paged, with totalCount); thresholds goes"
        " in the next release.",
    )
    async def thresholds(
        self,
        info: Info[Context, None],
        company_id: Annotated[
            UUID | None,
            strawberry.argument(
                description="Only this company's thresholds (a scoped key: its own)."
            ),
        ] = None,
    ) -> list[al.Threshold]:
        return await al.thresholds(_ctx(info), company_id)

    @strawberry.field(
        description="Retention rules (ADMIN): the default (`*`) first, then each metric's own."
    )
    async def retention_rules(self, info: Info[Context, None]) -> list[rn.RetentionRule]:
        return await rn.retention_rules(_ctx(info))

    @strawberry.field(
        description="Companies under legal hold (ADMIN), the oldest hold first.",
        deprecation_reason="Use legalHoldsConnection (paged, with totalCount); legalHolds goes"
        " in the next release.",
    )
    async def legal_holds(self, info: Info[Context, None]) -> list[rn.LegalHold]:
        return await rn.legal_holds(_ctx(info))

    @strawberry.field(description="Alerts, newest first, a cursor connection.")
    async def alerts(
        self,
        info: Info[Context, None],
        filter: Annotated[
            al.AlertFilter | None,
            strawberry.argument(description="Which alerts; every field given must match."),
        ] = None,
        first: Annotated[
            int, strawberry.argument(description="How many alerts (1 to METERGRAPH_MAX_PAGE_SIZE).")
        ] = 50,
        after: Annotated[
            str | None,
            strawberry.argument(description="Page forward from this cursor (an endCursor)."),
        ] = None,
    ) -> al.AlertConnection:
        return await al.alert_list(_ctx(info), filter, first, after)

    @strawberry.field(
        description="Notification deliveries, newest first, with attempts.",
        deprecation_reason="Use notificationDeliveriesConnection (paged with a cursor);"
        " notificationDeliveries goes in the next release.",
    )
    async def notification_deliveries(
        self,
        info: Info[Context, None],
        company_id: Annotated[
            UUID | None,
            strawberry.argument(
                description="Only deliveries to this company (a scoped key: its own)."
            ),
        ] = None,
        status: Annotated[
            al.DeliveryStatus | None,
            strawberry.argument(description="Only deliveries in this state."),
        ] = None,
        first: Annotated[
            int,
            strawberry.argument(
                description="How many of the newest deliveries (1 to METERGRAPH_MAX_PAGE_SIZE)."
            ),
        ] = 50,
    ) -> list[al.NotificationDelivery]:
        return await al.deliveries(_ctx(info), company_id, status, first)

    @strawberry.field(
        description="A company's webhook endpoints, oldest first (ADMIN, COMPANY_ADMIN); secrets"
        " are never shown.",
        deprecation_reason="Use webhookEndpointsConnection (paged, with totalCount);"
        " webhookEndpoints goes in the next release.",
    )
    async def webhook_endpoints(
        self,
        info: Info[Context, None],
        company_id: Annotated[UUID, strawberry.argument(description="The company.")],
    ) -> list[wh.WebhookEndpoint]:
        return await wh.endpoints(_ctx(info), company_id)

    @strawberry.field(
        description="An endpoint's deliveries, newest first, a cursor connection: event, tries,"
        " last status code and error, next try, delivery time."
    )
    async def webhook_deliveries(
        self,
        info: Info[Context, None],
        endpoint_id: Annotated[UUID, strawberry.argument(description="The endpoint.")],
        first: Annotated[int, strawberry.argument(description="Page size.")] = 50,
        after: Annotated[
            str | None, strawberry.argument(description="The end cursor of the page before.")
        ] = None,
    ) -> wh.WebhookDeliveryConnection:
        return await wh.deliveries(_ctx(info), endpoint_id, first, after)

    @strawberry.field(
        description="The audit log, newest first, a cursor connection: ADMIN reads every row,"
        " a COMPANY_ADMIN its own company's."
    )
    async def audit_log(
        self,
        info: Info[Context, None],
        filter: Annotated[
            au.AuditLogFilter | None, strawberry.argument(description="Which rows (none: all).")
        ] = None,
        first: Annotated[
            int, strawberry.argument(description="Rows per page, at most the page size limit.")
        ] = 50,
        after: Annotated[
            str | None, strawberry.argument(description="The endCursor of the page before.")
        ] = None,
    ) -> au.AuditLogConnection:
        return await au.audit_log_page(_ctx(info), filter or au.AuditLogFilter(), first, after)

    @strawberry.field(
        description="API keys (ADMIN: all, or one company's; COMPANY_ADMIN: its company's),"
        " oldest first; never a secret.",
        deprecation_reason="Use apiKeysConnection (paged, with totalCount); apiKeys goes in the"
        " next release.",
    )
    async def api_keys(
        self,
        info: Info[Context, None],
        company_id: Annotated[
            UUID | None, strawberry.argument(description="Only this company's keys.")
        ] = None,
    ) -> list[ka.ApiKey]:
        return await ka.api_keys(_ctx(info), company_id)

    @strawberry.field(
        description="The object with this global id (any type implementing Node); null when"
        " there is none this key may see: another company's object is answered as one that"
        " does not exist."
    )
    async def node(
        self,
        info: Info[Context, None],
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="A global id, as a Node's `id` field gives it."),
        ],
    ) -> Node | None:
        return await rl.node(_ctx(info), id)

    @strawberry.field(
        description="The objects with these global ids, in the order asked; null for each id"
        " with none this key may see. At most METERGRAPH_MAX_NODE_IDS ids (100)."
    )
    async def nodes(
        self,
        info: Info[Context, None],
        ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(
                description="Global ids, at most METERGRAPH_MAX_NODE_IDS (100) of them."
            ),
        ],
    ) -> list[Node | None]:
        return await rl.find_nodes(_ctx(info), ids)

    @strawberry.field(description="Every defined metric by code, a cursor connection.")
    async def metrics_connection(
        self,
        info: Info[Context, None],
        first: rl.First = None,
        after: rl.After = None,
        last: rl.Last = None,
        before: rl.Before = None,
        include_archived: Annotated[
            bool, strawberry.argument(description="Archived metrics too (left out otherwise).")
        ] = False,
    ) -> rl.Connection[t.Metric]:
        asked = paging.Slice(first, after, last, before)
        return await rl.metrics(_ctx(info), asked, include_archived)

    @strawberry.field(description="Every product by code, a cursor connection.")
    async def products_connection(
        self,
        info: Info[Context, None],
        first: rl.First = None,
        after: rl.After = None,
        last: rl.Last = None,
        before: rl.Before = None,
        include_archived: Annotated[
            bool, strawberry.argument(description="Archived products too (left out otherwise).")
        ] = False,
    ) -> rl.Connection[bl.Product]:
        asked = paging.Slice(first, after, last, before)
        return await rl.products(_ctx(info), asked, include_archived)

    @strawberry.field(
        description="Contracts, of one company or (ADMIN) all, oldest first, a cursor connection"
        " read from the store a page at a time: forward (first, after) or backward (last,"
        " before), one way per request."
    )
    async def contracts_connection(
        self,
        info: Info[Context, None],
        company_id: Annotated[
            UUID | None,
            strawberry.argument(description="Only this company's (a scoped key: its own)."),
        ] = None,
        external_id: Annotated[
            str | None,
            strawberry.argument(
                description="Only the contract with this external id (one per company at most)."
            ),
        ] = None,
        first: rl.First = None,
        after: rl.After = None,
        last: rl.Last = None,
        before: rl.Before = None,
    ) -> rl.Connection[bl.Contract]:
        asked = paging.Slice(first, after, last, before)
        return await rl.contract_page(_ctx(info), company_id, external_id, asked)

    @strawberry.field(
        description="Report schedules this key may see, oldest first, a cursor connection read"
        " from the store a page at a time: forward (first, after) or backward (last, before),"
        " one way per request."
    )
    async def report_schedules_connection(
        self,
        info: Info[Context, None],
        first: rl.First = None,
        after: rl.After = None,
        last: rl.Last = None,
        before: rl.Before = None,
    ) -> rl.Connection[rp.ReportSchedule]:
        return await rl.report_schedules(_ctx(info), paging.Slice(first, after, last, before))

    @strawberry.field(
        description="Notification deliveries, newest first, with attempts, a cursor connection"
        " (ADMIN, COMPANY_ADMIN)."
    )
    async def notification_deliveries_connection(
        self,
        info: Info[Context, None],
        company_id: Annotated[
            UUID | None,
            strawberry.argument(description="Only this company's (a scoped key: its own)."),
        ] = None,
        status: Annotated[
            al.DeliveryStatus | None, strawberry.argument(description="Only deliveries in it.")
        ] = None,
        first: Annotated[
            int, strawberry.argument(description="Page size, 1 to METERGRAPH_MAX_PAGE_SIZE.")
        ] = 50,
        after: rl.After = None,
    ) -> rl.NotificationDeliveryConnection:
        return await rl.notification_deliveries(_ctx(info), company_id, status, first, after)

    @strawberry.field(
        description="Thresholds of a company with the defaults that apply to it (ADMIN without"
        " a company: every one), by metric, a cursor connection read from the store a page at"
        " a time: forward (first, after) or backward (last, before), one way per request."
    )
    async def thresholds_connection(
        self,
        info: Info[Context, None],
        company_id: Annotated[
            UUID | None,
            strawberry.argument(description="The company (a scoped key: its own)."),
        ] = None,
        first: rl.First = None,
        after: rl.After = None,
        last: rl.Last = None,
        before: rl.Before = None,
    ) -> rl.Connection[al.Threshold]:
        asked = paging.Slice(first, after, last, before)
        return await rl.thresholds(_ctx(info), company_id, asked)

    @strawberry.field(
        description="API keys (ADMIN: all, or one company's; COMPANY_ADMIN: its company's),"
        " oldest first, a cursor connection read from the store a page at a time: forward"
        " (first, after) or backward (last, before), one way per request; never a secret."
    )
    async def api_keys_connection(
        self,
        info: Info[Context, None],
        company_id: Annotated[
            UUID | None, strawberry.argument(description="Only this company's keys.")
        ] = None,
        first: rl.First = None,
        after: rl.After = None,
        last: rl.Last = None,
        before: rl.Before = None,
    ) -> rl.Connection[ka.ApiKey]:
        asked = paging.Slice(first, after, last, before)
        return await rl.api_keys(_ctx(info), company_id, asked)

    @strawberry.field(
        description="Companies under legal hold (ADMIN), the oldest hold first, a cursor"
        " connection."
    )
    async def legal_holds_connection(
        self,
        info: Info[Context, None],
        first: rl.First = None,
        after: rl.After = None,
        last: rl.Last = None,
        before: rl.Before = None,
    ) -> rl.Connection[rn.LegalHold]:
        return await rl.legal_holds(_ctx(info), paging.Slice(first, after, last, before))

    @strawberry.field(
        description="A company's webhook endpoints, oldest first (ADMIN, COMPANY_ADMIN), a"
        " cursor connection; secrets are never shown."
    )
    async def webhook_endpoints_connection(
        self,
        info: Info[Context, None],
        company_id: Annotated[UUID, strawberry.argument(description="The company.")],
        first: rl.First = None,
        after: rl.After = None,
        last: rl.Last = None,
        before: rl.Before = None,
    ) -> rl.Connection[wh.WebhookEndpoint]:
        asked = paging.Slice(first, after, last, before)
        return await rl.webhook_endpoints(_ctx(info), company_id, asked)


@strawberry.type(description="What can be changed: each field one command, audited.")
class Mutation:
    @strawberry.mutation(
        description="Create a company (ADMIN): its external key, name and settings."
    )
    async def create_company(
        self,
        info: Info[Context, None],
        input: Annotated[t.CompanyInput, strawberry.argument(description="The company.")],
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
                    input.billing_details.to_details() if input.billing_details else None,
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
        input: Annotated[
            mi.EraseUserInput | None, ms.input_argument("Whose user to erase, and why.")
        ] = None,
        company_id: Annotated[UUID | None, ms.deprecated("The user's company.")] = None,
        user_id: Annotated[UUID | None, ms.deprecated("The user's id.")] = None,
        reason: Annotated[str | None, ms.deprecated("Why.")] = None,
    ) -> t.EraseUserResult:
        ctx = _ctx(info)
        given = ms.given(
            mi.EraseUserInput, input, company_id=company_id, user_id=user_id, reason=reason
        )
        if isinstance(given, t.ValidationError):
            return given
        return await answer(
            privacy.erase_user(
                ctx.runtime,
                ctx.principal,
                given.company_id,
                given.user_id,
                given.reason,
                ctx.change_audit("eraseUser"),
            ),
            to=t.Erasure.of,
        )

    @strawberry.mutation(
        description="Change a company's name, late-arrival window, privacy settings or billing"
        " details (ADMIN); an archived one too."
    )
    async def update_company(
        self,
        info: Info[Context, None],
        input: Annotated[
            t.UpdateCompanyInput,
            strawberry.argument(description="The company (`id`) and what to change."),
        ],
        id: Annotated[UUID | None, ms.deprecated("The company; send input.id.")] = None,
    ) -> t.UpdateCompanyResult:
        ctx = _ctx(info)
        target = ms.one_of("id", input.id, id)
        if isinstance(target, t.ValidationError):
            return target
        return await answer(
            catalog.update_company(
                ctx.runtime,
                ctx.principal,
                target,
                cc.company_change(input),
                ctx.change_audit("updateCompany"),
            ),
            to=t.Company.of,
        )

    @strawberry.mutation(
        description="Archive a company (ADMIN): no new usage or contract for it, left out of"
        " `companies` unless asked; its usage and invoices stay readable and invoiceable."
        " Refused while it owes an invoice or has a contract in force."
    )
    async def archive_company(
        self,
        info: Info[Context, None],
        input: Annotated[
            cc.ArchiveCompanyInput, strawberry.argument(description="The company to archive.")
        ],
    ) -> cc.ArchiveCompanyResult:
        return await cc.archive_company(_ctx(info), input)

    @strawberry.mutation(
        description="Define a metric usage is recorded against (ADMIN); its code never changes."
    )
    async def define_metric(
        self,
        info: Info[Context, None],
        input: Annotated[t.MetricInput, strawberry.argument(description="The metric.")],
    ) -> t.DefineMetricResult:
        ctx = _ctx(info)
        return await answer(
            catalog.define_metric(
                ctx.runtime, ctx.principal, input.to_metric(), ctx.change_audit("defineMetric")
            ),
            to=t.Metric.of,
        )

    @strawberry.mutation(
        description="Rename or describe a metric (ADMIN); its unit, resource type, measurement"
        " type and aggregation only while it has no usage."
    )
    async def update_metric(
        self,
        info: Info[Context, None],
        input: Annotated[
            cc.UpdateMetricInput, strawberry.argument(description="The metric and its changes.")
        ],
    ) -> cc.UpdateMetricResult:
        return await cc.update_metric(_ctx(info), input)

    @strawberry.mutation(
        description="Archive a metric (ADMIN): no new usage, product or threshold for it, left"
        " out of `metrics` unless asked; its usage stays readable and invoiceable. Refused"
        " while a product not archived bills it or a threshold watches it."
    )
    async def archive_metric(
        self,
        info: Info[Context, None],
        input: Annotated[
            cc.ArchiveMetricInput, strawberry.argument(description="The metric to archive.")
        ],
    ) -> cc.ArchiveMetricResult:
        return await cc.archive_metric(_ctx(info), input)

    @strawberry.mutation(description="Record one usage record; concurrent calls share a commit.")
    async def record_usage(
        self,
        info: Info[Context, None],
        input: Annotated[t.UsageRecordInput, strawberry.argument(description="The record.")],
        backfill: Annotated[
            bool,
            strawberry.argument(
                description="ADMIN: accept records older than the late-arrival window."
            ),
        ] = False,
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
        input: Annotated[
            mi.BatchRecordUsageInput | None,
            ms.input_argument("The records, and whether they are stored all or nothing."),
        ] = None,
        records: Annotated[
            list[t.UsageRecordInput] | None,
            ms.deprecated("The records (at most METERGRAPH_MAX_BATCH_SIZE)."),
        ] = None,
        atomic: Annotated[
            bool | None, ms.deprecated("All or nothing: one refused record stores none.")
        ] = None,
        backfill: Annotated[
            bool | None,
            ms.deprecated("ADMIN: accept records older than the late-arrival window."),
        ] = None,
    ) -> t.BatchRecordUsageResult:
        ctx = _ctx(info)
        given = ms.given(
            mi.BatchRecordUsageInput, input, records=records, atomic=atomic, backfill=backfill
        )
        if isinstance(given, t.ValidationError):
            return given
        drafts = ctx.take_decoded("batchRecordUsage")
        if drafts is None:
            drafts = [r.to_draft() for r in given.records]
        call = ingest.record_usage_batch(
            ctx.runtime,
            ctx.principal,
            drafts,
            atomic=given.atomic,
            backfill=given.backfill,
            audit=ctx.audit_entry("batchRecordUsage", "BatchUsageReport"),
        )
        return await answer(call, to=lambda result: report(ctx, result))

    @strawberry.mutation(
        description="Void a usage record (ADMIN): it leaves every total; the audit trail keeps it."
    )
    async def void_usage_record(
        self,
        info: Info[Context, None],
        input: Annotated[
            mi.VoidUsageRecordInput | None, ms.input_argument("The record to void, and why.")
        ] = None,
        id: Annotated[UUID | None, ms.deprecated("The usage record.")] = None,
        reason: Annotated[str | None, ms.deprecated("Why.")] = None,
    ) -> an.CorrectionResult:
        given = ms.given(mi.VoidUsageRecordInput, input, id=id, reason=reason)
        if isinstance(given, t.ValidationError):
            return given
        return await an.void_usage_record(_ctx(info), given.id, given.reason)

    @strawberry.mutation(
        description="Correct a usage record's value or timestamp (ADMIN): the record is voided"
        " and a corrected copy stored, in one transaction."
    )
    async def correct_usage_record(
        self,
        info: Info[Context, None],
        input: Annotated[
            mi.CorrectUsageRecordInput | None,
            ms.input_argument("The record to correct, its new value or timestamp, and why."),
        ] = None,
        id: Annotated[UUID | None, ms.deprecated("The usage record.")] = None,
        reason: Annotated[str | None, ms.deprecated("Why.")] = None,
        value: Annotated[Decimal | None, ms.deprecated("The corrected value.")] = None,
        timestamp: Annotated[datetime | None, ms.deprecated("The corrected timestamp.")] = None,
    ) -> an.CorrectionResult:
        given = ms.given(
            mi.CorrectUsageRecordInput,
            input,
            id=id,
            reason=reason,
            value=value,
            timestamp=timestamp,
        )
        if isinstance(given, t.ValidationError):
            return given
        return await an.correct_usage_record(
            _ctx(info), given.id, given.reason, given.value, given.timestamp
        )

    @strawberry.mutation(description="Define a product billed by a metric (ADMIN).")
    async def create_product(
        self,
        info: Info[Context, None],
        input: Annotated[mi.CreateProductInput | None, ms.input_argument("The product.")] = None,
        code: Annotated[str | None, ms.deprecated("Its code.")] = None,
        name: Annotated[str | None, ms.deprecated("Its name.")] = None,
        metric_code: Annotated[str | None, ms.deprecated("The metric it bills.")] = None,
    ) -> bl.ProductResult:
        given = ms.given(
            mi.CreateProductInput, input, code=code, name=name, metric_code=metric_code
        )
        if isinstance(given, t.ValidationError):
            return given
        return await bl.create_product(_ctx(info), given.code, given.name, given.metric_code)

    @strawberry.mutation(
        description="Archive a product (ADMIN): no new contract may price it, left out of"
        " `products` unless asked; invoices that priced it stay readable. Refused while a"
        " contract in force prices it."
    )
    async def archive_product(
        self,
        info: Info[Context, None],
        input: Annotated[
            cc.ArchiveProductInput, strawberry.argument(description="The product to archive.")
        ],
    ) -> cc.ArchiveProductResult:
        return await cc.archive_product(_ctx(info), input)

    @strawberry.mutation(description="Sign a contract: a company, its terms, its prices (ADMIN).")
    async def create_contract(
        self,
        info: Info[Context, None],
        input: Annotated[bl.ContractInput, strawberry.argument(description="The contract.")],
    ) -> bl.ContractResult:
        return await bl.create_contract(_ctx(info), input)

    @strawberry.mutation(
        description="Amend a contract (ADMIN): a new version of its prices and terms in force"
        " from effectiveFrom."
    )
    async def amend_contract(
        self,
        info: Info[Context, None],
        input: Annotated[
            cvr.AmendContractInput,
            strawberry.argument(description="The contract, the version's start and its terms."),
        ],
    ) -> cvr.AmendContractResult:
        return await cvr.amend_contract(_ctx(info), input)

    @strawberry.mutation(
        description="End a contract on endDate, its last day (ADMIN): later periods are not"
        " invoiced."
    )
    async def end_contract(
        self,
        info: Info[Context, None],
        input: Annotated[
            cvr.EndContractInput, strawberry.argument(description="The contract and its last day.")
        ],
    ) -> cvr.EndContractResult:
        return await cvr.end_contract(_ctx(info), input)

    @strawberry.mutation(
        description="Run invoice generation now (ADMIN): every closed period, or the one"
        " containing periodStart. Safe to repeat.",
        deprecation_reason=ms.use("runInvoicing"),
    )
    async def generate_invoices(
        self,
        info: Info[Context, None],
        period_start: Annotated[
            datetime | None,
            strawberry.argument(description="The period containing this instant; omitted: all."),
        ] = None,
    ) -> bl.InvoiceRun:
        return await bl.generate_invoices(_ctx(info), period_start)

    @strawberry.mutation(
        description="Run invoice generation now (ADMIN): every closed period, or the one"
        " containing input.periodStart. Safe to repeat."
    )
    async def run_invoicing(
        self,
        info: Info[Context, None],
        input: Annotated[mi.RunInvoicingInput, strawberry.argument(description="Which periods.")],
    ) -> mi.RunInvoicingResult:
        return await mi.run_invoicing(_ctx(info), input)

    @strawberry.mutation(description="Record a payment against a finalized invoice (ADMIN).")
    async def record_payment(
        self,
        info: Info[Context, None],
        input: Annotated[mi.RecordPaymentInput | None, ms.input_argument("The payment.")] = None,
        invoice_id: Annotated[UUID | None, ms.deprecated("The invoice.")] = None,
        amount: Annotated[Decimal | None, ms.deprecated("How much was paid.")] = None,
        paid_at: Annotated[datetime | None, ms.deprecated("When it was paid.")] = None,
    ) -> bl.PaymentResult:
        given = ms.given(
            mi.RecordPaymentInput, input, invoice_id=invoice_id, amount=amount, paid_at=paid_at
        )
        if isinstance(given, t.ValidationError):
            return given
        return await bl.record_payment(_ctx(info), given.invoice_id, given.amount, given.paid_at)

    @strawberry.mutation(
        description="Take an amount off a finalized invoice with a credit note (ADMIN, or the"
        " company's COMPANY_ADMIN); beyond what was unpaid it becomes the company's credit."
    )
    async def issue_credit_note(
        self,
        info: Info[Context, None],
        input: Annotated[
            bl.IssueCreditNoteInput,
            strawberry.argument(description="The invoice, the amount and why."),
        ],
    ) -> bl.CreditNoteResult:
        return await bl.issue_credit_note(_ctx(info), input)

    @strawberry.mutation(
        description="Void a finalized invoice with a full credit note (ADMIN, or the company's"
        " COMPANY_ADMIN); its payments become the company's credit."
    )
    async def void_invoice(
        self,
        info: Info[Context, None],
        input: Annotated[
            bl.VoidInvoiceInput, strawberry.argument(description="The invoice and why.")
        ],
    ) -> bl.VoidResult:
        return await bl.void_invoice(_ctx(info), input)

    @strawberry.mutation(
        description="Ask for a report; it is built in the background (poll report(id))."
    )
    async def generate_report(
        self,
        info: Info[Context, None],
        input: Annotated[mi.GenerateReportInput | None, ms.input_argument("The report.")] = None,
        criteria: Annotated[rp.ReportCriteriaInput | None, ms.deprecated("What it covers.")] = None,
        format: Annotated[rp.ReportFormat | None, ms.deprecated("CSV, JSON or PDF.")] = None,
    ) -> rp.ReportResult:
        given = ms.given(mi.GenerateReportInput, input, criteria=criteria, format=format)
        if isinstance(given, t.ValidationError):
            return given
        return await rp.generate_report(_ctx(info), given.criteria, given.format)

    @strawberry.mutation(
        description="Run a report on a cron schedule (5 fields, or 6 with seconds first) in a"
        " time zone, and send it to a destination."
    )
    async def create_report_schedule(
        self,
        info: Info[Context, None],
        input: Annotated[
            mi.CreateReportScheduleInput | None, ms.input_argument("The schedule.")
        ] = None,
        name: Annotated[str | None, ms.deprecated("Its name.")] = None,
        cron: Annotated[str | None, ms.deprecated("Its cron expression.")] = None,
        criteria: Annotated[
            rp.ReportCriteriaInput | None, ms.deprecated("What each report covers.")
        ] = None,
        format: Annotated[rp.ReportFormat | None, ms.deprecated("CSV, JSON or PDF.")] = None,
        destination: Annotated[
            rp.ReportDestinationInput | None, ms.deprecated("Where each report is sent.")
        ] = None,
        time_zone: Annotated[str | None, ms.deprecated("The cron's time zone (UTC).")] = None,
    ) -> rp.ReportScheduleResult:
        given = ms.given(
            mi.CreateReportScheduleInput,
            input,
            name=name,
            cron=cron,
            criteria=criteria,
            format=format,
            destination=destination,
            time_zone=time_zone,
        )
        if isinstance(given, t.ValidationError):
            return given
        return await rp.create_report_schedule(
            _ctx(info),
            given.name,
            given.cron,
            given.time_zone,
            given.criteria,
            given.format,
            given.destination,
        )

    @strawberry.mutation(description="Pause or resume a report schedule.")
    async def set_report_schedule_active(
        self,
        info: Info[Context, None],
        input: Annotated[
            mi.SetReportScheduleActiveInput | None,
            ms.input_argument("The schedule and whether it runs."),
        ] = None,
        id: Annotated[UUID | None, ms.deprecated("The schedule.")] = None,
        active: Annotated[bool | None, ms.deprecated("Resume (true) or pause (false).")] = None,
    ) -> rp.ReportScheduleResult:
        given = ms.given(mi.SetReportScheduleActiveInput, input, id=id, active=active)
        if isinstance(given, t.ValidationError):
            return given
        return await rp.set_schedule_active(_ctx(info), given.id, given.active)

    @strawberry.mutation(
        description="Remove a report schedule (its reports stay).",
        deprecation_reason=ms.use("removeReportSchedule"),
    )
    async def delete_report_schedule(
        self,
        info: Info[Context, None],
        id: Annotated[UUID, strawberry.argument(description="The schedule.")],
    ) -> bool:
        return await rp.delete_schedule(_ctx(info), id)

    @strawberry.mutation(description="Remove a report schedule (its reports stay).")
    async def remove_report_schedule(
        self,
        info: Info[Context, None],
        input: Annotated[
            mi.RemoveReportScheduleInput, strawberry.argument(description="The schedule.")
        ],
    ) -> mi.RemoveReportScheduleResult:
        return await mi.remove_report_schedule(_ctx(info), input)

    @strawberry.mutation(
        description="Record what a product cost in a UTC hour or day (ADMIN); a period"
        " recorded again is restated."
    )
    async def record_cost(
        self,
        info: Info[Context, None],
        input: Annotated[
            cs.CostInput, strawberry.argument(description="The product, period and amount.")
        ],
    ) -> cs.CostResult:
        return await cs.record_cost(_ctx(info), input)

    @strawberry.mutation(
        description="Run a job now, as `metergraph jobs run` does (ADMIN); its recorded run."
    )
    async def run_job(
        self,
        info: Info[Context, None],
        input: Annotated[mi.RunJobInput | None, ms.input_argument("The job.")] = None,
        name: Annotated[str | None, ms.deprecated("The job's name.")] = None,
    ) -> jb.RunJobResult:
        given = ms.given(mi.RunJobInput, input, name=name)
        if isinstance(given, t.ValidationError):
            return given
        return await jb.run_job(_ctx(info), given.name)

    @strawberry.mutation(description="Watch a metric: a limit per period and its levels.")
    async def create_threshold(
        self,
        info: Info[Context, None],
        input: Annotated[
            al.ThresholdInput,
            strawberry.argument(description="The metric, company, period, limit and levels."),
        ],
    ) -> al.ThresholdResult:
        return await al.create_threshold(_ctx(info), input)

    @strawberry.mutation(
        description="Replace a threshold's limit and levels.",
        deprecation_reason=ms.use("replaceThreshold"),
    )
    async def update_threshold(
        self,
        info: Info[Context, None],
        id: Annotated[UUID, strawberry.argument(description="The threshold.")],
        input: Annotated[
            al.ThresholdInput, strawberry.argument(description="Its new limit and levels.")
        ],
    ) -> al.ThresholdResult:
        return await al.update_threshold(_ctx(info), id, input)

    @strawberry.mutation(
        description="Replace a threshold's limit and levels (its metric, company and period stay)."
    )
    async def replace_threshold(
        self,
        info: Info[Context, None],
        input: Annotated[
            mi.ReplaceThresholdInput,
            strawberry.argument(description="The threshold and its new limit and levels."),
        ],
    ) -> al.ThresholdResult:
        return await mi.replace_threshold(_ctx(info), input)

    @strawberry.mutation(
        description="Set how long a metric's usage is kept (ADMIN; metric `*`: the default)."
    )
    async def set_retention_rule(
        self,
        info: Info[Context, None],
        input: Annotated[mi.SetRetentionRuleInput | None, ms.input_argument("The rule.")] = None,
        metric: Annotated[str | None, ms.deprecated("A metric's code, or `*`.")] = None,
        raw_days: Annotated[int | None, ms.deprecated("Days of raw records.")] = None,
        hourly_days: Annotated[
            int | None, ms.deprecated("Days of hourly rollups; null: for ever.")
        ] = None,
        daily_days: Annotated[
            int | None, ms.deprecated("Days of daily rollups; null: for ever.")
        ] = None,
        monthly_days: Annotated[
            int | None, ms.deprecated("Days of monthly rollups; null: for ever.")
        ] = None,
    ) -> rn.RetentionRuleResult:
        given = ms.given(
            mi.SetRetentionRuleInput,
            input,
            metric=metric,
            raw_days=raw_days,
            hourly_days=hourly_days,
            daily_days=daily_days,
            monthly_days=monthly_days,
        )
        if isinstance(given, t.ValidationError):
            return given
        return await rn.set_retention_rule(
            _ctx(info),
            given.metric,
            given.raw_days,
            given.hourly_days,
            given.daily_days,
            given.monthly_days,
        )

    @strawberry.mutation(
        description="Place (held: true) or lift (false) a company's legal hold (ADMIN): "
        "while held, retention deletes none of its usage."
    )
    async def set_legal_hold(
        self,
        info: Info[Context, None],
        input: Annotated[
            mi.SetLegalHoldInput | None, ms.input_argument("The company and the hold.")
        ] = None,
        company_id: Annotated[UUID | None, ms.deprecated("The company.")] = None,
        held: Annotated[bool | None, ms.deprecated("Hold (true) or lift (false).")] = None,
    ) -> rn.LegalHoldResult:
        given = ms.given(mi.SetLegalHoldInput, input, company_id=company_id, held=held)
        if isinstance(given, t.ValidationError):
            return given
        return await rn.set_legal_hold(_ctx(info), given.company_id, given.held)

    @strawberry.mutation(
        description="Remove a threshold (its alerts go with it).",
        deprecation_reason=ms.use("removeThreshold"),
    )
    async def delete_threshold(
        self,
        info: Info[Context, None],
        id: Annotated[UUID, strawberry.argument(description="The threshold.")],
    ) -> bool:
        return await al.delete_threshold(_ctx(info), id)

    @strawberry.mutation(description="Remove a threshold (its alerts go with it).")
    async def remove_threshold(
        self,
        info: Info[Context, None],
        input: Annotated[
            mi.RemoveThresholdInput, strawberry.argument(description="The threshold.")
        ],
    ) -> mi.RemoveThresholdResult:
        return await mi.remove_threshold(_ctx(info), input)

    @strawberry.mutation(
        description="Acknowledge an alert; null when there is no such one.",
        deprecation_reason=ms.use("markAlertAcknowledged"),
    )
    async def acknowledge_alert(
        self,
        info: Info[Context, None],
        id: Annotated[UUID, strawberry.argument(description="The alert.")],
    ) -> al.Alert | None:
        return await al.acknowledge_alert(_ctx(info), id)

    @strawberry.mutation(description="Acknowledge an alert (once; again answers it as it is).")
    async def mark_alert_acknowledged(
        self,
        info: Info[Context, None],
        input: Annotated[
            mi.MarkAlertAcknowledgedInput, strawberry.argument(description="The alert.")
        ],
    ) -> mi.MarkAlertAcknowledgedResult:
        return await mi.mark_alert_acknowledged(_ctx(info), input)

    @strawberry.mutation(
        description="Who a company's EMAIL or SMS notifications go to.",
        deprecation_reason=ms.use("updateNotificationRecipients"),
    )
    async def set_notification_recipients(
        self,
        info: Info[Context, None],
        company_id: Annotated[UUID, strawberry.argument(description="The company.")],
        channel: Annotated[al.Channel, strawberry.argument(description="EMAIL or SMS.")],
        addresses: Annotated[
            list[str], strawberry.argument(description="Every address (replaces the list).")
        ],
        role: Annotated[
            al.RecipientRole, strawberry.argument(description="Whom they are for.")
        ] = th.RecipientRole.COMPANY_ADMIN,
    ) -> list[str]:
        return await al.set_recipients(
            _ctx(info),
            company_id,
            th.Channel(channel.value),
            addresses,
            th.RecipientRole(role.value),
        )

    @strawberry.mutation(
        description="Replace who a company's EMAIL or SMS notifications go to, for a role."
    )
    async def update_notification_recipients(
        self,
        info: Info[Context, None],
        input: Annotated[
            mi.UpdateNotificationRecipientsInput,
            strawberry.argument(description="The company, channel, role and addresses."),
        ],
    ) -> mi.UpdateNotificationRecipientsResult:
        return await mi.update_notification_recipients(_ctx(info), input)

    @strawberry.mutation(
        description="Send a company's events of the chosen types to a URL, signed (ADMIN,"
        " COMPANY_ADMIN)."
    )
    async def create_webhook_endpoint(
        self,
        info: Info[Context, None],
        input: Annotated[
            wh.WebhookEndpointInput,
            strawberry.argument(description="The company, URL, events and secret."),
        ],
    ) -> wh.CreateWebhookEndpointResult:
        return await wh.create_endpoint(_ctx(info), input)

    @strawberry.mutation(
        description="Stop sending to an endpoint (its pending deliveries end FAILED; its log"
        " stays); null when there is no such endpoint.",
        deprecation_reason=ms.use("deactivateWebhookEndpoint"),
    )
    async def disable_webhook_endpoint(
        self,
        info: Info[Context, None],
        id: Annotated[UUID, strawberry.argument(description="The endpoint.")],
    ) -> wh.WebhookEndpoint | None:
        return await wh.disable_endpoint(_ctx(info), id)

    @strawberry.mutation(
        description="Stop sending to an endpoint (its pending deliveries end FAILED; its log"
        " stays)."
    )
    async def deactivate_webhook_endpoint(
        self,
        info: Info[Context, None],
        input: Annotated[
            mi.DeactivateWebhookEndpointInput, strawberry.argument(description="The endpoint.")
        ],
    ) -> mi.DeactivateWebhookEndpointResult:
        return await mi.deactivate_webhook_endpoint(_ctx(info), input)

    @strawberry.mutation(
        description="Remove an endpoint with its delivery log; false when there is no such one.",
        deprecation_reason=ms.use("removeWebhookEndpoint"),
    )
    async def delete_webhook_endpoint(
        self,
        info: Info[Context, None],
        id: Annotated[UUID, strawberry.argument(description="The endpoint.")],
    ) -> bool:
        return await wh.delete_endpoint(_ctx(info), id)

    @strawberry.mutation(description="Remove an endpoint with its delivery log.")
    async def remove_webhook_endpoint(
        self,
        info: Info[Context, None],
        input: Annotated[
            mi.RemoveWebhookEndpointInput, strawberry.argument(description="The endpoint.")
        ],
    ) -> mi.RemoveWebhookEndpointResult:
        return await mi.remove_webhook_endpoint(_ctx(info), input)

    @strawberry.mutation(
        description="Make an API key (ADMIN: any; COMPANY_ADMIN: its company's VIEWER keys);"
        " its secret is in this answer only."
    )
    async def create_api_key(
        self,
        info: Info[Context, None],
        input: Annotated[mi.CreateApiKeyInput | None, ms.input_argument("The key.")] = None,
        role: Annotated[t.Role | None, ms.deprecated("What the key may do.")] = None,
        company_id: Annotated[
            UUID | None, ms.deprecated("Required for COMPANY_ADMIN and VIEWER keys only.")
        ] = None,
        name: Annotated[str | None, ms.deprecated("A label.")] = None,
        expires_at: Annotated[
            datetime | None, ms.deprecated("When it stops working; omitted: never.")
        ] = None,
    ) -> ka.IssueApiKeyResult:
        given = ms.given(
            mi.CreateApiKeyInput,
            input,
            role=role,
            company_id=company_id,
            name=name,
            expires_at=expires_at,
        )
        if isinstance(given, t.ValidationError):
            return given
        return await ka.create_api_key(
            _ctx(info), given.role, given.company_id, given.name, given.expires_at
        )

    @strawberry.mutation(description="Revoke an API key: every server refuses it within a second.")
    async def revoke_api_key(
        self,
        info: Info[Context, None],
        input: Annotated[mi.RevokeApiKeyInput | None, ms.input_argument("The key.")] = None,
        id: Annotated[UUID | None, ms.deprecated("The key.")] = None,
    ) -> ka.RevokeApiKeyResult:
        given = ms.given(mi.RevokeApiKeyInput, input, id=id)
        if isinstance(given, t.ValidationError):
            return given
        return await ka.revoke_api_key(_ctx(info), given.id)

    @strawberry.mutation(
        description="Give an API key a new secret; the old one works for the grace period"
        " (METERGRAPH_KEY_ROTATION_GRACE), then is refused."
    )
    async def rotate_api_key(
        self,
        info: Info[Context, None],
        input: Annotated[mi.RotateApiKeyInput | None, ms.input_argument("The key.")] = None,
        id: Annotated[UUID | None, ms.deprecated("The key.")] = None,
    ) -> ka.IssueApiKeyResult:
        given = ms.given(mi.RotateApiKeyInput, input, id=id)
        if isinstance(given, t.ValidationError):
            return given
        return await ka.rotate_api_key(_ctx(info), given.id)


def report(ctx: Context, result: BatchResult) -> t.BatchUsageReport:
    if result.audited:
        ctx.audited("batchRecordUsage")
    errors = (
        [
            t.BatchRecordError(
                index=o.index, field=e.field, code=e.code, message=e.message, error_code=e.code
            )
            for o in result.outcomes
            if o.errors and o.status is Status.REJECTED
            for e in o.errors
        ]
        if result.rejected
        else []
    )
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


# Root query fields that read a company's data (usage, invoices, reports) or
# the audit log itself: a request asking for any of them is recorded, once.
AUDITED_READS = frozenset(
    {
        "usageRecords",
        "aggregateUsage",
        "usageGaps",
        "invoices",
        "invoice",
        "previewInvoice",
        "simulateInvoice",
        "reports",
        "report",
        "auditLog",
        "node",  # a usage record or a report, by global id
        "nodes",
    }
)


def root_fields(document: DocumentNode, selections: SelectionSetNode) -> list[tuple[str, str]]:
    """(response key, field name) of the fields at this level, fragments followed
    (a field reached only through a fragment is still asked for)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    found: list[tuple[str, str]] = []
    pending, seen = [selections], set[str]()
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                found.append((selection.alias.value if selection.alias else name, name))
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                spread = selection.name.value
                if spread in fragments and spread not in seen:
                    seen.add(spread)
                    pending.append(fragments[spread].selection_set)
    return found


def read_recorder(
    context: Context, document: DocumentNode, variables: dict[str, Any] | None, name: str | None
) -> AuditRecorder | None:
    """The audit of a query that reads a company's data (None: it reads none)."""
    operation = get_operation_ast(document, name)
    if operation is None:
        return None
    fields = root_fields(document, operation.selection_set)
    if not any(n in AUDITED_READS for _, n in fields):
        return None
    named = operation.name.value if operation.name else None
    return AuditRecorder(
        principal=context.principal,
        began=datetime.now(UTC),
        action=named or ",".join(k for k, _ in fields),
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


class MutationsOnPrimary(SchemaExtension):
    """A mutation reads from the primary, so it sees what it wrote; queries may
    be answered by a replica (services.replicas)."""

    def on_execute(self) -> Iterator[None]:
        if self.execution_context.operation_type is OperationType.MUTATION:
            with on_primary():
                yield
        else:
            yield


class CountRequests(SchemaExtension):
    """Counts every GraphQL request for ``GET /metrics``: its root fields, its
    type, its outcome (ok, or the first error's code) and how long it took."""

    def on_operation(self) -> Iterator[None]:
        began = time.perf_counter()
        yield
        ec = self.execution_context
        kind, fields = _root_fields(ec.graphql_document, ec.operation_name)
        errors = getattr(ec.result, "errors", None) or ec.pre_execution_errors or []
        outcome = error_code(errors[0]) if errors else "ok"
        observe_request(operation_label(fields), kind, outcome, time.perf_counter() - began)


def _root_fields(document: DocumentNode | None, name: str | None) -> tuple[str, list[str]]:
    """A request's operation type and root fields, those the schema has (a field
    it lacks is named "unknown": labels never take a client's words)."""
    operation = get_operation_ast(document, name) if document is not None else None
    if operation is None:
        return "none", []
    kind = operation.operation.value
    root = schema._schema.get_root_type(operation.operation)
    known = root.fields if root is not None else {}
    fields = [
        s.name.value if s.name.value in known else "unknown"
        for s in operation.selection_set.selections
        if isinstance(s, FieldNode)
    ]
    return kind, fields


class AuditReads(SchemaExtension):
    """Records every query that reads a company's data: one row per request
    (not per record), written through the batching writer once the answer is
    known, so that concurrent reads share commits."""

    async def on_execute(self) -> Any:  # type: ignore[override]
        ec = self.execution_context
        context = ec.context
        recorder = None
        if (
            isinstance(context, Context)
            and ec.operation_type is OperationType.QUERY
            and ec.graphql_document is not None
        ):
            recorder = read_recorder(context, ec.graphql_document, ec.variables, ec.operation_name)
        yield
        if recorder is None:
            return
        errors = getattr(ec.result, "errors", None) or []
        entry = recorder.remaining("error" if errors else "ok", [error_code(e) for e in errors])
        if entry is not None:
            await context.runtime.audit.write_logged(entry)


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


@strawberry.type(description="Events pushed to the caller over a websocket (graphql-transport-ws).")
class Subscription:
    @strawberry.subscription(
        description="Alerts as they are raised (the PLATFORM channel), over graphql-transport-ws."
    )
    async def alert_raised(
        self,
        info: Info[Context, None],
        company_id: Annotated[
            UUID | None,
            strawberry.argument(
                description="Only this company's alerts; a scoped key hears its own company's"
                " only. Omitted (ADMIN): every company's."
            ),
        ] = None,
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
    config=StrawberryConfig(scalar_map={**nb.SCALARS, UUID: ds.UUID}),
    extensions=[
        lambda: ParserCache(maxsize=DOCUMENT_CACHE_SIZE),
        lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE),
        QueryLimits,  # after ValidationCache: it limits only documents that validate
        AuditMutations,
        AuditReads,
        CountRequests,
        MutationsOnPrimary,
        _mask_errors,
    ],
)
