"""Shared cost allocated to customers by their share of usage.

In each period (a UTC hour or day) a product's cost is split between the
customers that used it: customer usage / total usage × cost. Shares are cut
to the currency's minor unit (the cent; the yen for JPY) and the units left
over go, one each, to the largest remainders
(ties: the larger usage, then the key), so the shares add up to the cost
exactly. A period with cost but no usage is unallocated.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from enum import Enum
from typing import TypeVar
from uuid import UUID

from domain.numbers import minor_units

CENT = Decimal("0.01")
ZERO = Decimal(0)

K = TypeVar("K", bound=Hashable)


class AllocationGranularity(Enum):
    HOURLY = "HOURLY"
    DAILY = "DAILY"

    @property
    def length(self) -> timedelta:
        return timedelta(hours=1) if self is AllocationGranularity.HOURLY else timedelta(days=1)

    def period_of(self, moment: datetime) -> tuple[datetime, datetime]:
        """The UTC hour or day ``[start, end)`` that holds ``moment``."""
        at = moment.astimezone(UTC)
        if self is AllocationGranularity.HOURLY:
            start = at.replace(minute=0, second=0, microsecond=0)
        else:
            start = at.replace(hour=0, minute=0, second=0, microsecond=0)
        return start, start + self.length

    def is_boundary(self, moment: datetime) -> bool:
        return self.period_of(moment)[0] == moment


def largest_remainder(
    cost: Decimal, usage: Mapping[K, Decimal], unit: Decimal = CENT
) -> dict[K, Decimal]:
    """``cost`` split by ``usage`` to ``unit`` (the cent), adding up to ``cost`` exactly.

    Negative usage counts as none. Empty when nobody used anything (the cost
    stays unallocated). A negative cost (a credit) is split the same way.
    """
    weights = {k: v for k, v in usage.items() if v > 0}
    total = sum(weights.values(), ZERO)
    if total <= 0:
        return {}
    cents = (cost / unit).to_integral_value()
    if cents * unit != cost:
        raise ValueError(f"cost {cost} is not a whole number of {unit}")
    sign = -1 if cents < 0 else 1
    cents = abs(cents)
    exact = {k: cents * w / total for k, w in weights.items()}
    floors = {k: e.to_integral_value(rounding=ROUND_FLOOR) for k, e in exact.items()}
    left = int(cents - sum(floors.values(), ZERO))
    order = sorted(weights, key=lambda k: (-(exact[k] - floors[k]), -weights[k], str(k)))
    for k in order[:left]:
        floors[k] += 1
    return {k: sign * floors[k] * unit for k in sorted(weights, key=str)}


@dataclass(frozen=True)
class CostPeriod:
    """One product's cost in one period, with who used it how much."""

    product_code: str
    period_start: datetime
    period_end: datetime
    cost: Decimal
    currency: str
    usage: Mapping[str, Decimal]  # customer -> units


@dataclass(frozen=True)
class Share:
    product_code: str
    period_start: datetime
    period_end: datetime
    customer: str | None  # None: the unallocated cost of a period nobody used
    usage: Decimal
    total_usage: Decimal
    share: Decimal  # of the period's usage, 0..1 (0 when unallocated)
    amount: Decimal
    currency: str


def allocate(period: CostPeriod) -> list[Share]:
    """The period's cost as customer shares, or one unallocated share."""
    unit = Decimal(1).scaleb(-minor_units(period.currency))
    amounts = largest_remainder(period.cost, period.usage, unit)
    total = sum((u for u in period.usage.values() if u > 0), ZERO)
    if not amounts:
        return [
            Share(
                period.product_code,
                period.period_start,
                period.period_end,
                None,
                ZERO,
                ZERO,
                ZERO,
                period.cost,
                period.currency,
            )
        ]
    return [
        Share(
            period.product_code,
            period.period_start,
            period.period_end,
            customer,
            period.usage[customer],
            total,
            period.usage[customer] / total,
            amount,
            period.currency,
        )
        for customer, amount in amounts.items()
    ]


@dataclass(frozen=True)
class AllocatedShare:
    share: Share
    company_id: UUID | None
    company_key: str | None


@dataclass(frozen=True)
class CurrencyTotal:
    """An allocation's cost in one currency, and how much of it nobody used."""

    currency: str
    amount: Decimal
    unallocated: Decimal


@dataclass
class Allocation:
    granularity: AllocationGranularity
    from_: datetime
    to: datetime
    shares: list[AllocatedShare]

    def per_company(self) -> dict[tuple[UUID, str, str], Decimal]:
        """Each company's allocated cost over the window, per currency."""
        out: dict[tuple[UUID, str, str], Decimal] = defaultdict(lambda: ZERO)
        for s in self.shares:
            if s.company_id is not None and s.company_key is not None:
                out[(s.company_id, s.company_key, s.share.currency)] += s.share.amount
        return dict(sorted(out.items(), key=lambda kv: kv[0][1]))

    def totals(self) -> list[CurrencyTotal]:
        """The window's cost per currency (never summed across currencies), by currency."""
        amounts: dict[str, Decimal] = defaultdict(lambda: ZERO)
        unused: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for s in self.shares:
            amounts[s.share.currency] += s.share.amount
            if s.company_id is None:
                unused[s.share.currency] += s.share.amount
        return [CurrencyTotal(c, amounts[c], unused[c]) for c in sorted(amounts)]

    def per_customer(self) -> dict[tuple[UUID, str], Decimal]:
        """Each company's allocated cost over the window, by (company, currency)."""
        out: dict[tuple[UUID, str], Decimal] = defaultdict(lambda: ZERO)
        for (company_id, _key, currency), amount in self.per_company().items():
            out[(company_id, currency)] += amount
        return dict(out)


def whole_periods(
    granularity: AllocationGranularity, from_: datetime, to: datetime
) -> tuple[datetime, datetime]:
    """``[from_, to)`` widened to whole UTC periods of ``granularity``."""
    first = granularity.period_of(from_)[0]
    start, end = granularity.period_of(to)
    return first, (end if start != to else start)


def allocated_shares(
    periods: list[CostPeriod], keys: Mapping[UUID, str], company_id: UUID | None = None
) -> list[AllocatedShare]:
    """The periods' shares, each with its company (``company_id``: that company's only;
    the split still counts everyone's usage)."""
    out = []
    for s in (s for p in periods for s in allocate(p)):
        cid = UUID(s.customer) if s.customer is not None else None
        if company_id is not None and cid != company_id:
            continue
        out.append(AllocatedShare(s, cid, keys.get(cid) if cid else None))
    return out
