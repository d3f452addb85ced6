"""Retention governed through the API: rules checked and set, legal holds kept."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from domain.pricing import Price, PriceModel
from services import invoicing, retention
from storage import billing
from storage.partitions import partition_name
from tests.integration.test_aggregation import draft, new_company, store
from tests.integration.test_invoices import contract_for
from tests.integration.test_retention import NOW, months_back, raw_count, totals

RULES = "{ retentionRules { metric rawDays hourlyDays dailyDays monthlyDays } }"
SET_RULE = """
mutation($m: String!, $raw: Int!, $hour: Int, $day: Int, $month: Int) {
  setRetentionRule(metric: $m, rawDays: $raw, hourlyDays: $hour, dailyDays: $day,
                   monthlyDays: $month) {
    __typename
    ... on RetentionRule { metric rawDays hourlyDays dailyDays monthlyDays }
    ... on ValidationError { field code message }
  }
}
"""
SET_HOLD = """
mutation($c: UUID!, $held: Boolean!) {
  setLegalHold(companyId: $c, held: $held) {
    __typename
    ... on LegalHold { companyId held placedAt }
    ... on ValidationError { field code message }
  }
}
"""
HOLDS = "{ legalHolds { companyId held placedAt } }"
DEFAULT = {"metric": "*", "rawDays": 30, "hourlyDays": 90, "dailyDays": 90, "monthlyDays": None}


async def seed(runtime: Any, company: UUID) -> None:
    """Three records a day, every third day, back 150 days."""
    drafts = [
        draft(company, (NOW - timedelta(days=d)).replace(hour=h, minute=15), Decimal(d))
        for d in range(1, 150, 3)
        for h in (0, 7, 23)
    ]
    await store(runtime, drafts)
    async with runtime.pool.acquire() as conn:
        await retention.roll_up(conn)


async def kept(runtime: Any, company: UUID) -> tuple[int, int, int]:
    """The company's raw records, hourly and daily rollup rows."""
    async with runtime.pool.acquire() as conn:
        return (
            await raw_count(runtime, company),
            await conn.fetchval(
                "SELECT count(*) FROM usage_rollup_hour WHERE company_id = $1", company
            ),
            await conn.fetchval(
                "SELECT count(*) FROM usage_rollup_day WHERE company_id = $1", company
            ),
        )


async def invoice_totals(runtime: Any, company: UUID) -> dict[Any, tuple[str, Decimal]]:
    await invoicing.generate_invoices(runtime, now=NOW, company_id=company)
    async with runtime.pool.acquire() as conn:
        found = await billing.list_invoices(conn, company, None, None, None, 100)
    return {i.draft.period_start: (i.status, i.draft.total) for i in found}


async def clean_up(runtime: Any) -> retention.CleanupRun:
    async with runtime.pool.acquire() as conn:
        run = await retention.clean_up(conn)
    runtime.partitions.forget()
    return run


async def test_a_held_company_keeps_its_usage_until_the_hold_is_lifted(
    runtime: Any, admin: Any
) -> None:
    one_euro = Price(PriceModel.PER_UNIT, unit_price=Decimal("1.00"))
    held, _ = await contract_for(runtime, one_euro, start_date=months_back(6).date())
    free = await new_company(runtime)
    for company in (held, free):
        await seed(runtime, company)
    invoiced = await invoice_totals(runtime, held)
    assert sum(total for _, total in invoiced.values()) > 0
    figures = await totals(runtime, held)
    before, free_before = await kept(runtime, held), await kept(runtime, free)

    placed = await admin(SET_HOLD, {"c": str(held), "held": True})
    assert placed["setLegalHold"]["held"] is True
    run = await clean_up(runtime)

    # the held company's records and rollups all stay, the month holding them too
    assert await kept(runtime, held) == before
    assert partition_name(months_back(4).date()) not in run.partitions_dropped
    after_free = await kept(runtime, free)
    assert all(a < b for a, b in zip(after_free, free_before, strict=True))
    assert await totals(runtime, held) == figures
    assert await invoice_totals(runtime, held) == invoiced

    lifted = await admin(SET_HOLD, {"c": str(held), "held": False})
    assert lifted["setLegalHold"] == {
        "__typename": "LegalHold",
        "companyId": str(held),
        "held": False,
        "placedAt": None,
    }
    run = await clean_up(runtime)

    # the first run after the lift deletes what is past the rules
    assert partition_name(months_back(4).date()) in run.partitions_dropped
    assert all(a < b for a, b in zip(await kept(runtime, held), before, strict=True))
    async with runtime.pool.acquire() as conn:
        oldest = await conn.fetchval(
            "SELECT min(ts) FROM usage_records WHERE company_id = $1", held
        )
    assert oldest >= NOW - timedelta(days=31)
    assert await totals(runtime, held) == figures
    assert await invoice_totals(runtime, held) == invoiced


async def test_a_hold_is_listed_placed_once_and_lifted(admin: Any, runtime: Any) -> None:
    company = str(await new_company(runtime))
    first = (await admin(SET_HOLD, {"c": company, "held": True}))["setLegalHold"]
    again = (await admin(SET_HOLD, {"c": company, "held": True}))["setLegalHold"]
    assert first == again and first["held"] is True and first["placedAt"]
    assert (await admin(HOLDS))["legalHolds"] == [
        {"companyId": company, "held": True, "placedAt": first["placedAt"]}
    ]
    await admin(SET_HOLD, {"c": company, "held": False})
    # lifting a hold that is not there is no error
    lifted = (await admin(SET_HOLD, {"c": company, "held": False}))["setLegalHold"]
    assert lifted["held"] is False
    assert (await admin(HOLDS))["legalHolds"] == []
    async with runtime.pool.acquire() as conn:
        actions = [
            r["action"]
            for r in await conn.fetch("SELECT action FROM audit_log ORDER BY id")
            if r["action"] == "setLegalHold"
        ]
    assert len(actions) == 4


async def test_a_hold_on_an_unknown_company_is_refused_naming_it(admin: Any) -> None:
    answer = await admin(SET_HOLD, {"c": "0190f0f0-0000-7000-8000-000000000000", "held": True})
    assert answer["setLegalHold"]["__typename"] == "ValidationError"
    assert (answer["setLegalHold"]["field"], answer["setLegalHold"]["code"]) == (
        "companyId",
        "UNKNOWN_COMPANY",
    )
    assert (await admin(HOLDS))["legalHolds"] == []


async def test_an_admin_sets_a_metric_rule_and_the_default(admin: Any, runtime: Any) -> None:
    assert (await admin(RULES))["retentionRules"] == [DEFAULT]
    rule = {"m": "API_REQUESTS", "raw": 7, "hour": 30, "day": 60, "month": None}
    answer = (await admin(SET_RULE, rule))["setRetentionRule"]
    assert answer == {
        "__typename": "RetentionRule",
        "metric": "API_REQUESTS",
        "rawDays": 7,
        "hourlyDays": 30,
        "dailyDays": 60,
        "monthlyDays": None,
    }
    # a run writes a row for every metric; those follow the default as it changes
    await clean_up(runtime)
    await admin(SET_RULE, {"m": "*", "raw": 20, "hour": 90, "day": 90, "month": None})
    listed = (await admin(RULES))["retentionRules"]
    assert [r["metric"] for r in listed] == ["*", "API_REQUESTS"]
    assert listed[0]["rawDays"] == 20
    async with runtime.pool.acquire() as conn:
        rules = await retention.rules(conn)
        audited = await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'setRetentionRule'"
        )
    assert retention.rule_for(rules, "API_REQUESTS").raw_days == 7
    assert retention.rule_for(rules, "ACTIVE_USERS").raw_days == 20
    assert audited == 2


@pytest.mark.parametrize(
    ("rule", "field", "code"),
    [
        ({"m": "NO_SUCH_METRIC", "raw": 30}, "metric", "UNKNOWN_METRIC"),
        ({"m": "*", "raw": 0, "hour": 90, "day": 90}, "rawDays", "VALUE_OUT_OF_RANGE"),
        ({"m": "*", "raw": 30, "hour": -1}, "hourlyDays", "VALUE_OUT_OF_RANGE"),
        ({"m": "*", "raw": 2_000_000_000}, "rawDays", "VALUE_OUT_OF_RANGE"),
        ({"m": "*", "raw": 30, "hour": 7, "day": 90}, "hourlyDays", "RETENTION_TOO_SHORT"),
        ({"m": "*", "raw": 30, "hour": 30, "day": 45}, "dailyDays", "RETENTION_TOO_SHORT"),
        ({"m": "*", "raw": 30, "hour": 90, "day": 60}, "dailyDays", "RETENTION_TOO_SHORT"),
        ({"m": "*", "raw": 30, "hour": None, "day": 90}, "dailyDays", "RETENTION_TOO_SHORT"),
        (
            {"m": "*", "raw": 30, "hour": 90, "day": 90, "month": 400},
            "monthlyDays",
            "RETENTION_TOO_SHORT",
        ),
    ],
)
async def test_a_rule_that_breaks_the_invariants_is_refused_naming_the_field(
    admin: Any, rule: dict[str, Any], field: str, code: str
) -> None:
    answer = (await admin(SET_RULE, rule))["setRetentionRule"]
    assert (answer["__typename"], answer["field"], answer["code"]) == (
        "ValidationError",
        field,
        code,
    )
    assert (await admin(RULES))["retentionRules"] == [DEFAULT]


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        (RULES, {}),
        (HOLDS, {}),
        (SET_RULE, {"m": "*", "raw": 30}),
        (SET_HOLD, {"c": "0190f0f0-0000-7000-8000-000000000000", "held": True}),
    ],
)
async def test_only_an_admin_governs_retention(
    scoped: Any, runtime: Any, document: str, variables: dict[str, Any]
) -> None:
    company = await new_company(runtime)
    company_admin = await scoped("COMPANY_ADMIN", company)
    body = (await company_admin.post(document, variables)).json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with runtime.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM legal_holds") == 0
