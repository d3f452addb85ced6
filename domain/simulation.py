"""Simulated usage: months of realistic records for many customers, from a seed.

``simulate(plan)`` is pure: the same plan gives the same records, with the
same idempotency keys, in the same order, so loading a simulation twice
stores it once. Each customer follows one of the plan's segments in turn
(by default the seed's three: a steady grower like customer A, a
campaign-driven sender like customer B, a startup living off its free tier
like customer C). A month's numbers come from the seed, the first month,
the customer's number, the metric and the month only: more customers, more
months or more metrics leave the records already made as they were.

What the data holds, as the usage data simulation guide asks:

    growth        a month's total grows by the pattern's rate, compounded
    seasonality   and swings by its amplitude over the year, highest in November
    noise         and varies by up to ±noise around that
    bursts        many small events within a quarter of an hour
    tier edges    a month a year of each customer totals exactly a tier boundary
                  (or free allowance, or package size) of its price
    zero months   a campaign customer has a month a year with no usage at all;
                  the others go a month a year without one of their metrics
    partial month a startup's first month starts mid-month
    period edges  some months' first event is at the period's first instant,
                  some last events at its last second
    late events   records whose period ended before they arrive (they come
                  with a later month's batch)
    duplicates    records sent again, same key and content: stored once
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from domain.pricing import Price, PriceModel, TierBasis
from domain.usage import ErrorCode, FieldError

# The most customers and months one simulation makes.
MAX_CUSTOMERS = 1_000
MAX_MONTHS = 120
# Regular events of one metric in one month.
EVENTS_PER_MONTH = (4, 12)
# A burst: how many events, within how many seconds, taking what share of the month.
BURST_EVENTS = (20, 40)
BURST_SECONDS = 900
BURST_SHARE = (0.2, 0.4)
# The chance that a metric's month has a burst, a record arrives late, is sent twice.
BURST_CHANCE = 0.15
LATE_CHANCE = 0.03
DUPLICATE_CHANCE = 0.02
# The chance a month's first (last) event is at its first instant (last second).
EDGE_CHANCE = 0.1


@dataclass(frozen=True)
class Pattern:
    """How a segment uses one metric: its first month's total and how it moves."""

    base: int
    growth: float
    seasonality: float
    noise: float
    # property name → the values it takes (repeated values are the likelier)
    properties: tuple[tuple[str, tuple[object, ...]], ...] = ()


@dataclass(frozen=True)
class Segment:
    """A kind of customer: the metrics it uses and how."""

    name: str
    title: str
    patterns: Mapping[str, Pattern]
    # whole months without usage (campaign-driven) rather than one metric's
    quiet_months: bool = False
    # the first month starts mid-month (a customer signing up)
    partial_start: bool = False


_SMS = (("delivery_status", ("delivered",) * 24 + ("failed",)),)
_WHATSAPP = (("message_type", ("text",) * 3 + ("media", "template")),)
_AI = (("processing_time", tuple(range(90, 161))),)

# The seed's three customers, as patterns (usage-data-simulation-guide.md).
SMSWORLD: tuple[Segment, ...] = (
    Segment(
        "steady",
        "Steady",
        {
            "sms_delivered": Pattern(1_000, 0.30, 0.25, 0.15, _SMS),
            "whatsapp_messages_sent": Pattern(2_500, 0.25, 0.25, 0.15, _WHATSAPP),
            "ai_sms_processed": Pattern(1_000, 0.20, 0.20, 0.15, _AI),
        },
    ),
    Segment(
        "campaign",
        "Campaign",
        {
            "sms_delivered": Pattern(1_500, 0.02, 0.60, 0.50, _SMS),
            "ai_sms_processed": Pattern(200, 0.00, 0.50, 0.60, _AI),
        },
        quiet_months=True,
    ),
    Segment(
        "startup",
        "Startup",
        {
            "sms_delivered": Pattern(1_100, 0.35, 0.10, 0.20, _SMS),
            "whatsapp_messages_sent": Pattern(90, 0.50, 0.10, 0.20, _WHATSAPP),
        },
        partial_start=True,
    ),
)


@dataclass(frozen=True)
class SimulationPlan:
    seed: int
    customers: int
    months: int
    # the first day of the first month
    start: date
    # the metrics simulated (each segment uses those of them it has a pattern for)
    metrics: tuple[str, ...]
    segments: tuple[Segment, ...] = SMSWORLD
    # segment name → metric code → the price its contract charges (for the tier edges)
    prices: Mapping[str, Mapping[str, Price]] = field(default_factory=dict)


@dataclass(frozen=True)
class SimulatedCustomer:
    index: int
    external_key: str
    name: str
    segment: Segment


@dataclass(frozen=True)
class SimulatedRecord:
    customer: int
    metric_code: str
    timestamp: datetime
    value: Decimal
    idempotency_key: str
    properties: Mapping[str, object]
    # the month (index) whose batch carries it: later than its own for a late record
    arrival: int
    month: int
    burst: bool = False
    late: bool = False
    # sent again under the same key with the same content
    duplicate: bool = False


@dataclass(frozen=True)
class TierEdge:
    customer: int
    metric_code: str
    month: int
    total: Decimal


@dataclass(frozen=True)
class Simulation:
    plan: SimulationPlan
    customers: tuple[SimulatedCustomer, ...]
    # in the order they arrive (by arrival month, then customer)
    records: tuple[SimulatedRecord, ...]
    # (customer, metric code, month) → the quantity recorded (duplicates once)
    totals: Mapping[tuple[int, str, int], Decimal]
    # (customer, metric code, month) left at zero on purpose
    zeros: tuple[tuple[int, str, int], ...]
    edges: tuple[TierEdge, ...]

    def month_start(self, month: int) -> date:
        return add_months(self.plan.start, month)


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str) -> date | None:
    """The first day of the month ``YYYY-MM`` names; None when it names none."""
    found = _MONTH.match(text)
    if not found or not 1 <= int(found[2]) <= 12 or int(found[1]) < 1970:
        return None
    return date(int(found[1]), int(found[2]), 1)


def add_months(start: date, months: int) -> date:
    total = start.year * 12 + start.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


def plan_errors(plan: SimulationPlan, known_metrics: set[str], now: datetime) -> list[FieldError]:
    """What is wrong with ``plan``, naming the command's option."""
    errors = []
    if not 1 <= plan.customers <= MAX_CUSTOMERS:
        message = f"must be 1..{MAX_CUSTOMERS}"
        errors.append(FieldError("customers", ErrorCode.OUT_OF_RANGE, message))
    if not 1 <= plan.months <= MAX_MONTHS:
        message = f"must be 1..{MAX_MONTHS}"
        errors.append(FieldError("months", ErrorCode.OUT_OF_RANGE, message))
    elif add_months(plan.start, plan.months) > now.date().replace(day=1):
        last = add_months(plan.start, plan.months - 1)
        message = f"the last month simulated ({last:%Y-%m}) has not ended; start earlier"
        errors.append(FieldError("start", ErrorCode.OUT_OF_RANGE, message))
    if unknown := sorted(set(plan.metrics) - known_metrics):
        message = (
            f"no simulated pattern for {', '.join(unknown)}; choose of {sorted(known_metrics)}"
        )
        errors.append(FieldError("metrics", ErrorCode.INVALID_FORMAT, message))
    if plan.seed < 0:
        errors.append(FieldError("seed", ErrorCode.OUT_OF_RANGE, "must be 0 or more"))
    return errors


def simulated_metrics(segments: tuple[Segment, ...]) -> list[str]:
    """Every metric some segment has a pattern for, in first-use order."""
    return list(dict.fromkeys(code for s in segments for code in s.patterns))


def tier_edges(price: Price) -> list[Decimal]:
    """The month totals at which ``price`` changes step: a tier's end, the end
    of the free allowance, one package."""
    edges = [price.free_units] if price.free_units else []
    shift = price.free_units if price.tier_basis is TierBasis.BILLABLE else Decimal(0)
    edges += [t.up_to + shift for t in price.tiers if t.up_to is not None and t.up_to > 0]
    if price.model is PriceModel.PACKAGE and price.package_size:
        edges.append(price.package_size + shift)
    # usage comes in whole units: an edge between two is never met exactly
    return sorted({e for e in edges if e == e.to_integral_value()})


def customers(plan: SimulationPlan) -> tuple[SimulatedCustomer, ...]:
    """The plan's customers: external keys and names from the seed and their number."""
    found = []
    for index in range(plan.customers):
        segment = plan.segments[index % len(plan.segments)]
        key = f"sim-{plan.seed}-{index + 1:04d}"
        name = f"Simulated {segment.title} {index + 1:04d} (seed {plan.seed})"
        found.append(SimulatedCustomer(index, key, name, segment))
    return tuple(found)


def simulate(plan: SimulationPlan) -> Simulation:
    """The plan's records, in arrival order; the same plan gives the same records."""
    people = customers(plan)
    records: list[SimulatedRecord] = []
    totals: dict[tuple[int, str, int], Decimal] = {}
    zeros: list[tuple[int, str, int]] = []
    edges: list[TierEdge] = []
    chosen = set(plan.metrics)
    for customer in people:
        made = _Customer(plan, customer)
        records += [r for r in made.records() if r.metric_code in chosen]
        totals.update({k: v for k, v in made.totals.items() if k[1] in chosen})
        zeros += [z for z in made.zeros if z[1] in chosen]
        edges += [e for e in made.edges if e.metric_code in chosen]
    records.sort(key=lambda r: (r.arrival, r.customer, r.duplicate))
    return Simulation(plan, people, tuple(records), totals, tuple(zeros), tuple(edges))


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """``total`` in ``parts`` positive whole numbers (fewer when it is smaller)."""
    parts = max(1, min(parts, total))
    if total == 0:
        return []
    cuts = sorted(rng.sample(range(1, total), parts - 1)) if parts > 1 else []
    bounds = [0, *cuts, total]
    return [b - a for a, b in zip(bounds, bounds[1:], strict=False)]


class _Customer:
    """One customer's months: the totals first, then the events that make them up.

    Each month of each metric draws from a generator of its own, and the edge
    cases are placed in each year of months by one of the year's own: a
    longer simulation, or one of fewer metrics, holds the same records for
    the months and metrics it shares with another (same keys, same content).
    """

    def __init__(self, plan: SimulationPlan, customer: SimulatedCustomer) -> None:
        self.plan = plan
        self.customer = customer
        self.tag = f"metergraph-simulation:{plan.seed}:{plan.start:%Y-%m}:{customer.index}"
        self.metrics = list(customer.segment.patterns)
        # the generator of the month being made (each month has its own)
        self.rng = self._rng("start")
        self.zeros: list[tuple[int, str, int]] = []
        self.edges: list[TierEdge] = []
        # (metric, month) places: a burst, a late first record, a first record sent twice
        self.places: dict[str, set[tuple[str, int]]] = {
            "burst": set(),
            "late": set(),
            "copy": set(),
        }
        self.totals = {
            (customer.index, m, k): Decimal(self._trend(m, k))
            for m in self.metrics
            for k in range(plan.months)
        }
        for year in range((plan.months + 11) // 12):
            self._place(year, self._rng("year", year))

    def _rng(self, *parts: object) -> random.Random:
        return random.Random(":".join([self.tag, *map(str, parts)]))

    def _trend(self, metric: str, month: int) -> int:
        pattern = self.customer.segment.patterns[metric]
        moy = add_months(self.plan.start, month).month
        season = 1 + pattern.seasonality * math.cos(2 * math.pi * (moy - 11) / 12)
        noise = self._rng(metric, month, "trend").uniform(1 - pattern.noise, 1 + pattern.noise)
        return max(1, round(pattern.base * (1 + pattern.growth) ** month * season * noise))

    def _place(self, year: int, rng: random.Random) -> None:
        """The year's edge cases: a zero month, a tier edge, a burst, a late record, a copy."""
        if not self.metrics:
            return
        first = year * 12
        zero = first + rng.randrange(1 if year == 0 else 0, 12)
        quiet = self.customer.segment.quiet_months
        for metric in self.metrics if quiet else [rng.choice(self.metrics)]:
            self._set(metric, zero, Decimal(0))
        busy = [first + k for k in range(12) if first + k != zero]
        prices = self.plan.prices.get(self.customer.segment.name, {})
        choices = [(m, e) for m in self.metrics if m in prices for e in tier_edges(prices[m])]
        if choices:
            metric, edge = rng.choice(choices)
            self._set(metric, rng.choice(busy), edge)
        for place in self.places.values():
            place.add((rng.choice(self.metrics), rng.choice(busy)))

    def _set(self, metric: str, month: int, total: Decimal) -> None:
        """Make a month's total ``total`` (a zero month or a tier edge), if it is simulated."""
        if month >= self.plan.months:
            return
        self.totals[(self.customer.index, metric, month)] = total
        if total:
            self.edges.append(TierEdge(self.customer.index, metric, month, total))
        else:
            self.zeros.append((self.customer.index, metric, month))

    def records(self) -> list[SimulatedRecord]:
        made: list[SimulatedRecord] = []
        for metric in self.metrics:
            for month in range(self.plan.months):
                made += self._month(metric, month)
        return made

    def _month(self, metric: str, month: int) -> list[SimulatedRecord]:
        total = int(self.totals[(self.customer.index, metric, month)])
        if total == 0:
            return []
        self.rng = rng = self._rng(metric, month, "events")
        start = datetime.combine(add_months(self.plan.start, month), datetime.min.time(), UTC)
        end = datetime.combine(add_months(self.plan.start, month + 1), datetime.min.time(), UTC)
        if month == 0 and self.customer.segment.partial_start:
            start += timedelta(days=rng.randint(9, 19))
        burst = rng.random() < BURST_CHANCE or (metric, month) in self.places["burst"]
        burst_total = round(total * rng.uniform(*BURST_SHARE)) if burst else 0
        events = [(t, q, False) for t, q in self._spread(start, end, total - burst_total)]
        if burst_total:
            events += [(t, q, True) for t, q in self._burst(start, end, burst_total)]
        events.sort(key=lambda e: e[0])
        made = [self._record(metric, month, n, event) for n, event in enumerate(events)]
        made = [self._late(r) if rng.random() < LATE_CHANCE else r for r in made]
        if (metric, month) in self.places["late"] and not made[0].late:
            made[0] = self._late(made[0])
        again = [self._again(r) for r in made if rng.random() < DUPLICATE_CHANCE]
        if (metric, month) in self.places["copy"] and made[0].idempotency_key not in {
            r.idempotency_key for r in again
        }:
            again.append(self._again(made[0]))
        return made + again

    def _spread(self, start: datetime, end: datetime, total: int) -> list[tuple[datetime, int]]:
        values = _split(self.rng, total, self.rng.randint(*EVENTS_PER_MONTH))
        seconds = int((end - start).total_seconds())
        stamps = sorted(start + timedelta(seconds=self.rng.randrange(seconds)) for _ in values)
        if stamps and self.rng.random() < EDGE_CHANCE:
            stamps[0] = start
        if stamps and self.rng.random() < EDGE_CHANCE:
            stamps[-1] = end - timedelta(seconds=1)
        return list(zip(stamps, values, strict=True))

    def _burst(self, start: datetime, end: datetime, total: int) -> list[tuple[datetime, int]]:
        values = _split(self.rng, total, self.rng.randint(*BURST_EVENTS))
        latest = int((end - start).total_seconds()) - BURST_SECONDS
        at = start + timedelta(seconds=self.rng.randrange(max(1, latest)))
        stamps = sorted(at + timedelta(seconds=self.rng.randrange(BURST_SECONDS)) for _ in values)
        return list(zip(stamps, values, strict=True))

    def _record(
        self, metric: str, month: int, n: int, event: tuple[datetime, int, bool]
    ) -> SimulatedRecord:
        at, value, burst = event
        pattern = self.customer.segment.patterns[metric]
        properties = {name: self.rng.choice(values) for name, values in pattern.properties}
        plan = self.plan
        key = (
            f"sim:{plan.seed}:{plan.start:%Y-%m}:{self.customer.index + 1}:{metric}:{month}:{n:05d}"
        )
        return SimulatedRecord(
            self.customer.index, metric, at, Decimal(value), key, properties, month, month, burst
        )

    def _late(self, record: SimulatedRecord) -> SimulatedRecord:
        """``record`` arriving with the batch of one or two months after its own."""
        return replace(record, arrival=record.month + self.rng.randint(1, 2), late=True)

    def _again(self, record: SimulatedRecord) -> SimulatedRecord:
        """``record`` sent again, with its own month's batch or the next one."""
        arrival = record.arrival + self.rng.randint(0, 1)
        return replace(record, arrival=arrival, duplicate=True)
