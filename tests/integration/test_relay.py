"""Relay over GraphQL: node(id:)/nodes(ids:) for every Node type, within a key's
company; cursor connections paged forward and backward, with totalCount."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from tests.integration.helpers import RECORD_USAGE, api_request, create_company
from tests.integration.test_alerting_api import eventually, threshold
from tests.integration.test_billing_api import CREATE_CONTRACT, CREATE_PRODUCT, contract_input
from tests.integration.test_credits import (
    CREDIT_NOTE,
    ONE_EURO,
    PAY,
    invoices_of,
    run,
    usage,
)
from tests.integration.test_invoices import contract_for

NODE = """
query($id: ID!) {
  node(id: $id) {
    __typename
    id
    ... on Company { externalKey }
    ... on Metric { code }
    ... on Product { code }
    ... on Contract { companyId }
    ... on ReportSchedule { name }
    ... on Report { status }
    ... on Threshold { metricCode }
    ... on Alert { level }
    ... on WebhookEndpoint { url }
    ... on UsageRecord { value }
    ... on ApiKey { role }
  }
}"""
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"
CREATE_THRESHOLD = """
mutation($input: ThresholdInput!) {
  createThreshold(input: $input) { __typename ... on Threshold { id } }
}"""
CREATE_SCHEDULE = """
mutation($name: String!, $company: UUID) {
  createReportSchedule(name: $name, cron: "0 9 * * *", timeZone: "UTC",
                       criteria: {window: PREVIOUS_DAY, granularity: DAY, companyId: $company},
                       format: CSV, destination: {type: STORED}) {
    __typename ... on ReportSchedule { id }
  }
}"""
GENERATE = """
mutation($company: UUID!) {
  generateReport(criteria: {companyId: $company, from: "2026-01-01T00:00:00Z",
                            to: "2026-02-01T00:00:00Z"}, format: CSV) {
    __typename ... on Report { id }
  }
}"""
CREATE_ENDPOINT = """
mutation($company: UUID!) {
  createWebhookEndpoint(input: {companyId: $company, url: "http://127.0.0.1:9/hook",
                                events: [ALERT_RAISED]}) {
    __typename ... on CreatedWebhookEndpoint { endpoint { id } }
  }
}"""
CREATE_KEY = """
mutation($company: UUID!) {
  createApiKey(role: VIEWER, companyId: $company) { ... on IssuedApiKey { key { id } } }
}"""
ALERTS = "{ alerts { edges { node { id } } } }"
METRICS = """
query($first: Int, $after: String, $last: Int, $before: String) {
  metricsConnection(first: $first, after: $after, last: $last, before: $before) {
    totalCount
    edges { cursor node { id code } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


async def _made(api: Any, document: str, variables: dict[str, Any], *path: str) -> str:
    found: Any = await api(document, variables)
    for step in path:
        found = found[step]
    return str(found)


@pytest.fixture
async def world(admin: Any, system: Any, runtime: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """One of each Node type, in company "acme"; the global ids by type name."""
    monkeypatch.setattr(runtime, "settings", replace(runtime.settings, allow_private_webhooks=True))
    acme = await create_company(admin, "acme")
    await admin(CREATE_PRODUCT, {"code": "API", "name": "API", "metric": "API_REQUESTS"})
    contract = await _made(
        admin, CREATE_CONTRACT, {"input": contract_input(acme)}, "createContract", "id"
    )
    limit = await _made(
        admin, CREATE_THRESHOLD, {"input": threshold(companyId=acme)}, "createThreshold", "id"
    )
    recorded = await system(RECORD_USAGE, {"input": api_request(acme, "90")})
    alerts = await eventually(lambda: admin(ALERTS), lambda d: d["alerts"]["edges"])
    ids = {
        "Company": acme,
        "Contract": contract,
        "Threshold": limit,
        "UsageRecord": recorded["recordUsage"]["record"]["id"],
        "Alert": alerts["alerts"]["edges"][0]["node"]["id"],
        "ReportSchedule": await _made(
            admin,
            CREATE_SCHEDULE,
            {"name": "daily", "company": acme},
            "createReportSchedule",
            "id",
        ),
        "Report": await _made(admin, GENERATE, {"company": acme}, "generateReport", "id"),
        "WebhookEndpoint": await _made(
            admin, CREATE_ENDPOINT, {"company": acme}, "createWebhookEndpoint", "endpoint", "id"
        ),
        "ApiKey": await _made(admin, CREATE_KEY, {"company": acme}, "createApiKey", "key", "id"),
    }
    metrics = await admin("{ metricsConnection(first: 1) { edges { node { id } } } }")
    products = await admin("{ productsConnection { edges { node { id code } } } }")
    ids["Metric"] = metrics["metricsConnection"]["edges"][0]["node"]["id"]
    ids["Product"] = products["productsConnection"]["edges"][0]["node"]["id"]
    return acme, ids


def _error(response: Any) -> tuple[str, str]:
    error = response.json()["errors"][0]["extensions"]
    return error["code"], error.get("field")


async def test_every_node_type_is_found_by_its_global_id(admin: Any, world: Any) -> None:
    _, ids = world
    for kind, global_id in ids.items():
        found = (await admin(NODE, {"id": global_id}))["node"]
        assert (found["__typename"], found["id"]) == (kind, global_id)
    # a UUID-keyed node's global id is the UUID every other field and argument uses
    company = (await admin(NODE, {"id": ids["Company"]}))["node"]
    assert company["externalKey"] == "acme"
    listed = (await admin(NODES, {"ids": list(ids.values())}))["nodes"]
    assert [(n["__typename"], n["id"]) for n in listed] == list(ids.items())
    twice = [ids["Metric"], ids["Company"], ids["Metric"], ids["Product"], ids["Company"]]
    listed = (await admin(NODES, {"ids": twice}))["nodes"]
    assert [n["id"] for n in listed] == twice  # an id asked for twice is answered twice


async def test_a_node_that_does_not_exist_is_null(admin: Any, world: Any) -> None:
    _, ids = world
    unknown = "0190b1c2-0000-7000-8000-000000000000"
    assert (await admin(NODE, {"id": unknown}))["node"] is None
    gone = "TWV0cmljOm5vX3N1Y2g"  # Metric:no_such
    assert (await admin(NODE, {"id": gone}))["node"] is None
    listed = (await admin(NODES, {"ids": [ids["Company"], unknown, ids["Metric"]]}))["nodes"]
    assert [n and n["__typename"] for n in listed] == ["Company", None, "Metric"]


async def test_another_companys_node_is_null_as_one_that_does_not_exist(
    admin: Any, world: Any, scoped: Any
) -> None:
    acme, ids = world
    other = await create_company(admin, "other")
    for role in ("COMPANY_ADMIN", "VIEWER"):
        stranger = await scoped(role, other)
        for kind in ("Company", "Contract", "Threshold", "UsageRecord", "Alert", "Report"):
            answer = await stranger(NODE, {"id": ids[kind]})
            assert answer["node"] is None, (role, kind)
        answer = await stranger(NODES, {"ids": [ids["Company"], other]})
        assert [n and n["id"] for n in answer["nodes"]] == [None, other]
    for kind in ("ReportSchedule", "WebhookEndpoint", "ApiKey"):
        assert (await (await scoped("COMPANY_ADMIN", other))(NODE, {"id": ids[kind]}))[
            "node"
        ] is None
    # the owner's keys see them; the catalog (metrics, products) is every company's
    own = await scoped("COMPANY_ADMIN", acme)
    for kind in ("Company", "Contract", "UsageRecord", "Alert", "ReportSchedule", "ApiKey"):
        assert (await own(NODE, {"id": ids[kind]}))["node"]["id"] == ids[kind]
    assert (await own(NODE, {"id": ids["Metric"]}))["node"]["id"] == ids["Metric"]
    # a role that does not read a kind gets null for it, as for one that does not exist
    own_viewer = await scoped("VIEWER", acme)
    for kind in ("WebhookEndpoint", "ApiKey"):
        assert (await own_viewer(NODE, {"id": ids[kind]}))["node"] is None


async def test_a_key_that_reads_nothing_is_refused(system: Any, world: Any) -> None:
    _, ids = world
    assert _error(await system.post(NODE, {"id": ids["Company"]}))[0] == "FORBIDDEN"


@pytest.mark.parametrize(
    "bad",
    [
        "garbage",
        "not base64 !",
        "Q29tcGFueTpzb21ldGhpbmc",  # Company:something (companies are ids, not codes)
        "TWV0cmljOg",  # Metric: with no code
        "0190B1C2-0000-7000-8000-00000000000",  # a UUID one digit short
        "{0190b1c2-0000-7000-8000-000000000000}",  # a UUID, but not as this API writes one
        "x" * 600,
    ],
)
async def test_a_garbled_id_is_refused_naming_the_argument(admin: Any, bad: str) -> None:
    assert _error(await admin.post(NODE, {"id": bad})) == ("BAD_USER_INPUT", "id")
    ok = "0190b1c2-0000-7000-8000-000000000000"
    answer = await admin.post(NODES, {"ids": [ok, ok, bad]})
    assert _error(answer) == ("BAD_USER_INPUT", "ids[2]")
    assert answer.json()["data"] is None


async def test_nodes_takes_a_bounded_number_of_ids(
    admin: Any, runtime: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime, "settings", replace(runtime.settings, max_node_ids=3))
    ok = "0190b1c2-0000-7000-8000-000000000000"
    assert (await admin(NODES, {"ids": [ok] * 3}))["nodes"] == [None] * 3
    assert _error(await admin.post(NODES, {"ids": [ok] * 4})) == ("BAD_USER_INPUT", "ids")


async def _define(admin: Any, codes: list[str]) -> None:
    for code in codes:
        made = await admin(
            "mutation($input: MetricInput!) { defineMetric(input: $input) { __typename } }",
            {
                "input": {
                    "code": code,
                    "name": code,
                    "resourceType": "API_CALLS",
                    "measurementType": "COUNTER",
                    "unit": "calls",
                    "aggregation": "SUM",
                }
            },
        )
        assert made["defineMetric"]["__typename"] == "Metric"


async def test_metrics_page_forward_and_backward_with_cursors(admin: Any) -> None:
    await _define(admin, ["zz_a", "zz_b", "zz_c", "zz_d", "zz_e"])
    everything = (await admin(METRICS, {"first": 1000}))["metricsConnection"]
    codes = [e["node"]["code"] for e in everything["edges"]]
    assert codes == sorted(codes) and codes[-5:] == ["zz_a", "zz_b", "zz_c", "zz_d", "zz_e"]
    assert everything["totalCount"] == len(codes)
    assert everything["pageInfo"]["hasNextPage"] is False
    assert everything["pageInfo"]["hasPreviousPage"] is False

    # forward from the cursor of the last metric defined before these, two at a time
    start = everything["edges"][-6]["cursor"]
    seen, after, pages = [], start, []
    while True:
        page = (await admin(METRICS, {"first": 2, "after": after}))["metricsConnection"]
        pages.append(page["pageInfo"])
        seen += [e["node"]["code"] for e in page["edges"]]
        assert page["totalCount"] == len(codes)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["zz_a", "zz_b", "zz_c", "zz_d", "zz_e"]
    assert [p["hasPreviousPage"] for p in pages] == [True, True, True]
    assert pages[0]["startCursor"] == everything["edges"][-5]["cursor"]

    # backward from the end, two at a time
    seen, before = [], None
    for _ in range(2):
        page = (await admin(METRICS, {"last": 2, "before": before}))["metricsConnection"]
        assert page["pageInfo"]["hasPreviousPage"] is True
        seen = [e["node"]["code"] for e in page["edges"]] + seen
        before = page["pageInfo"]["startCursor"]
    assert seen == ["zz_b", "zz_c", "zz_d", "zz_e"]
    assert page["pageInfo"]["hasNextPage"] is True  # zz_d and zz_e follow the last page read


async def test_a_page_between_two_cursors(admin: Any) -> None:
    await _define(admin, ["zz_a", "zz_b", "zz_c", "zz_d"])
    edges = (await admin(METRICS, {"first": 1000}))["metricsConnection"]["edges"]
    cursor = {e["node"]["code"]: e["cursor"] for e in edges}
    between = await admin(
        "query($a: String, $b: String) { metricsConnection(after: $a, before: $b) {"
        " edges { node { code } } pageInfo { hasNextPage hasPreviousPage } } }",
        {"a": cursor["zz_a"], "b": cursor["zz_d"]},
    )
    page = between["metricsConnection"]
    assert [e["node"]["code"] for e in page["edges"]] == ["zz_b", "zz_c"]
    assert page["pageInfo"] == {"hasNextPage": True, "hasPreviousPage": True}


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"first": 0}, "first"),
        ({"first": 1_001}, "first"),
        ({"last": 0}, "last"),
        ({"first": 2, "last": 2}, "last"),
        ({"after": "garbage"}, "after"),
        ({"before": "garbage"}, "before"),
        ({"last": 1, "before": "x" * 2_000}, "before"),
    ],
)
async def test_bad_paging_arguments_are_refused_naming_the_argument(
    admin: Any, variables: dict[str, Any], field: str
) -> None:
    assert _error(await admin.post(METRICS, variables)) == ("BAD_USER_INPUT", field)


async def test_contracts_and_schedules_page_within_the_keys_company(
    admin: Any, scoped: Any
) -> None:
    await admin(CREATE_PRODUCT, {"code": "API", "name": "API", "metric": "API_REQUESTS"})
    acme = await create_company(admin, "acme")
    other = await create_company(admin, "other")
    made: dict[str, list[str]] = {acme: [], other: []}
    for company, n in ((acme, 3), (other, 2)):
        for i in range(n):
            contract = await admin(
                CREATE_CONTRACT,
                {
                    "input": contract_input(
                        company, externalId=f"c{i}", startDate=f"2026-0{i + 1}-01"
                    )
                },
            )
            made[company].append(contract["createContract"]["id"])
            await admin(CREATE_SCHEDULE, {"name": f"s{i}", "company": company})
    contracts = """
    query($first: Int, $after: String) {
      contractsConnection(first: $first, after: $after) {
        totalCount edges { node { id } } pageInfo { hasNextPage endCursor }
      }
    }"""
    viewer = await scoped("VIEWER", acme)
    first = (await viewer(contracts, {"first": 2}))["contractsConnection"]
    assert first["totalCount"] == 3
    rest = (await viewer(contracts, {"first": 2, "after": first["pageInfo"]["endCursor"]}))[
        "contractsConnection"
    ]
    paged = [e["node"]["id"] for e in first["edges"] + rest["edges"]]
    assert paged == made[acme]  # oldest first, and only the key's company
    assert first["pageInfo"]["hasNextPage"] and not rest["pageInfo"]["hasNextPage"]
    assert (await admin(contracts))["contractsConnection"]["totalCount"] == 5

    backward = """
    query($last: Int, $before: String) {
      contractsConnection(last: $last, before: $before) {
        totalCount edges { cursor node { id } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }"""
    every = [*made[acme], *made[other]]
    last = (await admin(backward, {"last": 2}))["contractsConnection"]
    assert [e["node"]["id"] for e in last["edges"]] == every[3:]
    assert last["pageInfo"]["hasPreviousPage"] and not last["pageInfo"]["hasNextPage"]
    before = last["pageInfo"]["startCursor"]
    earlier = (await admin(backward, {"last": 2, "before": before}))["contractsConnection"]
    assert [e["node"]["id"] for e in earlier["edges"]] == every[1:3]
    assert earlier["pageInfo"]["hasNextPage"] and earlier["pageInfo"]["hasPreviousPage"]
    first_page = await admin(backward, {"last": 2, "before": earlier["pageInfo"]["startCursor"]})
    page = first_page["contractsConnection"]
    assert [e["node"]["id"] for e in page["edges"]] == every[:1]
    assert not page["pageInfo"]["hasPreviousPage"]
    mixed = await admin.post(
        "query($c: String) { contractsConnection(first: 2, before: $c) { totalCount } }",
        {"c": before},
    )
    assert _error(mixed) == ("BAD_USER_INPUT", "before")
    mixed = await admin.post(
        "query($c: String) { contractsConnection(last: 2, after: $c) { totalCount } }",
        {"c": before},
    )
    assert _error(mixed) == ("BAD_USER_INPUT", "after")
    garbled = await admin.post(backward, {"last": 2, "before": "garbage"})
    assert _error(garbled) == ("BAD_USER_INPUT", "before")

    schedules = "{ reportSchedulesConnection(last: 2) { totalCount edges { node { name } } } }"
    mine = (await viewer(schedules))["reportSchedulesConnection"]
    assert mine["totalCount"] == 3
    assert [e["node"]["name"] for e in mine["edges"]] == ["s1", "s2"]
    assert (await admin(schedules))["reportSchedulesConnection"]["totalCount"] == 5
    forward = """
    query($after: String) {
      reportSchedulesConnection(first: 2, after: $after) {
        edges { node { name companyId } } pageInfo { hasNextPage hasPreviousPage endCursor }
      }
    }"""
    names, after, more = [], None, True
    while more:
        page = (await admin(forward, {"after": after}))["reportSchedulesConnection"]
        names += [(e["node"]["companyId"], e["node"]["name"]) for e in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        more, after = page["pageInfo"]["hasNextPage"], page["pageInfo"]["endCursor"]
    # oldest first, every company's: acme's three, then other's two
    assert names == [(acme, f"s{i}") for i in range(3)] + [(other, f"s{i}") for i in range(2)]


DELIVERIES = """
query($first: Int!, $after: String) {
  notificationDeliveriesConnection(first: $first, after: $after) {
    edges { cursor node { id recipient } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


async def test_notification_deliveries_page_with_a_cursor(
    admin: Any, system: Any, scoped: Any
) -> None:
    acme = await create_company(admin, "acme")
    other = await create_company(admin, "other")
    addresses = [f"ops{i}@acme.test" for i in range(5)]
    for company in (acme, other):
        await admin(
            "mutation($c: UUID!, $to: [String!]!) {"
            " setNotificationRecipients(companyId: $c, channel: EMAIL, addresses: $to) }",
            {"c": company, "to": addresses},
        )
        await admin(CREATE_THRESHOLD, {"input": threshold(companyId=company)})
        await system(RECORD_USAGE, {"input": api_request(company, "99")})  # both levels
    company_admin = await scoped("COMPANY_ADMIN", acme)
    everything = await eventually(
        lambda: company_admin(DELIVERIES, {"first": 100}),
        lambda d: len(d["notificationDeliveriesConnection"]["edges"]) >= 6,
    )
    expected = [e["node"]["id"] for e in everything["notificationDeliveriesConnection"]["edges"]]
    assert len(expected) == 6  # five e-mails and the WARNING in the app, acme's only
    assert expected == sorted(expected, key=int, reverse=True)

    seen, after, previous = [], None, []
    while True:
        page = (await company_admin(DELIVERIES, {"first": 4, "after": after}))[
            "notificationDeliveriesConnection"
        ]
        seen += [e["node"]["id"] for e in page["edges"]]
        previous.append(page["pageInfo"]["hasPreviousPage"])
        assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == expected
    assert previous == [False, True]
    garbled = await company_admin.post(DELIVERIES, {"first": 4, "after": "bm90LWFuLWlk"})
    assert _error(garbled) == ("BAD_USER_INPUT", "after")


LEDGER = """
query($company: UUID!) {
  company(id: $company) { creditEntries(last: 10) { id } }
  invoices(filter: {companyId: $company}) { edges { node { creditNotes { id } } } }
}"""


async def test_ledger_and_cost_nodes_are_found_within_their_company(
    admin: Any, scoped: Any, runtime: Any
) -> None:
    company, _ = await contract_for(runtime, ONE_EURO)
    await usage(runtime, company, 300)
    await run(runtime, company, 2)  # January's invoice finalized: 300.00
    (january,) = (await invoices_of(admin, company)).values()
    await admin(PAY, {"id": january["id"], "amount": "310.00"})  # 10.00 of credit
    note = {"invoiceId": january["id"], "amount": "5.00", "reason": "goodwill"}
    await admin(CREDIT_NOTE, {"input": note})
    found = await admin(LEDGER, {"company": str(company)})
    entry = found["company"]["creditEntries"][0]  # the overpayment or the note
    (credit_note,) = found["invoices"]["edges"][0]["node"]["creditNotes"]
    cost = await admin(
        "mutation($input: CostInput!) { recordCost(input: $input) { ... on CostRecord { id } } }",
        {
            "input": {
                "productCode": "API",
                "granularity": "DAILY",
                "periodStart": "2025-01-10T00:00:00Z",
                "amount": "12.00",
            }
        },
    )
    ids = {
        "CreditEntry": entry["id"],
        "CreditNote": credit_note["id"],
        "CostRecord": cost["recordCost"]["id"],
    }
    listed = (await admin(NODES, {"ids": list(ids.values())}))["nodes"]
    assert [(n["__typename"], n["id"]) for n in listed] == list(ids.items())
    own = await scoped("VIEWER", str(company))
    mine = (await own(NODES, {"ids": list(ids.values())}))["nodes"]
    # the company's ledger is its own; what a product cost is the operator's
    assert [n and n["__typename"] for n in mine] == ["CreditEntry", "CreditNote", None]
    other = await create_company(admin, "other")
    stranger = await scoped("COMPANY_ADMIN", other)
    assert (await stranger(NODES, {"ids": list(ids.values())}))["nodes"] == [None] * 3


KEYS = """
query($first: Int, $after: String, $last: Int, $before: String) {
  apiKeysConnection(first: $first, after: $after, last: $last, before: $before) {
    totalCount edges { cursor node { id companyId } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


async def test_api_keys_page_forward_and_backward_within_the_keys_company(
    admin: Any, scoped: Any
) -> None:
    acme = await create_company(admin, "acme")
    other = await create_company(admin, "other")
    for company in (acme, acme, acme, other):
        await admin(CREATE_KEY, {"company": company})
    company_admin = await scoped("COMPANY_ADMIN", acme)
    every = (await company_admin(KEYS, {"first": 100}))["apiKeysConnection"]
    mine = [e["node"]["id"] for e in every["edges"]]
    assert len(mine) == every["totalCount"] == 4  # three VIEWER keys and its own
    assert {e["node"]["companyId"] for e in every["edges"]} == {acme}

    first = (await company_admin(KEYS, {"first": 3}))["apiKeysConnection"]
    rest = await company_admin(KEYS, {"first": 3, "after": first["pageInfo"]["endCursor"]})
    rest = rest["apiKeysConnection"]
    assert [e["node"]["id"] for e in first["edges"] + rest["edges"]] == mine
    assert (first["pageInfo"]["hasNextPage"], rest["pageInfo"]["hasNextPage"]) == (True, False)

    last = (await company_admin(KEYS, {"last": 3}))["apiKeysConnection"]
    assert [e["node"]["id"] for e in last["edges"]] == mine[1:]
    before = last["pageInfo"]["startCursor"]
    earlier = (await company_admin(KEYS, {"last": 3, "before": before}))["apiKeysConnection"]
    assert [e["node"]["id"] for e in earlier["edges"]] == mine[:1]
    assert earlier["pageInfo"]["hasPreviousPage"] is False
    assert earlier["pageInfo"]["hasNextPage"] is True
    assert (await admin(KEYS))["apiKeysConnection"]["totalCount"] >= 6


THRESHOLDS = """
query($first: Int, $after: String, $last: Int, $before: String) {
  thresholdsConnection(first: $first, after: $after, last: $last, before: $before) {
    totalCount edges { node { metricCode companyId } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


async def test_thresholds_page_with_the_defaults_that_apply(admin: Any, scoped: Any) -> None:
    await _define(admin, ["zz_a", "zz_b", "zz_c"])
    acme = await create_company(admin, "acme")
    other = await create_company(admin, "other")
    for metric in ("zz_a", "zz_b", "zz_c"):
        await admin(CREATE_THRESHOLD, {"input": threshold(companyId=acme, metricCode=metric)})
    await admin(CREATE_THRESHOLD, {"input": threshold(companyId=other, metricCode="zz_a")})
    await admin(CREATE_THRESHOLD, {"input": threshold(metricCode="zz_b")})  # a default
    viewer = await scoped("VIEWER", acme)
    seen, after, more = [], None, True
    while more:
        page = (await viewer(THRESHOLDS, {"first": 2, "after": after}))["thresholdsConnection"]
        assert page["totalCount"] == 4
        seen += [(e["node"]["metricCode"], e["node"]["companyId"]) for e in page["edges"]]
        more, after = page["pageInfo"]["hasNextPage"], page["pageInfo"]["endCursor"]
    # by metric, the company's own and the default that applies, nothing of other's
    assert [m for m, _ in seen] == ["zz_a", "zz_b", "zz_b", "zz_c"]
    assert sorted(seen, key=str) == sorted(
        [("zz_a", acme), ("zz_b", acme), ("zz_b", None), ("zz_c", acme)], key=str
    )
    last = (await viewer(THRESHOLDS, {"last": 1}))["thresholdsConnection"]
    assert [e["node"]["metricCode"] for e in last["edges"]] == ["zz_c"]
    assert last["pageInfo"]["hasPreviousPage"] and not last["pageInfo"]["hasNextPage"]
    assert (await admin(THRESHOLDS))["thresholdsConnection"]["totalCount"] == 5


INVOICE_NODE = """
query($id: ID!) {
  node(id: $id) { __typename id ... on Invoice { status total contractId } }
}"""
PREVIEW_IDS = """
query($contract: UUID!) {
  previewInvoice(contractId: $contract, periodStart: "2025-02-10T00:00:00Z") {
    ... on Invoice { id status }
  }
}"""


async def test_a_stored_invoice_is_a_node_and_a_preview_names_nothing(
    admin: Any, scoped: Any, runtime: Any
) -> None:
    company, contract = await contract_for(runtime, ONE_EURO)
    await usage(runtime, company, 300)
    await run(runtime, company, 2)  # January's invoice finalized: 300.00
    (january,) = (await invoices_of(admin, company)).values()
    found = (await admin(INVOICE_NODE, {"id": january["id"]}))["node"]
    assert (found["__typename"], found["id"], found["total"]) == (
        "Invoice",
        january["id"],
        "300.00",
    )
    assert (await (await scoped("VIEWER", str(company)))(INVOICE_NODE, {"id": january["id"]}))[
        "node"
    ]["id"] == january["id"]
    other = await create_company(admin, "other")
    stranger = await scoped("COMPANY_ADMIN", other)
    assert (await stranger(INVOICE_NODE, {"id": january["id"]}))["node"] is None
    # a preview has an id of its own in every answer, and node(id:) finds nothing by it
    first = (await admin(PREVIEW_IDS, {"contract": str(contract.id)}))["previewInvoice"]
    again = (await admin(PREVIEW_IDS, {"contract": str(contract.id)}))["previewInvoice"]
    assert first["status"] == "PREVIEW" and first["id"] != again["id"]
    assert first["id"] != january["id"]
    assert (await admin(INVOICE_NODE, {"id": first["id"]}))["node"] is None
