"""The plan reads no level before what retention says it still covers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.aggregation import Piece, Source, WindowNotAnswerable, plan


def at(month: int, day: int = 1, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


# retention ran on 2026-12-01: raw from Nov 1, hourly and daily from Sep 2
KEPT = {Source.RAW: at(11), Source.HOUR: at(9, 2), Source.DAY: at(9, 2)}


def sources(pieces: list[Piece]) -> list[tuple[Source, datetime, datetime]]:
    return [(p.source, p.start, p.end) for p in pieces]


def test_whole_months_before_the_daily_horizon_come_from_monthly_rollups() -> None:
    assert sources(plan([(at(7), at(11, 3))], horizons=KEPT)) == [
        (Source.MONTH, at(7), at(11)),
        (Source.DAY, at(11), at(11, 3)),
    ]


def test_days_after_the_daily_horizon_come_from_daily_rollups() -> None:
    assert sources(plan([(at(9, 2), at(10, 5))], horizons=KEPT)) == [
        (Source.DAY, at(9, 2), at(10, 5))
    ]


def test_a_window_cut_inside_a_month_whose_days_are_gone_is_refused() -> None:
    with pytest.raises(WindowNotAnswerable) as refused:
        plan([(at(7, 2), at(8, 2))], horizons=KEPT)
    assert refused.value.at == at(7, 2)
    assert refused.value.field_error().field == "from"


def test_minutes_before_the_raw_horizon_are_refused_and_after_it_read_raw() -> None:
    with pytest.raises(WindowNotAnswerable):
        plan([(at(10, 3, 5, 30), at(10, 4))], horizons=KEPT)
    assert sources(plan([(at(11, 3, 5, 30), at(11, 4))], horizons=KEPT)) == [
        (Source.RAW, at(11, 3, 5, 30), at(11, 3, 6)),
        (Source.HOUR, at(11, 3, 6), at(11, 4)),
    ]


def test_without_horizons_the_plan_is_unchanged() -> None:
    window = [(at(7, 2, 5, 30), at(8, 2))]
    assert plan(window, horizons={}) == plan(window)
    assert plan(window, raw_only=True) == [Piece(Source.RAW, at(7, 2, 5, 30), at(8, 2), 0)]
