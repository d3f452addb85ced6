"""The usage simulation: the same seed, the same records; the guide's features present."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from domain.pricing import Price, PriceModel, Tier, TierBasis
from domain.simulation import (
    SMSWORLD,
    SimulationPlan,
    add_months,
    parse_month,
    plan_errors,
    simulate,
    simulated_metrics,
    tier_edges,
)
from metergraph.simulation import prices_by_metric, smsworld_catalog

METRICS = tuple(simulated_metrics(SMSWORLD))
PRICES = prices_by_metric(smsworld_catalog())


def plan(seed: int = 7, customers: int = 6, months: int = 12) -> SimulationPlan:
    return SimulationPlan(seed, customers, months, date(2024, 1, 1), METRICS, prices=PRICES)


def test_the_same_seed_gives_the_same_records() -> None:
    first, again = simulate(plan()), simulate(plan())
    assert first.records == again.records
    assert first.totals == again.totals and first.edges == again.edges


def test_another_seed_gives_other_records_and_other_keys() -> None:
    one, other = simulate(plan(seed=7)), simulate(plan(seed=8))
    assert [r.value for r in one.records] != [r.value for r in other.records]
    assert not {r.idempotency_key for r in one.records} & {r.idempotency_key for r in other.records}
    assert {c.external_key for c in one.customers}.isdisjoint(
        c.external_key for c in other.customers
    )


def test_adding_customers_leaves_the_earlier_ones_as_they_were() -> None:
    few, more = simulate(plan(customers=3)), simulate(plan(customers=5))
    assert [r for r in more.records if r.customer < 3] == list(few.records)


def test_more_months_or_fewer_metrics_keep_the_records_they_share() -> None:
    longer = simulate(plan(months=30))
    shorter = simulate(plan(months=12))
    assert [r for r in longer.records if r.month < 12] == list(shorter.records)
    fewer = simulate(
        SimulationPlan(7, 6, 12, date(2024, 1, 1), ("ai_sms_processed",), prices=PRICES)
    )
    assert list(fewer.records) == [
        r for r in shorter.records if r.metric_code == "ai_sms_processed"
    ]
    later = simulate(SimulationPlan(7, 6, 12, date(2024, 2, 1), METRICS, prices=PRICES))
    keys = {r.idempotency_key for r in later.records}
    assert keys.isdisjoint(r.idempotency_key for r in shorter.records)


def test_each_month_sums_to_its_total_once_duplicates_are_left_out() -> None:
    simulation = simulate(plan())
    sums: dict[tuple[int, str, int], Decimal] = defaultdict(Decimal)
    for r in simulation.records:
        if not r.duplicate:
            sums[(r.customer, r.metric_code, r.month)] += r.value
    assert {k: v for k, v in simulation.totals.items() if v} == dict(sums)
    for r in simulation.records:
        start = datetime.combine(add_months(date(2024, 1, 1), r.month), datetime.min.time(), UTC)
        end = datetime.combine(add_months(date(2024, 1, 1), r.month + 1), datetime.min.time(), UTC)
        assert start <= r.timestamp < end and r.value > 0


def test_a_campaign_customer_has_a_whole_month_without_usage() -> None:
    simulation = simulate(plan())
    campaign = [c.index for c in simulation.customers if c.segment.name == "campaign"]
    used = {(r.customer, r.month) for r in simulation.records}
    for customer in campaign:
        silent = [m for m in range(12) if (customer, m) not in used]
        assert len(silent) >= 1, customer
    for customer, metric, month in simulation.zeros:
        assert simulation.totals[(customer, metric, month)] == 0


def test_every_customer_has_a_burst_of_events_within_a_quarter_hour() -> None:
    simulation = simulate(plan())
    for customer in simulation.customers:
        burst = [r for r in simulation.records if r.customer == customer.index and r.burst]
        assert len(burst) >= 1
        by_month: dict[tuple[str, int], list[datetime]] = defaultdict(list)
        for r in burst:
            by_month[(r.metric_code, r.month)].append(r.timestamp)
        for stamps in by_month.values():
            assert max(stamps) - min(stamps) < timedelta(minutes=15)


def test_some_months_total_exactly_a_tier_boundary_of_the_contract() -> None:
    simulation = simulate(plan())
    assert simulation.edges
    for edge in simulation.edges:
        segment = simulation.customers[edge.customer].segment.name
        assert edge.total in tier_edges(PRICES[segment][edge.metric_code])
        sent = sum(
            r.value
            for r in simulation.records
            if (r.customer, r.metric_code, r.month) == (edge.customer, edge.metric_code, edge.month)
            and not r.duplicate
        )
        assert sent == edge.total
    reached = {e.total for e in simulation.edges}
    assert reached & {Decimal(1000), Decimal(2000), Decimal(100), Decimal(1099), Decimal(2100)}


def test_late_records_arrive_with_a_later_months_batch() -> None:
    simulation = simulate(plan())
    late = [r for r in simulation.records if r.late and not r.duplicate]
    assert {r.customer for r in late} == {c.index for c in simulation.customers}
    assert all(r.arrival > r.month for r in late)
    arrivals = [r.arrival for r in simulation.records]
    assert arrivals == sorted(arrivals)


def test_duplicates_repeat_an_earlier_record_exactly_and_arrive_after_it() -> None:
    simulation = simulate(plan())
    first: dict[str, int] = {}
    for position, r in enumerate(simulation.records):
        if not r.duplicate:
            first[r.idempotency_key] = position
    copies = [(p, r) for p, r in enumerate(simulation.records) if r.duplicate]
    assert {r.customer for _, r in copies} == {c.index for c in simulation.customers}
    for position, copy in copies:
        original = simulation.records[first[copy.idempotency_key]]
        assert first[copy.idempotency_key] < position
        assert (original.timestamp, original.value, original.metric_code) == (
            copy.timestamp,
            copy.value,
            copy.metric_code,
        )
    keys = Counter(r.idempotency_key for r in simulation.records if not r.duplicate)
    assert max(keys.values()) == 1


def test_usage_grows_and_swings_with_the_seasons() -> None:
    simulation = simulate(plan(customers=30, months=24))
    by_month: dict[int, Decimal] = defaultdict(Decimal)
    for (customer, metric, month), total in simulation.totals.items():
        if simulation.customers[customer].segment.name == "steady" and metric == "sms_delivered":
            by_month[month] += total
    assert by_month[23] > 5 * by_month[0]  # 30 % a month, compounded
    campaign: dict[int, Decimal] = defaultdict(Decimal)
    for (customer, _, month), total in simulation.totals.items():
        if simulation.customers[customer].segment.name == "campaign":
            campaign[month % 12] += total
    assert campaign[10] > 2 * campaign[4]  # November's campaigns against May


def test_a_startup_begins_mid_month_and_its_bills_start_in_the_free_tier() -> None:
    simulation = simulate(plan())
    startups = [c.index for c in simulation.customers if c.segment.name == "startup"]
    for customer in startups:
        first = min(r.timestamp for r in simulation.records if r.customer == customer)
        assert first.day >= 10


def test_tier_edges_are_the_tiers_ends_the_allowance_and_one_package() -> None:
    flat = Price(
        PriceModel.FLAT_TIERED,
        tiers=(Tier(Decimal(999), flat_fee=Decimal(2)), Tier(None, flat_fee=Decimal(1))),
        free_units=Decimal(100),
        tier_basis=TierBasis.BILLABLE,
    )
    assert tier_edges(flat) == [Decimal(100), Decimal(1099)]
    package = Price(PriceModel.PACKAGE, package_size=Decimal(1000), package_price=Decimal(10))
    assert tier_edges(package) == [Decimal(1000)]
    assert tier_edges(Price(PriceModel.PER_UNIT, unit_price=Decimal("0.01"))) == []


def test_a_bad_plan_names_each_option_at_fault() -> None:
    now = datetime(2026, 12, 3, tzinfo=UTC)
    bad = SimulationPlan(-1, 0, 0, date(2024, 1, 1), ("nope",))
    fields = {e.field for e in plan_errors(bad, set(METRICS), now)}
    assert fields == {"seed", "customers", "months", "metrics"}
    unfinished = SimulationPlan(1, 1, 2, date(2026, 11, 1), METRICS)
    assert [e.field for e in plan_errors(unfinished, set(METRICS), now)] == ["start"]
    assert plan_errors(SimulationPlan(1, 1, 1, date(2026, 11, 1), METRICS), set(METRICS), now) == []
    assert parse_month("2024-13") is None and parse_month("24-01") is None
    assert parse_month("2024-02") == date(2024, 2, 1)
