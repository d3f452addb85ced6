"""Numbers over the API: quantities plain without trailing zeros, money in minor units,
never an exponent (thresholds, alerts, usage records, aggregates, invoices, contracts)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from metergraph.demo import load_demo
from tests.integration.helpers import RECORD_USAGE, api_request, create_company
from tests.integration.test_alerting_api import CREATE, eventually

QUANTITY = re.compile(r"^-?\d+(\.\d*[1-9])?$")
USD = re.compile(r"^-?\d+\.\d{2}$")
PRICE = re.compile(r"^-?\d+\.\d{2,}$")

ALERTS = """
query { alerts { edges { node { level levelValue usage limit } } } }"""

RECORDS = """
query($filter: UsageRecordFilter) { usageRecords(filter: $filter) { edges { node { value } } } }"""

AGGREGATE = """
query($c: AggregationCriteria!) {
  aggregateUsage(criteria: $c) {
    ... on AggregationResult { buckets { sum avg min max latest } }
  }
}"""

INVOICES = """
query {
  invoices(first: 100) {
    edges { node { currency subtotal minimumTrueUp adjustments total paidAmount
      lines { quantity freeUnitsUsed billableQuantity amount
              tiers { fromUnits upTo units unitPrice flatFee amount } } } }
  }
}"""

CONTRACTS = """
query {
  contracts { currency lateFeePercentPerMonth minimumCommitment products { price {
    unitPrice packageSize packagePrice freeUnits tiers { upTo unitPrice flatFee } } } }
}"""


def _check(value: str | None, pattern: re.Pattern[str], where: str) -> None:
    if value is not None:
        assert pattern.match(value), (where, value)
        assert "E" not in value.upper(), (where, value)


async def test_thresholds_alerts_records_and_aggregates_are_plain_quantities(
    admin: Any, system: Any
) -> None:
    acme = await create_company(admin, "acme")
    levels = [
        {"name": "WARNING", "kind": "PERCENTAGE", "value": "8E+1", "channels": ["PLATFORM"]},
        {"name": "CRITICAL", "kind": "ABSOLUTE", "value": "9.50E+3", "channels": ["PLATFORM"]},
    ]
    input = {"metricCode": "API_REQUESTS", "limit": "1E+4", "levels": levels}
    made = (await admin(CREATE, {"input": input}))["createThreshold"]
    assert made["limit"] == "10000"
    assert [lv["amount"] for lv in made["levels"]] == ["8000", "9500"]

    await system(RECORD_USAGE, {"input": api_request(acme, "8E+3")})
    await system(RECORD_USAGE, {"input": api_request(acme, "1.500000")})
    values = (await admin(RECORDS, {"filter": {"companyId": acme}}))["usageRecords"]["edges"]
    assert sorted(e["node"]["value"] for e in values) == ["1.5", "8000"]

    now = datetime.now(UTC)
    criteria = {
        "from": (now - timedelta(days=1)).isoformat(),
        "to": (now + timedelta(days=1)).isoformat(),
        "companyId": acme,
        "functions": ["SUM", "AVG", "MIN", "MAX", "LATEST"],
    }
    buckets = (await admin(AGGREGATE, {"c": criteria}))["aggregateUsage"]["buckets"]
    assert sum(Decimal(b["sum"]) for b in buckets) == Decimal("8001.5")
    for b in buckets:
        for name, value in b.items():
            _check(value, QUANTITY, name)

    alerts = await eventually(lambda: admin(ALERTS), lambda d: d["alerts"]["edges"])
    raised = [e["node"] for e in alerts["alerts"]["edges"]]
    assert raised and all(a["limit"] == "10000" for a in raised), raised
    for a in raised:
        for name in ("levelValue", "usage", "limit"):
            _check(a[name], QUANTITY, name)


async def test_demo_invoices_and_contracts_write_money_in_cents_and_quantities_plain(
    admin: Any, runtime: Any
) -> None:
    await load_demo(runtime)
    invoices = [e["node"] for e in (await admin(INVOICES))["invoices"]["edges"]]
    assert invoices and {i["currency"] for i in invoices} == {"USD"}
    for i in invoices:
        for name in ("subtotal", "minimumTrueUp", "adjustments", "total", "paidAmount"):
            _check(i[name], USD, name)
        for line in i["lines"]:
            _check(line["amount"], USD, "line amount")
            for name in ("quantity", "freeUnitsUsed", "billableQuantity"):
                _check(line[name], QUANTITY, name)
            for t in line["tiers"]:
                for name in ("fromUnits", "upTo", "units"):
                    _check(t[name], QUANTITY, name)
                for name in ("unitPrice", "flatFee", "amount"):
                    _check(t[name], PRICE, name)

    contracts = (await admin(CONTRACTS))["contracts"]
    free = {x["price"]["freeUnits"] for c in contracts for x in c["products"]}
    assert free == {"0", "100"}, free
    for c in contracts:
        _check(c["lateFeePercentPerMonth"], QUANTITY, "lateFeePercentPerMonth")
        _check(c["minimumCommitment"], USD, "minimumCommitment")
        for p in (x["price"] for x in c["products"]):
            _check(p["packageSize"], QUANTITY, "packageSize")
            _check(p["freeUnits"], QUANTITY, "freeUnits")
            for name in ("unitPrice", "packagePrice"):
                _check(p[name], PRICE, name)
            for t in p["tiers"]:
                _check(t["upTo"], QUANTITY, "upTo")
                _check(t["unitPrice"], PRICE, "tier unitPrice")
                _check(t["flatFee"], PRICE, "flatFee")
