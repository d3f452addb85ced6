"""Amounts in different currencies are never added: allocation totals, per customer,
profitability and the reports; each currency split in its own minor units."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx

from tests.integration.helpers import create_company
from tests.integration.test_billing_api import (  # noqa: F401 (the fixture)
    CREATE_CONTRACT,
    contract_input,
    product,
)
from tests.integration.test_cost_allocation import (  # noqa: F401 (the fixture)
    RECORD_COST,
    telemetry,
)
from tests.integration.test_reports import demo, report_file  # noqa: F401
from tests.unit.test_report_pdf import pages_text

ALLOCATE = """
query($g: AllocationGranularity!, $from: DateTime!, $to: DateTime!) {
  allocateCost(granularity: $g, from: $from, to: $to) {
    ... on CostAllocation {
      totals { currency amount unallocated }
      totalCost unallocated
      customers { companyKey currency amount }
      shares { companyKey currency amount }
    }
  }
}
"""
DAY = {"from": "2024-02-08T00:00:00Z", "to": "2024-02-09T00:00:00Z"}


async def record(admin: Any, code: str, hour: str, amount: str, currency: str) -> None:
    cost = {
        "productCode": code,
        "granularity": "HOURLY",
        "periodStart": f"2024-02-08T{hour}:00:00Z",
        "amount": amount,
        "currency": currency,
    }
    data = await admin(RECORD_COST, {"input": cost})
    assert data["recordCost"]["__typename"] == "CostRecord", data


async def test_one_currency_keeps_its_single_total(admin: Any, telemetry: str) -> None:  # noqa: F811
    result = (await admin(ALLOCATE, {"g": "DAILY", **DAY}))["allocateCost"]
    assert result["totals"] == [{"currency": "USD", "amount": "300.00", "unallocated": "0.00"}]
    assert (result["totalCost"], result["unallocated"]) == ("300.00", "0.00")


async def test_usd_and_eur_costs_give_two_totals_never_one_sum(
    admin: Any,
    telemetry: str,  # noqa: F811
) -> None:
    # Product A also cost EUR 50.00 and JPY 1201 that day, split by the day's usage.
    await record(admin, "product A", "01", "50.00", "EUR")
    await record(admin, "product A", "05", "1201", "JPY")
    result = (await admin(ALLOCATE, {"g": "DAILY", **DAY}))["allocateCost"]
    assert result["totals"] == [
        {"currency": "EUR", "amount": "50.00", "unallocated": "0.00"},
        {"currency": "JPY", "amount": "1201", "unallocated": "0"},
        {"currency": "USD", "amount": "300.00", "unallocated": "0.00"},
    ]
    # No single figure can be right any more: never 1551.00.
    assert (result["totalCost"], result["unallocated"]) == (None, None)
    three = [c for c in result["customers"] if c["companyKey"] == "customer 3"]
    assert sorted((c["currency"], c["amount"]) for c in three) == [
        ("EUR", "10.00"),
        ("JPY", "240"),
        ("USD", "60.00"),
    ]
    jpy = [s["amount"] for s in result["shares"] if s["currency"] == "JPY"]
    assert sum(int(a) for a in jpy) == 1201  # whole yen, the yen left over to a remainder
    for share in result["shares"]:
        places = 0 if share["currency"] == "JPY" else 2
        assert len(share["amount"].partition(".")[2]) == places, share


async def test_a_cost_finer_than_its_currencys_minor_unit_is_refused(
    admin: Any,
    telemetry: str,  # noqa: F811
) -> None:
    cost = {
        "productCode": "product A",
        "granularity": "DAILY",
        "periodStart": "2024-02-09T00:00:00Z",
        "amount": "12.50",
        "currency": "JPY",
    }
    result = (await admin(RECORD_COST, {"input": cost}))["recordCost"]
    assert (result["__typename"], result["field"], result["code"]) == (
        "ValidationError",
        "amount",
        "INVALID_FORMAT",
    )
    assert "JPY" in result["message"]


PROFITABILITY = """
query($from: DateTime!, $to: DateTime!) {
  profitability(from: $from, to: $to) {
    ... on Profitability { rows { companyKey currency revenue cost profit marginPercent } }
  }
}
"""
JANUARY = {"from": "2024-01-01T00:00:00Z", "to": "2024-02-01T00:00:00Z"}


async def test_reports_and_profitability_keep_usd_and_eur_apart(
    admin: Any,
    http: httpx.AsyncClient,
    demo: dict[str, str],  # noqa: F811
) -> None:
    # 2024-01-05: customer_a sent 150 SMS, customer_c 200: USD 35.00 splits 15.00 / 20.00;
    # the same day also cost EUR 7.00 (3.00 / 4.00), billed to nobody in EUR.
    for day, amount, currency in (("05", "35.00", "USD"), ("05", "7.00", "EUR")):
        cost = {
            "productCode": "SMS_001",
            "granularity": "HOURLY",
            "periodStart": f"2024-01-{day}T{'00' if currency == 'USD' else '01'}:00:00Z",
            "amount": amount,
            "currency": currency,
        }
        assert (await admin(RECORD_COST, {"input": cost}))["recordCost"]["__typename"] == (
            "CostRecord"
        )
    rows = (await admin(PROFITABILITY, JANUARY))["profitability"]["rows"]
    a_rows = {r["currency"]: r for r in rows if r["companyKey"] == "customer_a"}
    assert (a_rows["USD"]["revenue"], a_rows["USD"]["cost"]) == ("2035.00", "15.00")
    assert (a_rows["EUR"]["revenue"], a_rows["EUR"]["cost"]) == ("0.00", "3.00")
    assert a_rows["EUR"]["profit"] == "-3.00" and a_rows["EUR"]["marginPercent"] is None

    allocation = {"kind": "COST_ALLOCATION", **JANUARY}
    body = json.loads(await report_file(admin, http, allocation, "JSON"))
    assert body["totals"] == [
        {"currency": "EUR", "totalCost": "7.00", "unallocated": "0.00"},
        {"currency": "USD", "totalCost": "35.00", "unallocated": "0.00"},
    ]
    pdf = await report_file(admin, http, allocation, "PDF")
    text = " ".join(pages_text(pdf)).replace("\r\n", " ")
    assert "7.00 EUR; 35.00 USD" in text and "15.00 USD" in text and "3.00 EUR" in text
    profit_pdf = await report_file(admin, http, {"kind": "PROFITABILITY", **JANUARY}, "PDF")
    profit_text = " ".join(pages_text(profit_pdf))
    assert "2,035.00 USD" in profit_text and "-3.00 EUR" in profit_text
    report = await report_file(admin, http, {"kind": "PROFITABILITY", **JANUARY}, "CSV")
    lines = list(csv.DictReader(io.StringIO(report.decode())))
    assert {(r["company"], r["currency"], r["cost"]) for r in lines} >= {
        ("customer_a", "USD", "15.00"),
        ("customer_a", "EUR", "3.00"),
    }


async def test_a_contract_in_a_currency_without_cents_is_refused_naming_it(
    admin: Any,
    product: str,  # noqa: F811
) -> None:
    company = await create_company(admin, "acme")
    for currency, typename in (("JPY", "ValidationError"), ("KWD", "Contract")):
        made = await admin(CREATE_CONTRACT, {"input": contract_input(company, currency=currency)})
        assert made["createContract"]["__typename"] == typename, made
    refused = (await admin(CREATE_CONTRACT, {"input": contract_input(company, currency="JPY")}))[
        "createContract"
    ]
    assert ("currency", "OUT_OF_RANGE") in [(e["field"], e["code"]) for e in refused["errors"]]
    assert "JPY has 0 decimal places" in refused["message"]
