"""Simulated usage: months of realistic records for many customers, from a seed.

``simulate(plan)`` is pure: the same plan gives the same records, with the
same idempotency keys, in the same order, so loading a simulation twice
stores it once. Each customer follows one of the plan's segments in turn
(by default the seed's three: a steady grower like customer A, a
campaign-driven sender like customer B, a startup living off its free tier
like customer C) and every customer's numbers come from a generator seeded
with the plan's seed and the customer's number only: adding customers does
not change the earlier ones.

What the data holds, as the usage data simulation guide asks:

    growth        a month's total grows by the pattern's rate, compounded
    seasonality   and swings by its amplitude over the year, highest in November
    noise         and varies by up to ±noise around that
    bursts        many small events within a quarter of an hour
    tier edges    one month of each customer totals exactly a tier boundary
                  (or free allowance, or package size) of its price
    zero months   a campaign customer has a month with no usage at all; the
                  others go a month without one of their metrics
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
        message = f"--customers must be 1..{MAX_CUSTOMERS}"
        errors.append(FieldError("customers", ErrorCode.INVALID_FORMAT, message))
    if not 1 <= plan.months <= MAX_MONTHS:
        message = f"--months must be 1..{MAX_MONTHS}"
        errors.append(FieldError("months", ErrorCode.INVALID_FORMAT, message))
    elif add_months(plan.start, plan.months) > now.date().replace(day=1):
        last = add_months(plan.start, plan.months - 1)
        message = f"the last month simulated ({last:%Y-%m}) has not ended; start earlier"
        errors.append(FieldError("start", ErrorCode.INVALID_FORMAT, message))
    if unknown := sorted(set(plan.metrics) - known_metrics):
        message = (
            f"no simulated pattern for {', '.join(unknown)}; choose of {sorted(known_metrics)}"
        )
        errors.append(FieldError("metrics", ErrorCode.INVALID_FORMAT, message))
    if plan.seed < 0:
        errors.append(FieldError("seed", ErrorCode.INVALID_FORMAT, "--seed must be 0 or more"))
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
    for customer in people:
        made = _Customer(plan, customer)
        records += made.records()
        totals.update(made.totals)
        zeros += made.zeros
        edges += made.edges
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
    """One customer's months: the totals first, then the events that make them up."""

    def __init__(self, plan: SimulationPlan, customer: SimulatedCustomer) -> None:
        self.plan = plan
        self.customer = customer
        self.rng = random.Random(f"metergraph-simulation:{plan.seed}:{customer.index}")
        segment = customer.segment
        self.metrics = [m for m in plan.metrics if m in segment.patterns]
        self.zeros: list[tuple[int, str, int]] = []
        self.edges: list[TierEdge] = []
        self.totals = {
            (customer.index, m, k): Decimal(self._trend(segment.patterns[m], k))
            for m in self.metrics
            for k in range(plan.months)
        }
        self._place_zero_month()
        self._place_tier_edge()
        used = [key for key, total in self.totals.items() if total]
        # the month and metric where this customer surely bursts (once at least)
        self.burst_at = self.rng.choice(used)[1:] if used else None

    def _trend(self, pattern: Pattern, month: int) -> int:
        moy = add_months(self.plan.start, month).month
        season = 1 + pattern.seasonality * math.cos(2 * math.pi * (moy - 11) / 12)
        noise = self.rng.uniform(1 - pattern.noise, 1 + pattern.noise)
        return max(1, round(pattern.base * (1 + pattern.growth) ** month * season * noise))

    def _place_zero_month(self) -> None:
        if self.plan.months < 2 or not self.metrics:
            return
        month = self.rng.randrange(1, self.plan.months)
        quiet = self.customer.segment.quiet_months
        for metric in self.metrics if quiet else [self.rng.choice(self.metrics)]:
            self.totals[(self.customer.index, metric, month)] = Decimal(0)
            self.zeros.append((self.customer.index, metric, month))

    def _place_tier_edge(self) -> None:
        prices = self.plan.prices.get(self.customer.segment.name, {})
        choices = [(m, e) for m in self.metrics if m in prices for e in tier_edges(prices[m])]
        zero_months = {k for _, _, k in self.zeros}
        months = [k for k in range(self.plan.months) if k not in zero_months]
        if not choices or not months:
            return
        metric, edge = self.rng.choice(choices)
        month = self.rng.choice(months)
        self.totals[(self.customer.index, metric, month)] = edge
        self.edges.append(TierEdge(self.customer.index, metric, month, edge))

    def records(self) -> list[SimulatedRecord]:
        made: list[SimulatedRecord] = []
        for metric in self.metrics:
            for month in range(self.plan.months):
                made += self._month(metric, month)
        made = [self._maybe_late(r) for r in made]
        if made and not any(r.late for r in made):
            made[0] = self._late(made[0])
        again = [self._again(r) for r in made if self.rng.random() < DUPLICATE_CHANCE]
        if made and not again:
            again = [self._again(self.rng.choice(made))]
        return made + again

    def _month(self, metric: str, month: int) -> list[SimulatedRecord]:
        total = int(self.totals[(self.customer.index, metric, month)])
        if total == 0:
            return []
        start = datetime.combine(add_months(self.plan.start, month), datetime.min.time(), UTC)
        end = datetime.combine(add_months(self.plan.start, month + 1), datetime.min.time(), UTC)
        if month == 0 and self.customer.segment.partial_start:
            start += timedelta(days=self.rng.randint(9, 19))
        burst = self.rng.random() < BURST_CHANCE or (metric, month) == self.burst_at
        burst_total = round(total * self.rng.uniform(*BURST_SHARE)) if burst else 0
        stamps = self._spread(start, end, total - burst_total)
        events = [(t, q, False) for t, q in stamps]
        if burst_total:
            events += [(t, q, True) for t, q in self._burst(start, end, burst_total)]
        events.sort(key=lambda e: e[0])
        return [self._record(metric, month, n, event) for n, event in enumerate(events)]

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
        key = f"sim:{self.plan.seed}:{self.customer.index + 1}:{metric}:{at:%Y-%m}:{n:05d}"
        return SimulatedRecord(
            self.customer.index, metric, at, Decimal(value), key, properties, month, month, burst
        )

    def _maybe_late(self, record: SimulatedRecord) -> SimulatedRecord:
        return self._late(record) if self.rng.random() < LATE_CHANCE else record

    def _late(self, record: SimulatedRecord) -> SimulatedRecord:
        """``record`` arriving with the batch of one or two months after its own."""
        return replace(record, arrival=record.month + self.rng.randint(1, 2), late=True)

    def _again(self, record: SimulatedRecord) -> SimulatedRecord:
        """``record`` sent again, with its own month's batch or the next one."""
        arrival = record.arrival + self.rng.randint(0, 1)
        return replace(record, arrival=arrival, duplicate=True)
