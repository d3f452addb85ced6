"""updateCompany, archiveCompany, updateMetric, archiveMetric and archiveProduct: what
each refuses once data depends on it, what archived means for writes and lists."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from typing import Any

from domain.pricing import Price, PriceModel
from services import invoicing
from tests.conftest import make_key
from tests.integration.helpers import api_request, create_company, define_seed_metrics
from tests.integration.test_aggregation import draft, store
from tests.integration.test_invoices import contract_for

ONE_EURO = Price(PriceModel.PER_UNIT, unit_price=D("1.00"))
ERROR = "... on ValidationError { field errorCode message errors { field errorCode } }"

ARCHIVE_COMPANY = f"""
mutation($input: ArchiveCompanyInput!) {{
  archiveCompany(input: $input) {{ __typename ... on Company {{ id archivedAt }} {ERROR} }}
}}"""
ARCHIVE_METRIC = f"""
mutation($input: ArchiveMetricInput!) {{
  archiveMetric(input: $input) {{ __typename ... on Metric {{ code archivedAt }} {ERROR} }}
}}"""
UPDATE_METRIC = f"""
mutation($input: UpdateMetricInput!) {{
  updateMetric(input: $input) {{
    __typename ... on Metric {{ code name description unit aggregation }} {ERROR}
  }}
}}"""
ARCHIVE_PRODUCT = f"""
mutation($input: ArchiveProductInput!) {{
  archiveProduct(input: $input) {{ __typename ... on Product {{ code archivedAt }} {ERROR} }}
}}"""
UPDATE_COMPANY = f"""
mutation($input: UpdateCompanyInput!) {{
  updateCompany(input: $input) {{
    __typename ... on Company {{ id name lateArrivalDays }} {ERROR}
  }}
}}"""
UPDATE_COMPANY_OLD = f"""
mutation($id: UUID, $input: UpdateCompanyInput!) {{
  updateCompany(id: $id, input: $input) {{ __typename ... on Company {{ id name }} {ERROR} }}
}}"""
RECORD = f"""
mutation($input: UsageRecordInput!) {{
  recordUsage(input: $input) {{ __typename {ERROR} }}
}}"""
COMPANIES = """
query($all: Boolean!) { companies(first: 100, includeArchived: $all) { edges { node { id } } } }
"""
COMPANY = "query($id: UUID!) { company(id: $id) { id name archivedAt } }"
METRICS = "query($all: Boolean!) { metrics(includeArchived: $all) { code archivedAt } }"
PRODUCTS = "query($all: Boolean!) { products(includeArchived: $all) { code archivedAt } }"
DEFINE = """
mutation($input: MetricInput!) { defineMetric(input: $input) { __typename } }
"""
CREATE_PRODUCT = f"""
mutation($code: String!, $metric: String!) {{
  createProduct(code: $code, name: $code, metricCode: $metric) {{ __typename {ERROR} }}
}}"""
THRESHOLD = f"""
mutation($input: ThresholdInput!) {{
  createThreshold(input: $input) {{ __typename ... on Threshold {{ id }} {ERROR} }}
}}"""
CREATE_CONTRACT = f"""
mutation($input: ContractInput!) {{ createContract(input: $input) {{ __typename {ERROR} }} }}
"""
AGGREGATE = """
query($c: AggregationCriteria!) {
  aggregateUsage(criteria: $c) {
    __typename ... on AggregationResult { buckets { metricCode sum } }
    ... on ValidationError { field message }
  }
}"""


async def audited(runtime: Any, action: str) -> list[str]:
    """What each audit row of ``action`` says it answered, oldest first."""
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT outcome FROM audit_log WHERE action = $1 ORDER BY id", action
        )
    return [r["outcome"].removeprefix(f"{action}:") for r in rows]


def refused(result: dict[str, Any]) -> list[tuple[str, str]]:
    assert result["__typename"] == "ValidationError", result
    return [(e["field"], e["errorCode"]) for e in result["errors"]]


async def define(admin: Any, code: str, unit: str = "calls") -> None:
    metric = {
        "code": code,
        "name": code,
        "resourceType": "API_CALLS",
        "measurementType": "COUNTER",
        "unit": unit,
        "aggregation": "SUM",
    }
    assert (await admin(DEFINE, {"input": metric}))["defineMetric"]["__typename"] == "Metric"


def watch(metric: str) -> dict[str, Any]:
    level = {"name": "WARNING", "kind": "PERCENTAGE", "value": "80", "channels": ["EMAIL"]}
    return {"metricCode": metric, "limit": "100", "levels": [level]}


def record(company: str, metric: str, unit: str = "calls") -> dict[str, Any]:
    return api_request(company, "3", metricCode=metric, unit=unit)


async def test_a_company_with_an_unpaid_invoice_or_a_contract_in_force_is_not_archived(
    admin: Any, runtime: Any
) -> None:
    active, _ = await contract_for(runtime, ONE_EURO)
    answer = (await admin(ARCHIVE_COMPANY, {"input": {"id": str(active)}}))["archiveCompany"]
    assert refused(answer) == [("id", "IN_USE")]

    owing, _ = await contract_for(runtime, ONE_EURO, end_date=date(2025, 1, 31))
    await store(runtime, [draft(owing, datetime(2025, 1, 10, tzinfo=UTC), D(40))])
    await invoicing.generate_invoices(runtime, now=datetime(2025, 2, 5, tzinfo=UTC))
    answer = (await admin(ARCHIVE_COMPANY, {"input": {"id": str(owing)}}))["archiveCompany"]
    assert refused(answer) == [("id", "UNPAID_INVOICES")]
    async with runtime.pool.acquire() as conn:
        invoice, number = await conn.fetchrow(
            "SELECT id, number FROM invoices WHERE company_id = $1", owing
        )
    assert number and answer["message"] == f"the company has unpaid invoices: {number}"
    paid = await admin(
        """mutation($id: UUID!) { recordPayment(invoiceId: $id, amount: "40.00",
             paidAt: "2025-02-10T00:00:00Z") { __typename } }""",
        {"id": str(invoice)},
    )
    assert paid["recordPayment"]["__typename"] == "Invoice"
    done = (await admin(ARCHIVE_COMPANY, {"input": {"id": str(owing)}}))["archiveCompany"]
    assert done["__typename"] == "Company" and done["archivedAt"]
    assert await audited(runtime, "archiveCompany") == [
        "ValidationError",
        "ValidationError",
        "Company",
    ]


async def test_an_archived_company_records_no_usage_and_is_listed_only_when_asked(
    admin: Any, runtime: Any
) -> None:
    kept = await create_company(admin, "kept")
    gone = await create_company(admin, "gone")
    first = (await admin(ARCHIVE_COMPANY, {"input": {"id": gone}}))["archiveCompany"]
    again = (await admin(ARCHIVE_COMPANY, {"input": {"id": gone}}))["archiveCompany"]
    assert first["archivedAt"] == again["archivedAt"]  # archiving twice changes nothing

    answer = (await admin(RECORD, {"input": api_request(gone)}))["recordUsage"]
    assert refused(answer) == [("companyId", "ARCHIVED")]
    ok = (await admin(RECORD, {"input": api_request(kept)}))["recordUsage"]
    assert ok["__typename"] == "RecordedUsage"

    def ids(found: dict[str, Any]) -> set[str]:
        return {e["node"]["id"] for e in found["companies"]["edges"]}

    assert ids(await admin(COMPANIES, {"all": False})) == {kept}
    assert ids(await admin(COMPANIES, {"all": True})) == {kept, gone}
    shown = (await admin(COMPANY, {"id": gone}))["company"]
    assert shown["archivedAt"] == first["archivedAt"]

    renamed = await admin(UPDATE_COMPANY, {"input": {"id": gone, "name": "Gone Ltd"}})
    assert renamed["updateCompany"]["name"] == "Gone Ltd"  # its details may still change

    unknown = {"input": {"id": "00000000-0000-0000-0000-000000000001"}}
    assert refused((await admin(ARCHIVE_COMPANY, unknown))["archiveCompany"]) == [
        ("id", "UNKNOWN_COMPANY")
    ]


async def test_a_metric_billed_by_a_product_or_watched_by_a_threshold_is_not_archived(
    admin: Any, runtime: Any
) -> None:
    await define(admin, "calls")
    made = await admin(CREATE_PRODUCT, {"code": "CALLS", "metric": "calls"})
    assert made["createProduct"]["__typename"] == "Product"
    threshold = await admin(THRESHOLD, {"input": watch("calls")})
    assert threshold["createThreshold"]["__typename"] == "Threshold", threshold
    answer = (await admin(ARCHIVE_METRIC, {"input": {"code": "calls"}}))["archiveMetric"]
    assert refused(answer) == [("code", "IN_USE"), ("code", "IN_USE")]
    assert answer["message"] == "products bill this metric: CALLS; archive them first"

    product = (await admin(ARCHIVE_PRODUCT, {"input": {"code": "CALLS"}}))["archiveProduct"]
    assert product["__typename"] == "Product" and product["archivedAt"]
    removed = await admin(
        "mutation($id: UUID!) { deleteThreshold(id: $id) }",
        {"id": threshold["createThreshold"]["id"]},
    )
    assert removed["deleteThreshold"] is True
    done = (await admin(ARCHIVE_METRIC, {"input": {"code": "calls"}}))["archiveMetric"]
    assert done["__typename"] == "Metric" and done["archivedAt"]
    assert await audited(runtime, "archiveMetric") == ["ValidationError", "Metric"]
    assert await audited(runtime, "archiveProduct") == ["Product"]


async def test_an_archived_metric_refuses_new_usage_products_and_thresholds_and_stays_readable(
    admin: Any,
) -> None:
    company = await create_company(admin, "acme")
    await define(admin, "calls")
    stored = (await admin(RECORD, {"input": record(company, "calls")}))["recordUsage"]
    assert stored["__typename"] == "RecordedUsage"
    assert (await admin(ARCHIVE_METRIC, {"input": {"code": "calls"}}))["archiveMetric"][
        "archivedAt"
    ]

    answer = (await admin(RECORD, {"input": record(company, "calls")}))["recordUsage"]
    assert refused(answer) == [("metricCode", "ARCHIVED")]
    product = (await admin(CREATE_PRODUCT, {"code": "CALLS", "metric": "calls"}))["createProduct"]
    assert refused(product) == [("metricCode", "ARCHIVED")]
    watched = await admin(THRESHOLD, {"input": watch("calls")})
    assert refused(watched["createThreshold"]) == [("metricCode", "ARCHIVED")]

    codes = {m["code"] for m in (await admin(METRICS, {"all": False}))["metrics"]}
    assert "calls" not in codes and "API_REQUESTS" in codes
    every = {m["code"]: m["archivedAt"] for m in (await admin(METRICS, {"all": True}))["metrics"]}
    assert every["calls"] is not None and every["API_REQUESTS"] is None

    criteria = {
        "from": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
        "to": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
        "granularity": "TOTAL",
        "metricCodes": ["calls"],
    }
    found = (await admin(AGGREGATE, {"c": criteria}))["aggregateUsage"]
    assert found.get("buckets") == [{"metricCode": "calls", "sum": "3"}]


async def test_a_metric_is_renamed_at_any_time_and_changes_meaning_only_without_usage(
    admin: Any, runtime: Any
) -> None:
    company = await create_company(admin, "acme")
    await define(admin, "calls")
    early = {"code": "calls", "unit": "requests", "aggregation": "MAX"}
    changed = (await admin(UPDATE_METRIC, {"input": early}))["updateMetric"]
    assert (changed["unit"], changed["aggregation"]) == ("requests", "MAX")

    stored = (await admin(RECORD, {"input": record(company, "calls", "requests")}))["recordUsage"]
    assert stored["__typename"] == "RecordedUsage"
    described = {"code": "calls", "name": " Calls ", "description": "API calls answered"}
    answer = (await admin(UPDATE_METRIC, {"input": described}))["updateMetric"]
    assert (answer["name"], answer["description"]) == ("Calls", "API calls answered")

    late = {"code": "calls", "unit": "calls", "aggregation": "SUM", "name": "C"}
    answer = (await admin(UPDATE_METRIC, {"input": late}))["updateMetric"]
    assert refused(answer) == [("unit", "HAS_USAGE"), ("aggregation", "HAS_USAGE")]
    same = {"code": "calls", "unit": "requests", "aggregation": "MAX"}
    assert (await admin(UPDATE_METRIC, {"input": same}))["updateMetric"]["__typename"] == "Metric"

    blank = await admin(UPDATE_METRIC, {"input": {"code": "calls", "name": " "}})
    assert refused(blank["updateMetric"]) == [("name", "REQUIRED")]
    unknown = await admin(UPDATE_METRIC, {"input": {"code": "nope", "name": "x"}})
    assert refused(unknown["updateMetric"]) == [("code", "UNKNOWN_METRIC")]
    await admin(ARCHIVE_METRIC, {"input": {"code": "calls"}})
    archived = await admin(UPDATE_METRIC, {"input": {"code": "calls", "name": "x"}})
    assert refused(archived["updateMetric"]) == [("code", "ARCHIVED")]
    V = "ValidationError"
    assert await audited(runtime, "updateMetric") == ["Metric", "Metric", V, "Metric", V, V, V]


async def test_a_product_on_a_contract_in_force_is_not_archived_and_once_archived_not_sold(
    admin: Any, runtime: Any
) -> None:
    company, contract = await contract_for(runtime, ONE_EURO)
    answer = (await admin(ARCHIVE_PRODUCT, {"input": {"code": "API"}}))["archiveProduct"]
    assert refused(answer) == [("code", "IN_USE")]
    assert str(contract.id) in answer["message"]

    ended = await admin(
        """mutation($input: EndContractInput!) { endContract(input: $input) { __typename } }""",
        {"input": {"id": str(contract.id), "endDate": "2025-01-31"}},
    )
    assert ended["endContract"]["__typename"] == "Contract", ended
    done = (await admin(ARCHIVE_PRODUCT, {"input": {"code": "API"}}))["archiveProduct"]
    assert done["__typename"] == "Product" and done["archivedAt"]

    signed = {
        "companyId": str(company),
        "currency": "EUR",
        "startDate": "2025-03-01",
        "products": [{"productCode": "API", "price": {"model": "PER_UNIT", "unitPrice": "1"}}],
    }
    answer = (await admin(CREATE_CONTRACT, {"input": signed}))["createContract"]
    assert refused(answer) == [("products[0].productCode", "ARCHIVED")]
    assert (await admin(PRODUCTS, {"all": False}))["products"] == []
    assert [p["code"] for p in (await admin(PRODUCTS, {"all": True}))["products"]] == ["API"]
    unknown = (await admin(ARCHIVE_PRODUCT, {"input": {"code": "NOPE"}}))["archiveProduct"]
    assert refused(unknown) == [("code", "UNKNOWN_PRODUCT")]


async def test_a_contract_for_an_archived_company_is_refused(admin: Any, runtime: Any) -> None:
    company, contract = await contract_for(runtime, ONE_EURO, end_date=date(2025, 1, 31))
    assert (await admin(ARCHIVE_COMPANY, {"input": {"id": str(company)}}))["archiveCompany"][
        "archivedAt"
    ]
    signed = {
        "companyId": str(company),
        "currency": "EUR",
        "startDate": "2025-03-01",
        "products": [{"productCode": "API", "price": {"model": "PER_UNIT", "unitPrice": "1"}}],
    }
    answer = (await admin(CREATE_CONTRACT, {"input": signed}))["createContract"]
    assert refused(answer) == [("companyId", "ARCHIVED")]


async def test_changes_and_archiving_are_admin_only(admin: Any, scoped: Any) -> None:
    company = await create_company(admin, "acme")
    await define(admin, "calls")
    for role in ("COMPANY_ADMIN", "VIEWER"):
        api = await scoped(role, company)
        for query, input in (
            (ARCHIVE_COMPANY, {"id": company}),
            (UPDATE_COMPANY, {"id": company, "name": "x"}),
            (ARCHIVE_METRIC, {"code": "calls"}),
            (UPDATE_METRIC, {"code": "calls", "name": "x"}),
            (ARCHIVE_PRODUCT, {"code": "calls"}),
        ):
            body = (await api.post(query, {"input": input})).json()
            assert body["data"] is None
            assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert (await admin(COMPANY, {"id": company}))["company"]["archivedAt"] is None


async def test_update_company_takes_its_id_in_input_or_in_the_deprecated_argument(
    admin: Any,
) -> None:
    company = await create_company(admin, "acme")
    new = await admin(UPDATE_COMPANY, {"input": {"id": company, "lateArrivalDays": 3}})
    assert new["updateCompany"] == {
        "__typename": "Company",
        "id": company,
        "name": "acme",
        "lateArrivalDays": 3,
    }
    old = await admin(UPDATE_COMPANY_OLD, {"id": company, "input": {"name": "Acme"}})
    assert old["updateCompany"]["name"] == "Acme"

    both = await admin(UPDATE_COMPANY_OLD, {"id": company, "input": {"id": company}})
    assert refused(both["updateCompany"]) == [("id", "FIELD_NOT_APPLICABLE")]
    neither = await admin(UPDATE_COMPANY_OLD, {"input": {"name": "x"}})
    assert refused(neither["updateCompany"]) == [("id", "REQUIRED")]
    bad = await admin(UPDATE_COMPANY, {"input": {"id": company, "name": "", "lateArrivalDays": -1}})
    assert refused(bad["updateCompany"]) == [
        ("name", "REQUIRED"),
        ("lateArrivalDays", "INVALID_FORMAT"),
    ]


# README, "GraphQL API", "Errors"
README_EXAMPLE = """
mutation {
  archiveMetric(input: {code: "sms_delivered"}) {
    __typename
    ... on Metric { code archivedAt }
    ... on ValidationError { field errorCode message }
  }
}"""


async def test_the_errors_example_of_the_readme_holds(admin: Any, scoped: Any) -> None:
    await define_seed_metrics(admin)
    made = await admin(CREATE_PRODUCT, {"code": "SMS_001", "metric": "sms_delivered"})
    assert made["createProduct"]["__typename"] == "Product"
    assert await admin(README_EXAMPLE) == {
        "archiveMetric": {
            "__typename": "ValidationError",
            "field": "code",
            "errorCode": "IN_USE",
            "message": "products bill this metric: SMS_001; archive them first",
        }
    }
    viewer = await scoped("VIEWER", await create_company(admin, "acme"))
    body = (await viewer.post(README_EXAMPLE)).json()
    assert body["data"] is None
    [error] = body["errors"]
    assert (error["message"], error["path"], error["extensions"]) == (
        "this operation needs one of the roles ADMIN",
        ["archiveMetric"],
        {"code": "FORBIDDEN"},
    )


AMEND = f"""
mutation($input: AmendContractInput!) {{ amendContract(input: $input) {{ __typename {ERROR} }} }}
"""


async def test_an_archived_product_is_not_added_to_a_contract_in_force(
    admin: Any, runtime: Any
) -> None:
    made = await admin(CREATE_PRODUCT, {"code": "OLD", "metric": "API_REQUESTS"})
    assert made["createProduct"]["__typename"] == "Product"
    archived = (await admin(ARCHIVE_PRODUCT, {"input": {"code": "OLD"}}))["archiveProduct"]
    assert archived["archivedAt"]
    _, contract = await contract_for(runtime, ONE_EURO)
    price = {"model": "PER_UNIT", "unitPrice": "2"}
    amendment = {
        "id": str(contract.id),
        "effectiveFrom": "2025-03-01T00:00:00Z",
        "changes": {"prices": [{"productCode": "OLD", "price": price}]},
    }
    answer = (await admin(AMEND, {"input": amendment}))["amendContract"]
    assert refused(answer) == [("changes.prices[0].productCode", "ARCHIVED")]
    amendment["changes"] = {"prices": [{"productCode": "API", "price": price}]}
    repriced = (await admin(AMEND, {"input": amendment}))["amendContract"]
    assert repriced["__typename"] == "Contract"


async def test_an_import_refuses_the_lines_of_an_archived_metric_or_company(
    admin: Any, http: Any, runtime: Any
) -> None:
    kept = await create_company(admin, "kept")
    gone = await create_company(admin, "gone")
    await define(admin, "calls")
    await admin(ARCHIVE_METRIC, {"input": {"code": "calls"}})
    await admin(ARCHIVE_COMPANY, {"input": {"id": gone}})
    lines = [
        record(kept, "calls") | {"idempotencyKey": "i1"},
        api_request(gone, idempotencyKey="i2"),
        api_request(kept, idempotencyKey="i3"),
    ]
    response = await http.post(
        "/v1/usage-records:import",
        content="\n".join(json.dumps(line) for line in lines).encode(),
        headers={
            "Authorization": f"Bearer {await make_key(runtime, 'ADMIN')}",
            "Content-Type": "application/x-ndjson",
        },
    )
    report = response.json()
    assert (report["accepted"], report["rejected"]) == (1, 2), report
    assert [(e["line"], e["field"], e["code"]) for e in report["errors"]] == [
        (1, "metricCode", "ARCHIVED"),
        (2, "companyId", "ARCHIVED"),
    ]
