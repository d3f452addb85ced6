"""Every list field of the schema is a cursor connection, or is bounded and says by what.

A new list field fails here until it is a connection (``edges`` of a type whose
``pageInfo`` is the full PageInfo) or is entered below with its bound. A list
kept for compatibility is deprecated and names its connection.
"""

from __future__ import annotations

from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
)

from api.schema import schema

# Lists whose length has a bound, and the bound.
BOUNDED: dict[str, str] = {
    "AggregationResult.functions": "the aggregate functions asked for (an enum's values)",
    "AggregationResult.buckets": "MAX_BUCKETS (10,000) periods of the window, per metric"
    " and group asked for",
    "BatchUsageReport.errors": "the batch's records (METERGRAPH_MAX_BATCH_SIZE), each a few fields",
    "BillingDetails.addressLines": "MAX_ADDRESS_LINES (4)",
    "ChargeFilter.values": "MAX_FILTER_VALUES (100)",
    "Company.redactedProperties": "MAX_REDACTED_PROPERTIES (100)",
    "Company.creditBalances": "one per currency the company was invoiced in",
    "Company.creditEntries": "its `last` argument, at most METERGRAPH_MAX_PAGE_SIZE",
    "Contract.products": "one per product of the catalog",
    "ContractVersion.products": "one per product of the catalog",
    "ContractProduct.filters": "MAX_FILTERS (10)",
    "Contract.versions": "one per amendment of the contract (an ADMIN's act each)",
    "Invoice.lines": "one per product of the contract, plus its adjustments",
    "Invoice.creditNotes": "the credit notes of one invoice (their total is at most the invoice's)",
    "InvoiceLine.tiers": "the tiers of one price",
    "Price.tiers": "the tiers of one price",
    "Mutation.setNotificationRecipients": "the addresses given, at most one per recipient",
    "NotificationRecipients.addresses": "the addresses given, at most one per recipient",
    "Query.jobs": "the fixed set of scheduled jobs",
    "Query.retentionRules": "one per metric of the catalog, plus the default",
    "Query.nodes": "its ids, at most METERGRAPH_MAX_NODE_IDS (100)",
    "ReportDestination.to": "MAX_REPORT_RECIPIENTS (50)",
    "ReportSchedule.runs": "its `last` argument, at most 1,000",
    "Threshold.levels": "the levels of one threshold",
    "ThresholdLevel.channels": "the NotificationChannel values",
    "ThresholdLevel.roles": "the RecipientRole values",
    "UsageGapList.gaps": "the intervals of the window asked for (at most MAX_SPAN)",
    "ValidationError.errors": "the fields of one input",
    "WebhookEndpoint.events": "the WebhookEventType values",
    "CostAllocation.totals": "one per product and period of the window asked for",
    "CostAllocation.shares": "one per company, product and period of the window asked for",
    "CostAllocation.customers": "one per company with usage in the window asked for",
    "Profitability.rows": "one per company and billing period of the window asked for",
}


def _unwrap(kind: object) -> object:
    while isinstance(kind, GraphQLNonNull):
        kind = kind.of_type
    return kind


def _list_fields(graphql: GraphQLSchema) -> dict[str, GraphQLField]:
    found = {}
    for name, kind in graphql.type_map.items():
        if name.startswith("__") or not isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            continue
        for field_name, field in kind.fields.items():
            if isinstance(_unwrap(field.type), GraphQLList):
                found[f"{name}.{field_name}"] = field
    return found


def _is_connection(graphql: GraphQLSchema, path: str) -> bool:
    owner, field = path.split(".")
    kind = graphql.type_map[owner]
    assert isinstance(kind, GraphQLObjectType)
    if field != "edges" or "pageInfo" not in kind.fields:
        return False
    edge = _unwrap(_unwrap(kind.fields["edges"].type).of_type)  # type: ignore[attr-defined]
    return isinstance(edge, GraphQLObjectType) and {"cursor", "node"} <= set(edge.fields)


def test_every_list_field_is_a_connection_or_bounded() -> None:
    graphql = schema._schema
    unpaged = [
        path
        for path, field in _list_fields(graphql).items()
        if not _is_connection(graphql, path)
        and path not in BOUNDED
        and field.deprecation_reason is None
    ]
    assert unpaged == [], "a list that can grow is a connection; a bounded one is in BOUNDED"


def test_every_bound_listed_is_a_list_field_of_the_schema() -> None:
    fields = _list_fields(schema._schema)
    assert sorted(set(BOUNDED) - set(fields)) == []
    assert all(bound.strip() for bound in BOUNDED.values())


def test_a_list_kept_for_compatibility_names_the_connection_that_replaces_it() -> None:
    graphql = schema._schema
    query = graphql.query_type
    assert query is not None
    for path, field in _list_fields(graphql).items():
        owner, name = path.split(".")
        if field.deprecation_reason is None or owner == "Mutation":
            # a deprecated mutation is replaced by its twin, not by a connection
            continue
        replacement = f"{name}Connection"
        assert owner == "Query" and replacement in query.fields, path
        assert replacement in field.deprecation_reason, path
        assert _is_connection(graphql, f"{_unwrap(query.fields[replacement].type)}.edges")


def test_every_connection_has_the_full_page_info() -> None:
    graphql = schema._schema
    page_info = graphql.type_map["PageInfo"]
    assert isinstance(page_info, GraphQLObjectType)
    assert {"hasNextPage", "hasPreviousPage", "startCursor", "endCursor"} <= set(page_info.fields)
    connections = [p for p in _list_fields(graphql) if _is_connection(graphql, p)]
    assert len(connections) >= 17
    for path in connections:
        kind = graphql.type_map[path.split(".")[0]]
        assert isinstance(kind, GraphQLObjectType)
        assert _unwrap(kind.fields["pageInfo"].type) is page_info, path


def _cost(document: str) -> int:
    from graphql import parse

    from api.limits import QueryLimitSettings, _page_defaults, document_cost

    limits = QueryLimitSettings(
        tokens=50_000, depth=15, aliases=30, cost=50_000, largest_page=1_000
    )
    return document_cost(parse(document), None, None, limits, _page_defaults(schema._schema))


def test_a_connections_page_and_the_ids_of_nodes_count_in_a_documents_cost() -> None:
    # a page is costed by first, or last, or the default page when neither is sent
    one = _cost("{ metricsConnection(first: 1) { edges { node { code } } } }")
    assert _cost("{ metricsConnection(first: 40) { edges { node { code } } } }") > 20 * one
    assert _cost("{ metricsConnection(last: 40) { edges { node { code } } } }") > 20 * one
    assert _cost("{ metricsConnection { edges { node { code } } } }") > 50 * one
    below = "{ ... on Company { billingDetails { city } } }"
    few = _cost('{ nodes(ids: ["a"]) ' + below + " }")
    many = _cost("{ nodes(ids: [" + ", ".join(f'"{n}"' for n in range(40)) + "]) " + below + " }")
    assert many > 20 * few
