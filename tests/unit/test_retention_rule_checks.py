"""A retention rule's invariants, without a database."""

from __future__ import annotations

import pytest

from domain.field_errors import ErrorCode
from domain.retention import MAX_DAYS, Rule, check_rule


def problems(
    raw: int, hour: int | None, day: int | None, month: int | None
) -> list[tuple[str, str]]:
    return [(e.field, e.code.value) for e in check_rule(Rule("*", raw, hour, day, month))]


@pytest.mark.parametrize(
    ("raw", "hour", "day", "month"),
    [
        (30, 90, 90, None),
        (30, None, None, None),
        (1, 1, 32, 398),
        (30, 30, 61, 427),
        (30, 90, None, None),
        (MAX_DAYS, None, None, None),
    ],
)
def test_a_rule_with_its_levels_in_order_is_accepted(
    raw: int, hour: int | None, day: int | None, month: int | None
) -> None:
    assert problems(raw, hour, day, month) == []


def test_each_level_is_at_least_as_long_as_what_it_summarises() -> None:
    assert problems(30, 29, 90, None) == [("hourlyDays", "RETENTION_TOO_SHORT")]
    # the daily rollups outlive raw records by a month, and the hourly ones
    assert problems(30, 30, 60, None) == [("dailyDays", "RETENTION_TOO_SHORT")]
    assert problems(30, 100, 90, None) == [("dailyDays", "RETENTION_TOO_SHORT")]
    # the monthly rollups, which past invoices are read from, a year more
    assert problems(30, 90, 90, 455) == [("monthlyDays", "RETENTION_TOO_SHORT")]
    assert problems(30, 90, None, 800) == [("monthlyDays", "RETENTION_TOO_SHORT")]
    assert problems(30, 90, 90, 456) == []


def test_a_level_after_one_kept_for_ever_must_be_kept_for_ever() -> None:
    (error,) = check_rule(Rule("*", 30, None, 90, None))
    assert (error.field, error.code) == ("dailyDays", ErrorCode.RETENTION_TOO_SHORT)
    assert "for ever" in error.message


def test_the_minimum_named_is_the_one_that_holds() -> None:
    (error,) = check_rule(Rule("*", 30, 40, 45, None))
    assert error.message == "dailyDays must be at least 61 days"


@pytest.mark.parametrize("days", [0, -5, MAX_DAYS + 1])
def test_days_outside_a_century_are_out_of_range(days: int) -> None:
    assert problems(days, None, None, None) == [("rawDays", "VALUE_OUT_OF_RANGE")]
    assert ("monthlyDays", "VALUE_OUT_OF_RANGE") in problems(30, None, None, days)
