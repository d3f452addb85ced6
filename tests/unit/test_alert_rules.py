"""Which thresholds watch a company, what an alert sends, and how a failed delivery waits."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from domain import thresholds as th

ACME = UUID("00000000-0000-0000-0000-00000000000a")
GLOBEX = UUID("00000000-0000-0000-0000-00000000000b")
MAY = datetime(2024, 5, 1, tzinfo=UTC)


def level(
    name: str, percent: str, *channels: th.Channel, roles: tuple[th.RecipientRole, ...] = ()
) -> th.Level:
    return th.Level(name, th.LevelKind.PERCENTAGE, Decimal(percent), channels, roles)


def threshold(
    company: UUID | None, period: th.Period = th.Period.MONTH, *levels: th.Level
) -> th.Threshold:
    n = 1 + (company.int if company else 0) * 10 + (period is th.Period.DAY)
    return th.Threshold(
        UUID(int=n),
        company,
        "API_REQUESTS",
        period,
        Decimal(1000),
        levels or (level("WARNING", "80", th.Channel.PLATFORM),),
    )


def test_a_companys_own_threshold_replaces_the_default_for_its_period_only() -> None:
    default_month = threshold(None, th.Period.MONTH)
    default_day = threshold(None, th.Period.DAY)
    acme_month = threshold(ACME, th.Period.MONTH)
    candidates = [default_month, default_day, acme_month]
    assert th.applicable(candidates, ACME) == [acme_month, default_day]
    assert th.applicable(candidates, GLOBEX) == [default_month, default_day]


def test_the_companies_with_their_own_threshold_are_those_a_default_skips() -> None:
    default_month = threshold(None, th.Period.MONTH)
    everyone = [default_month, threshold(ACME, th.Period.MONTH), threshold(GLOBEX, th.Period.DAY)]
    assert th.replaced_defaults(default_month, everyone) == {ACME}


def test_a_forecast_names_the_levels_the_pace_reaches_and_not_those_reached() -> None:
    t = threshold(
        ACME,
        th.Period.MONTH,
        level("HALF", "50", th.Channel.PLATFORM),
        level("WARNING", "80", th.Channel.PLATFORM),
        level("CRITICAL", "95", th.Channel.PLATFORM),
    )
    # 600 of 1000 used; heading for 900: 80 % will be reached, 95 % will not
    assert [lv.name for lv in th.forecast(t, Decimal(600), Decimal(900))] == ["WARNING"]
    assert th.crossed(t, Decimal(600)) == [t.levels[0]]


def test_an_alert_tells_each_recipient_of_its_channels_whose_role_it_notifies() -> None:
    warning = level(
        "WARNING", "80", th.Channel.EMAIL, th.Channel.PLATFORM, roles=(th.RecipientRole.VIEWER,)
    )
    t = threshold(ACME, th.Period.MONTH, warning)
    recipients = [
        th.Recipient(th.Channel.EMAIL, th.RecipientRole.VIEWER, "b@acme.test"),
        th.Recipient(th.Channel.EMAIL, th.RecipientRole.VIEWER, "a@acme.test"),
        th.Recipient(th.Channel.EMAIL, th.RecipientRole.COMPANY_ADMIN, "boss@acme.test"),
        th.Recipient(th.Channel.SMS, th.RecipientRole.VIEWER, "+15550100"),
    ]
    sent = th.notices(t, warning, "acme", Decimal(850), MAY, th.AlertKind.CROSSING, recipients)
    assert [(n.channel, n.recipient) for n in sent] == [
        (th.Channel.EMAIL, "a@acme.test"),
        (th.Channel.EMAIL, "b@acme.test"),
        (th.Channel.PLATFORM, "platform"),
    ]
    assert sent[0].subject == "[WARNING] acme: API_REQUESTS at 850 (2024-05)"
    forecast = th.notices(t, warning, "acme", Decimal(900), MAY, th.AlertKind.FORECAST, [])
    assert [n.subject for n in forecast] == [
        "[WARNING forecast] acme: API_REQUESTS heading for 900 (2024-05)"
    ]


def test_an_alert_message_writes_quantities_plain_never_as_an_exponent() -> None:
    warning = level("WARNING", "8E+1", th.Channel.EMAIL)
    t = dataclasses.replace(threshold(ACME, th.Period.MONTH, warning), limit=Decimal("1E+4"))
    subject, body = th.message(th.Channel.EMAIL, "acme", t, warning, Decimal("8.0E+3"), MAY)
    assert subject == "[WARNING] acme: API_REQUESTS at 8000 (2024-05)"
    assert "of a limit of 10000: the WARNING level (8000) is reached" in body
    assert "E+" not in subject + body


@pytest.mark.parametrize(
    ("attempts_before", "status", "wait_seconds"),
    [
        (0, th.DeliveryStatus.PENDING, 2),
        (1, th.DeliveryStatus.PENDING, 4),
        (2, th.DeliveryStatus.PENDING, 8),
        (8, th.DeliveryStatus.PENDING, 512),
        (9, th.DeliveryStatus.FAILED, 1024),
        (14, th.DeliveryStatus.FAILED, 3600),
    ],
)
def test_a_failed_delivery_waits_twice_as_long_each_time_and_gives_up_after_the_last_try(
    attempts_before: int, status: th.DeliveryStatus, wait_seconds: int
) -> None:
    retry = th.after_failure(attempts_before, MAY)
    assert retry == th.Retry(attempts_before + 1, status, MAY + timedelta(seconds=wait_seconds))
    assert th.MAX_ATTEMPTS == 10
