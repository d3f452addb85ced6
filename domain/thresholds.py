"""Thresholds: levels of a period's usage, which of them a total has crossed.

A level is a PERCENTAGE of the threshold's limit or an ABSOLUTE quantity;
it is crossed when the period's total reaches it. Periods are UTC days or
months. Which threshold applies to a company, which levels a total crosses
or its pace will reach, who hears of an alert, and how a failed notification
waits for its next try are decided here. Pure functions; the caller
supplies totals and times.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal, localcontext
from enum import Enum
from uuid import UUID

from domain.numbers import quantity_text
from domain.text import check_name
from domain.usage import ErrorCode, FieldError

# Level names go into subjects and SMS texts; the API passes the configured limit.
MAX_LEVEL_NAME = 200


class LevelKind(Enum):
    PERCENTAGE = "PERCENTAGE"
    ABSOLUTE = "ABSOLUTE"


class Channel(Enum):
    EMAIL = "EMAIL"
    PLATFORM = "PLATFORM"
    SMS = "SMS"


class RecipientRole(Enum):
    """Who a recipient is for its company."""

    COMPANY_ADMIN = "COMPANY_ADMIN"
    VIEWER = "VIEWER"


class Period(Enum):
    DAY = "DAY"
    MONTH = "MONTH"


class AlertKind(Enum):
    """A level the period's usage has reached, or one its pace will reach."""

    CROSSING = "CROSSING"
    FORECAST = "FORECAST"


class DeliveryStatus(Enum):
    """Where a notification's delivery stands."""

    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"  # gave up after MAX_ATTEMPTS


# A notification is tried this many times before it is FAILED.
MAX_ATTEMPTS = 10


@dataclass(frozen=True)
class Level:
    name: str
    kind: LevelKind
    value: Decimal
    channels: tuple[Channel, ...]
    # whose recipients hear of it; empty: every role's
    roles: tuple[RecipientRole, ...] = ()

    def notifies(self, role: RecipientRole) -> bool:
        return not self.roles or role in self.roles

    def amount(self, limit: Decimal | None) -> Decimal:
        """The usage at which this level is reached."""
        if self.kind is LevelKind.ABSOLUTE:
            return self.value
        assert limit is not None, "a percentage level needs a limit"
        return limit * self.value / 100


@dataclass(frozen=True)
class Threshold:
    id: UUID
    company_id: UUID | None
    metric_code: str
    period: Period
    limit: Decimal | None
    levels: tuple[Level, ...]


@dataclass(frozen=True)
class Alert:
    """A level reached (or forecast) by a company's usage in one period."""

    id: UUID
    threshold_id: UUID
    company_id: UUID
    metric_code: str
    kind: AlertKind
    level: str
    level_value: Decimal
    usage: Decimal
    limit: Decimal | None
    period_start: datetime
    period_end: datetime
    raised_at: datetime
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class Recipient:
    """Who a company's notifications of one channel go to."""

    channel: Channel
    role: RecipientRole
    address: str


@dataclass(frozen=True)
class Notice:
    """One notification an alert sends: to whom, through which channel, saying what."""

    channel: Channel
    recipient: str
    subject: str
    body: str


@dataclass(frozen=True)
class Notification:
    """A notification waiting in the outbox to be sent."""

    id: int
    alert_id: UUID
    channel: Channel
    recipient: str
    subject: str
    body: str
    attempts: int


@dataclass(frozen=True)
class Delivery:
    """A notification's delivery, as the log shows it."""

    id: int
    alert_id: UUID
    channel: Channel
    recipient: str
    subject: str
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    delivered_at: datetime | None


def validate(
    limit: Decimal | None, levels: tuple[Level, ...], *, max_name_length: int = MAX_LEVEL_NAME
) -> list[FieldError]:
    errors = []
    if limit is not None and (not limit.is_finite() or limit <= 0):
        errors.append(FieldError("limit", ErrorCode.OUT_OF_RANGE, "a limit is a positive number"))
    if not levels:
        errors.append(FieldError("levels", ErrorCode.REQUIRED, "a threshold has one level or more"))
    names = [level.name for level in levels]
    for n, level in enumerate(levels):
        field = f"levels[{n}]"
        bad_name = check_name(f"{field}.name", level.name, max_name_length)
        if bad_name is not None:
            errors.append(bad_name)
        elif level.name in names[:n]:
            errors.append(
                FieldError(f"{field}.name", ErrorCode.ALREADY_EXISTS, f"two levels {level.name!r}")
            )
        if not level.value.is_finite() or level.value <= 0:
            errors.append(
                FieldError(f"{field}.value", ErrorCode.OUT_OF_RANGE, "a level is above zero")
            )
        elif level.kind is LevelKind.PERCENTAGE:
            if limit is None:
                errors.append(
                    FieldError("limit", ErrorCode.REQUIRED, "percentage levels need a limit")
                )
            if level.value > 100:
                errors.append(
                    FieldError(f"{field}.value", ErrorCode.OUT_OF_RANGE, "a percentage is 0 to 100")
                )
        if not level.channels:
            errors.append(
                FieldError(f"{field}.channels", ErrorCode.REQUIRED, "name a channel or more")
            )
    if not errors:  # every level has an amount now
        amounts = [level.amount(limit) for level in levels]
        for n in range(1, len(amounts)):
            if amounts[n] <= amounts[n - 1]:
                errors.append(
                    FieldError(
                        f"levels[{n}].value",
                        ErrorCode.TIERS_UNORDERED,
                        "levels go from the lowest to the highest, each above the last",
                    )
                )
    return errors


def period_of(moment: datetime, period: Period) -> tuple[datetime, datetime]:
    day = moment.astimezone(UTC).date()
    if period is Period.DAY:
        start = datetime.combine(day, time(0), tzinfo=UTC)
        return start, start + timedelta(days=1)
    first = day.replace(day=1)
    following = first.replace(year=first.year + (first.month == 12), month=first.month % 12 + 1)
    return (
        datetime.combine(first, time(0), tzinfo=UTC),
        datetime.combine(following, time(0), tzinfo=UTC),
    )


def crossed(threshold: Threshold, usage: Decimal) -> list[Level]:
    """The levels ``usage`` has reached, lowest first."""
    return [lv for lv in threshold.levels if usage >= lv.amount(threshold.limit)]


def applicable(candidates: Iterable[Threshold], company: UUID) -> list[Threshold]:
    """The thresholds that watch ``company``: its own, and the defaults for the periods
    it has none of (a company's own threshold for a period replaces the default one)."""
    found = list(candidates)
    own = [t for t in found if t.company_id == company]
    periods = {t.period for t in own}
    return own + [t for t in found if t.company_id is None and t.period not in periods]


def replaced_defaults(threshold: Threshold, everyone: Iterable[Threshold]) -> set[UUID]:
    """The companies whose own threshold replaces ``threshold`` (a default) for its period."""
    return {
        t.company_id
        for t in everyone
        if t.company_id is not None
        and t.metric_code == threshold.metric_code
        and t.period is threshold.period
    }


def forecast(threshold: Threshold, usage: Decimal, projected: Decimal) -> list[Level]:
    """The levels not reached yet that the projected total will reach, lowest first."""
    return [lv for lv in threshold.levels if usage < lv.amount(threshold.limit) <= projected]


def notices(
    threshold: Threshold,
    level: Level,
    company: str,
    usage: Decimal,
    start: datetime,
    kind: AlertKind,
    recipients: Iterable[Recipient],
) -> list[Notice]:
    """What an alert of ``level`` sends: through each of its channels, to each recipient
    of the channel whose role the level notifies (the app: once)."""
    found = list(recipients)
    sent = []
    for channel in level.channels:
        subject, body = message(
            channel, company, threshold, level, usage, start, forecast=kind is AlertKind.FORECAST
        )
        targets = (
            ["platform"]
            if channel is Channel.PLATFORM
            else sorted(
                {r.address for r in found if r.channel is channel and level.notifies(r.role)}
            )
        )
        sent += [Notice(channel, target, subject, body) for target in targets]
    return sent


def backoff(attempts: int) -> timedelta:
    """How long a failed delivery waits before the next try: 2, 4, 8 … s, at most an hour."""
    return timedelta(seconds=min(2**attempts, 3600))


@dataclass(frozen=True)
class Retry:
    """What a failed attempt leaves: the attempts made, the status, when to try next."""

    attempts: int
    status: DeliveryStatus
    next_attempt_at: datetime


def after_failure(attempts_before: int, now: datetime) -> Retry:
    """A delivery tried ``attempts_before`` times failed once more at ``now``."""
    attempts = attempts_before + 1
    status = DeliveryStatus.FAILED if attempts >= MAX_ATTEMPTS else DeliveryStatus.PENDING
    return Retry(attempts, status, now + backoff(attempts))


def projection(usage: Decimal, start: datetime, end: datetime, now: datetime) -> Decimal:
    """Where the period's usage is heading at its pace so far (linear)."""
    elapsed = (min(now, end) - start).total_seconds()
    if elapsed <= 0:
        return usage
    share = Decimal(str(elapsed)) / Decimal(str((end - start).total_seconds()))
    projected = usage / share
    # Cents of a huge total would need more digits than the context holds
    # (quantize raises InvalidOperation); they mean nothing at that size.
    with localcontext() as ctx:
        ctx.prec = 60
        if projected.adjusted() + 3 > ctx.prec:
            return projected
        return projected.quantize(Decimal("0.01"))


def message(
    channel: Channel,
    company: str,
    threshold: Threshold,
    level: Level,
    usage: Decimal,
    start: datetime,
    *,
    forecast: bool = False,
) -> tuple[str, str]:
    """Subject and body of a crossing's (or a forecast's) notification, for ``channel``.

    E-mail gets a subject and a sentence; an SMS has to fit a phone screen,
    so its body is one short line; the app shows the subject.
    """
    # Written as the API writes quantities: 8000, never 8E+3.
    amount = quantity_text(level.amount(threshold.limit))
    used = quantity_text(usage)
    period = start.strftime("%Y-%m-%d" if threshold.period is Period.DAY else "%Y-%m")
    limit = (
        f" of a limit of {quantity_text(threshold.limit)}" if threshold.limit is not None else ""
    )
    tag = f"{level.name} forecast" if forecast else level.name
    verb = "heading for" if forecast else "at"
    subject = f"[{tag}] {company}: {threshold.metric_code} {verb} {used} ({period})"
    if channel is Channel.SMS:
        return subject, f"{tag}: {company} {threshold.metric_code} {verb} {used}/{amount} {period}"
    if forecast:
        body = (
            f"At its pace so far, {company} will use about {used} {threshold.metric_code}"
            f" in {period}{limit}: the {level.name} level ({amount}) will be reached"
            " before the period ends."
        )
    else:
        body = (
            f"{company} has used {used} {threshold.metric_code} in {period}{limit}:"
            f" the {level.name} level ({amount}) is reached."
        )
    return subject, body
