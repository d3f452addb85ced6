"""Cost records, telemetry import and cost allocation (allocation-telemetry-data.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.conftest import FIXTURES, make_key

TELEMETRY = FIXTURES / "allocation-telemetry-data.csv"
D = Decimal

DEFINE = """
mutation($code: String!, $product: String!) {
  defineMetric(input: {code: $code, name: $code, resourceType: API_CALLS,
                       measurementType: COUNTER, unit: "units", aggregation: SUM}) { __typename }
  createProduct(code: $product, name: $product, metricCode: $code) {
    __typename ... on ValidationError { field code message }
  }
}
"""
RECORD_COST = """
mutation($input: CostInput!) {
  recordCost(input: $input) {
    __typename
    ... on CostRecord { productCode periodStart periodEnd amount replaced }
    ... on ValidationError { field code message }
  }
}
"""
ALLOCATE = """
query($product: String, $g: AllocationGranularity!, $from: DateTime!, $to: DateTime!) {
  allocateCost(product: $product, granularity: $g, from: $from, to: $to) {
    __typename
    ... on CostAllocation {
      totalCost unallocated
      shares { productCode periodStart periodEnd companyKey usage totalUsage sharePercent amount }
      customers { companyKey amount currency }
    }
    ... on ValidationError { field code message }
  }
}
"""
DAY = {"from": "2024-02-08T00:00:00Z", "to": "2024-02-09T00:00:00Z"}


async def import_telemetry(http: httpx.AsyncClient, key: str, body: bytes) -> dict[str, Any]:
    response = await http.post(
        "/v1/usage-records:import?backfill=true&createCompanies=true",
        content=body,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture
async def telemetry(admin: Any, http: httpx.AsyncClient, runtime: Any) -> str:
    for code, product in (("PRODUCT_A_UNITS", "product A"), ("PRODUCT_B_UNITS", "product B")):
        data = await admin(DEFINE, {"code": code, "product": product})
        assert data["createProduct"]["__typename"] == "Product", data
    key = await make_key(runtime, "ADMIN")
    summary = await import_telemetry(http, key, TELEMETRY.read_bytes())
    assert (summary["accepted"], summary["rejected"]) == (10, 0), summary
    for product, hour, amount in (("product A", "00", "200.00"), ("product B", "01", "100.00")):
        data = await admin(
            RECORD_COST,
            {
                "input": {
                    "productCode": product,
                    "granularity": "HOURLY",
                    "periodStart": f"2024-02-08T{hour}:00:00Z",
                    "amount": amount,
                }
            },
        )
        assert data["recordCost"]["__typename"] == "CostRecord", data
    return key


async def test_hourly_allocation_of_the_seed(admin: Any, telemetry: str) -> None:
    data = await admin(ALLOCATE, {"g": "HOURLY", **DAY})
    result = data["allocateCost"]
    by = {(s["productCode"], s["companyKey"]): s for s in result["shares"]}
    assert D(by[("product A", "customer 3")]["amount"]) == D("40.00")
    assert D(by[("product A", "customer 3")]["sharePercent"]) == D("20.00")
    assert D(by[("product B", "customer 3")]["amount"]) == D("20.00")
    assert by[("product A", "customer 3")]["periodStart"] == "2024-02-08T00:00:00+00:00"
    assert D(by[("product A", "customer 4")]["amount"]) == D("60.00")
    assert D(result["totalCost"]) == D("300.00") and D(result["unallocated"]) == 0
    per_product: dict[str, Decimal] = {}
    for s in result["shares"]:
        per_product[s["productCode"]] = per_product.get(s["productCode"], D(0)) + D(s["amount"])
    assert per_product == {"product A": D("200.00"), "product B": D("100.00")}


async def test_daily_allocation_of_both_products(admin: Any, telemetry: str) -> None:
    data = await admin(ALLOCATE, {"g": "DAILY", **DAY})
    customers = {c["companyKey"]: D(c["amount"]) for c in data["allocateCost"]["customers"]}
    assert customers["customer 3"] == D("60.00")
    assert sum(customers.values()) == D("300.00")
    only_a = await admin(ALLOCATE, {"g": "DAILY", "product": "product A", **DAY})
    shares = only_a["allocateCost"]["shares"]
    assert {s["productCode"] for s in shares} == {"product A"}
    assert sum(D(s["amount"]) for s in shares) == D("200.00")


async def test_uneven_shares_add_up_and_unused_cost_is_unallocated(
    admin: Any, telemetry: str
) -> None:
    # 7 cents between usages of 10, 10, 20, 30, 30: no even split exists.
    await admin(
        RECORD_COST,
        {
            "input": {
                "productCode": "product A",
                "granularity": "HOURLY",
                "periodStart": "2024-02-08T00:00:00Z",
                "amount": "0.07",
            }
        },
    )
    # Nobody used product B at 05:00.
    await admin(
        RECORD_COST,
        {
            "input": {
                "productCode": "product B",
                "granularity": "HOURLY",
                "periodStart": "2024-02-08T05:00:00Z",
                "amount": "12.34",
            }
        },
    )
    data = await admin(ALLOCATE, {"g": "HOURLY", **DAY})
    result = data["allocateCost"]
    a_shares = [s for s in result["shares"] if s["productCode"] == "product A"]
    assert sum(D(s["amount"]) for s in a_shares) == D("0.07")
    assert all(D(s["amount"]) in (D("0.00"), D("0.01"), D("0.02"), D("0.03")) for s in a_shares)
    assert D(result["unallocated"]) == D("12.34")
    (lone,) = [s for s in result["shares"] if s["companyKey"] is None]
    assert lone["periodStart"] == "2024-02-08T05:00:00+00:00" and D(lone["totalUsage"]) == 0


async def test_restating_a_cost_replaces_it(admin: Any, telemetry: str) -> None:
    again = await admin(
        RECORD_COST,
        {
            "input": {
                "productCode": "product A",
                "granularity": "HOURLY",
                "periodStart": "2024-02-08T00:00:00Z",
                "amount": "250.00",
            }
        },
    )
    assert again["recordCost"]["replaced"] is True
    data = await admin(ALLOCATE, {"g": "HOURLY", "product": "product A", **DAY})
    assert sum(D(s["amount"]) for s in data["allocateCost"]["shares"]) == D("250.00")


async def test_the_telemetry_file_twice_is_stored_once(
    http: httpx.AsyncClient, telemetry: str
) -> None:
    summary = await import_telemetry(http, telemetry, TELEMETRY.read_bytes())
    assert (summary["accepted"], summary["duplicates"]) == (0, 10)


async def test_bad_telemetry_lines_are_named(http: httpx.AsyncClient, telemetry: str) -> None:
    body = (
        b"timestamp,unit_value,filter_dimension,filter_dimension_group,element_id\n"
        b"2024-02-08 02:00:00+00:00,5,product,product C,customer 1\n"
        b"2024-02-08 02:00:00+00:00,lots,product,product A,customer 1\n"
        b"2024-02-08 02:00:00+00:00,5,region,product A,customer 1\n"
        b"not a time,5,product,product A,customer 1\n"
        b"2024-02-08 02:00:00+00:00,5,product,product A,customer 6\n"
    )
    summary = await import_telemetry(http, telemetry, body)
    errors = {(e["line"], e["field"], e["code"]) for e in summary["errors"]}
    assert errors == {
        (2, "filter_dimension_group", "UNKNOWN_PRODUCT"),
        (3, "unit_value", "INVALID_FORMAT"),
        (4, "filter_dimension", "INVALID_FORMAT"),
        (5, "timestamp", "INVALID_FORMAT"),
    }
    assert summary["accepted"] == 1 and summary["companiesCreated"] == ["customer 6"]


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"productCode": "product Z"}, "productCode", "UNKNOWN_PRODUCT"),
        ({"periodStart": "2024-02-08T00:30:00Z"}, "periodStart", "INVALID_FORMAT"),
        ({"periodStart": "2024-02-08T00:00:00"}, "periodStart", "TIMESTAMP_WITHOUT_OFFSET"),
        ({"amount": "-1.00"}, "amount", "OUT_OF_RANGE"),
        ({"amount": "1.005"}, "amount", "INVALID_FORMAT"),
        ({"currency": "usd"}, "currency", "INVALID_FORMAT"),
    ],
)
async def test_bad_costs_get_typed_errors(
    admin: Any, telemetry: str, change: dict[str, str], field: str, code: str
) -> None:
    cost = {
        "productCode": "product A",
        "granularity": "HOURLY",
        "periodStart": "2024-02-08T00:00:00Z",
        "amount": "1.00",
    }
    data = await admin(RECORD_COST, {"input": {**cost, **change}})
    assert data["recordCost"] == {
        "__typename": "ValidationError",
        "field": field,
        "code": code,
        "message": data["recordCost"]["message"],
    }


async def test_costs_from_a_csv_file(http: httpx.AsyncClient, admin: Any, telemetry: str) -> None:
    body = (
        b"product_code,granularity,period_start,amount,currency\n"
        b"product A,DAILY,2024-02-09T00:00:00Z,10.00,USD\n"
        b"product A,DAILY,2024-02-09T06:00:00Z,10.00,USD\n"
        b"product Q,HOURLY,2024-02-09T00:00:00Z,1.00,USD\n"
    )
    response = await http.post(
        "/v1/costs:import",
        content=body,
        headers={"Authorization": f"Bearer {telemetry}", "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["accepted"] == 1
    assert [(e["line"], e["field"]) for e in summary["errors"]] == [
        (3, "periodStart"),
        (4, "productCode"),
    ]
    # Nobody used product A on the 9th: the day's cost stays unallocated.
    data = await admin(
        ALLOCATE, {"g": "DAILY", "from": "2024-02-09T00:00:00Z", "to": "2024-02-10T00:00:00Z"}
    )
    assert D(data["allocateCost"]["unallocated"]) == D("10.00")


async def test_allocation_is_for_admins(
    scoped: Any, admin: Any, telemetry: str, http: httpx.AsyncClient
) -> None:
    companies = await admin("{ companies(first: 10) { edges { node { id externalKey } } } }")
    company = companies["companies"]["edges"][0]["node"]["id"]
    viewer = await scoped("COMPANY_ADMIN", company)
    response = await viewer.post(ALLOCATE, {"g": "DAILY", **DAY})
    body = response.json()
    assert body["data"] is None or body["data"]["allocateCost"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    refused = await http.post(
        "/v1/costs:import",
        content=b"product_code,granularity,period_start,amount,currency\n",
        headers={"Authorization": f"Bearer {viewer.key}"},
    )
    assert refused.status_code == 403


async def test_a_daily_cost_in_an_hourly_window_is_split_by_the_whole_day(
    admin: Any, telemetry: str
) -> None:
    await admin(
        RECORD_COST,
        {
            "input": {
                "productCode": "product A",
                "granularity": "DAILY",
                "periodStart": "2024-02-08T00:00:00Z",
                "amount": "10.00",
            }
        },
    )
    # usage after noon counts for the day's cost even when the window ends at noon
    await admin(
        RECORD_COST,
        {
            "input": {
                "productCode": "product B",
                "granularity": "DAILY",
                "periodStart": "2024-02-08T00:00:00Z",
                "amount": "7.00",
            }
        },
    )
    window = {"from": "2024-02-08T00:00:00Z", "to": "2024-02-08T01:00:00Z"}
    data = await admin(ALLOCATE, {"g": "HOURLY", **window})
    result = data["allocateCost"]
    daily = [s for s in result["shares"] if s["periodEnd"] == "2024-02-09T00:00:00+00:00"]
    assert sum(D(s["amount"]) for s in daily) == D("17.00")
    b_shares = {s["companyKey"]: D(s["amount"]) for s in daily if s["productCode"] == "product B"}
    assert b_shares["customer 3"] == D("1.40")  # 20 % of product B's day, used at 01:00
    assert D(result["unallocated"]) == 0
