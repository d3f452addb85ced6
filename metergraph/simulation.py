"""``metergraph simulate``: the SMSWorld catalog and prices, and the summary printed.

The simulated customers take the seed customers' contracts by segment (a
steady customer customer A's prices, a campaign customer customer B's with
its minimum, a startup customer C's), so their usage can be invoiced like the
demo's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal

from domain.pricing import Price
from domain.simulation import Simulation
from metergraph import demo
from services.simulation import SimulatedProduct, SimulationCatalog, SimulationLoad

# segment → the seed customer whose contract it takes
SEGMENT_CUSTOMERS = {"steady": "customer_a", "campaign": "customer_b", "startup": "customer_c"}


def smsworld_catalog() -> SimulationCatalog:
    scenario = demo.scenario()
    return SimulationCatalog(
        metrics=tuple(scenario.metrics),
        products=tuple(SimulatedProduct(*p) for p in demo.PRODUCTS),
        prices={s: demo.PRICES[c] for s, c in SEGMENT_CUSTOMERS.items()},
        minimums={s: demo.MINIMUMS[c] for s, c in SEGMENT_CUSTOMERS.items() if c in demo.MINIMUMS},
    )


def prices_by_metric(catalog: SimulationCatalog) -> dict[str, Mapping[str, Price]]:
    """Segment → metric code → price: what the tier edges are placed against."""
    metric_of = {p.code: p.metric_code for p in catalog.products}
    return {
        segment: {metric_of[code]: price for code, price in prices.items()}
        for segment, prices in catalog.prices.items()
    }


def summary(simulation: Simulation, load: SimulationLoad, by_customer: bool = False) -> list[str]:
    """The lines ``metergraph simulate`` ends with (each customer's months too, if asked)."""
    records = simulation.records
    lines = [
        f"companies: {len(simulation.customers)} ({load.companies_created} created),"
        f" contracts created: {load.contracts_created}",
        f"records sent {load.sent}: accepted {load.accepted}, duplicates {load.duplicates},"
        f" rejected {load.rejected}",
        f"late records: {sum(r.late and not r.duplicate for r in records)} sent after their"
        f" month, {load.late_accepted} accepted now",
        f"bursts: {sum(r.burst and not r.duplicate for r in records)} records;"
        f" sent twice: {sum(r.duplicate for r in records)}",
    ]
    lines += [f"  {error}" for error in load.errors]
    keys = {c.index: c.external_key for c in simulation.customers}
    for edge in simulation.edges:
        at = simulation.month_start(edge.month)
        lines.append(
            f"tier edge: {keys[edge.customer]} {edge.metric_code} {at:%Y-%m} = {edge.total}"
        )
    quiet = defaultdict(list)
    for customer, metric, month in simulation.zeros:
        quiet[(customer, month)].append(metric)
    for (customer, month), metrics in quiet.items():
        when = simulation.month_start(month)
        lines.append(f"zero month: {keys[customer]} {when:%Y-%m} ({', '.join(metrics)})")
    lines += _monthly_totals(simulation, None)
    if by_customer:
        for person in simulation.customers:
            lines += _monthly_totals(simulation, person.index)
    return lines


def _monthly_totals(simulation: Simulation, customer: int | None) -> list[str]:
    """A table: each month's total of each metric, of one customer or of them all."""
    metrics = list(simulation.plan.metrics)
    sums: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for (index, metric, month), total in simulation.totals.items():
        if customer in (None, index):
            sums[(month, metric)] += total
    key = "all" if customer is None else simulation.customers[customer].external_key
    lines = ["customer\tmonth\t" + "\t".join(metrics)]
    for month in range(simulation.plan.months):
        figures = "\t".join(str(sums[(month, m)]) for m in metrics)
        lines.append(f"{key}\t{simulation.month_start(month):%Y-%m}\t{figures}")
    return lines
