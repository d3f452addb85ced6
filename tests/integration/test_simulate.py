"""``metergraph simulate``, run as a real process against the test database."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from domain.simulation import SMSWORLD, SimulationPlan, simulate, simulated_metrics
from metergraph.simulation import prices_by_metric, smsworld_catalog
from tests.integration.test_cli_commands import cli

ARGS = ("simulate", "--customers", "3", "--months", "12", "--seed", "11", "--start", "2024-01")


def expected() -> Any:
    plan = SimulationPlan(
        seed=11,
        customers=3,
        months=12,
        start=date(2024, 1, 1),
        metrics=tuple(simulated_metrics(SMSWORLD)),
        prices=prices_by_metric(smsworld_catalog()),
    )
    return simulate(plan)


async def stored_totals(runtime: Any) -> dict[tuple[str, str, int], Decimal]:
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT c.external_key, r.metric_code, date_trunc('month', r.ts AT TIME ZONE 'UTC')"
            " AS month, sum(r.value) AS total, count(*) AS records"
            " FROM usage_records r JOIN companies c ON c.id = r.company_id"
            " WHERE c.external_key LIKE 'sim-11-%' GROUP BY 1, 2, 3"
        )
    return {
        (
            r["external_key"],
            r["metric_code"],
            (r["month"].year - 2024) * 12 + r["month"].month - 1,
        ): r["total"]
        for r in rows
    }


async def test_simulate_stores_the_seeds_usage_through_the_ingest_and_a_rerun_adds_nothing(
    database: str, runtime: Any
) -> None:
    simulation = expected()
    copies = sum(r.duplicate for r in simulation.records)
    unique = len(simulation.records) - copies
    assert copies and any(r.late for r in simulation.records) and simulation.edges

    first = cli(database, *ARGS)
    assert first.returncode == 0, first.stderr
    assert f"accepted {unique}, duplicates {copies}, rejected 0" in first.stdout
    assert "companies: 3 (3 created), contracts created: 3" in first.stdout
    assert "record" in first.stderr and "100%" in first.stderr  # the progress bar
    keys = {c.index: c.external_key for c in simulation.customers}
    want = {
        (keys[c], metric, month): total
        for (c, metric, month), total in simulation.totals.items()
        if total
    }
    assert await stored_totals(runtime) == want
    async with runtime.pool.acquire() as conn:
        actions = await conn.fetch("SELECT action, role, count(*) FROM audit_log GROUP BY 1, 2")
    made = {(r["action"], r["role"]): r["count"] for r in actions}
    assert made[("createCompany", "CLI")] == 3 and made[("createContract", "CLI")] == 3
    assert made[("simulateUsage", "CLI")] >= 12  # a batch a month at least
    for edge in simulation.edges:
        line = f"tier edge: {keys[edge.customer]} {edge.metric_code}"
        assert line in first.stdout

    again = cli(database, *ARGS)
    assert again.returncode == 0, again.stderr
    sent = len(simulation.records)
    assert f"accepted 0, duplicates {sent}, rejected 0" in again.stdout
    assert "companies: 3 (0 created), contracts created: 0" in again.stdout
    assert await stored_totals(runtime) == want


async def test_simulated_customers_are_invoiced_by_their_contracts(
    database: str, runtime: Any
) -> None:
    done = cli(database, *ARGS, "--no-progress", "--by-customer")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "sim-11-0002\t2024-12\t" in done.stdout
    invoiced = cli(database, "jobs", "run", "generate-invoices")
    assert invoiced.returncode == 0, invoiced.stderr
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT c.external_key, i.period_start, i.total, i.minimum_true_up, i.lines"
            " FROM invoices i JOIN companies c ON c.id = i.company_id"
            " WHERE c.external_key LIKE 'sim-11-%'"
        )
    per_company = Counter(r["external_key"] for r in rows)
    assert per_company == {"sim-11-0001": 12, "sim-11-0002": 12, "sim-11-0003": 12}
    simulation = expected()
    # the campaign customer's silent month is billed its minimum commitment
    (silent,) = {m for c, _, m in simulation.zeros if c == 1}
    campaign = {
        r["period_start"].astimezone(UTC).month - 1: r
        for r in rows
        if r["external_key"] == "sim-11-0002"
    }
    assert campaign[silent]["total"] == Decimal("100.00")
    assert campaign[silent]["minimum_true_up"] == Decimal("100.00")
    # a month simulated at a tier's end is invoiced at exactly that quantity
    assert simulation.edges
    for edge in simulation.edges:
        key = simulation.customers[edge.customer].external_key
        (invoice,) = [
            r
            for r in rows
            if r["external_key"] == key
            and r["period_start"].astimezone(UTC).month == edge.month + 1
        ]
        lines = invoice["lines"]
        billed = [
            Decimal(line["quantity"]) for line in lines if line["metricCode"] == edge.metric_code
        ]
        assert billed == [edge.total]


def test_simulate_refuses_bad_options_naming_them(database: str) -> None:
    bad = cli(database, "simulate", "--customers", "0", "--metrics", "nope", "--no-progress")
    assert bad.returncode != 0
    assert "--customers" in bad.stderr and "--metrics" in bad.stderr
    assert "Traceback" not in bad.stderr
    month = cli(database, "simulate", "--start", "2024-13")
    assert month.returncode != 0 and "--start" in month.stderr
    future = datetime.now(UTC).strftime("%Y-%m")
    unfinished = cli(database, "simulate", "--start", future)
    assert unfinished.returncode != 0 and "has not ended" in unfinished.stderr
