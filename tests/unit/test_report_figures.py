"""The usage report's figures, the job runner's periods and the delivery backoff: no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain import aggregation as a
from domain.jobs import period_start
from domain.reports.records import delivery_backoff
from domain.reports.usage import MetricFigures, metric_entry, ranked, trend
from domain.usage import Aggregation, MeasurementType, Metric, ResourceType

START = datetime(2026, 3, 1, tzinfo=UTC)
END = datetime(2026, 3, 5, tzinfo=UTC)
DAYS = [(START + timedelta(days=i), START + timedelta(days=i + 1)) for i in range(4)]


def metric(aggregation: Aggregation = Aggregation.SUM) -> Metric:
    return Metric(
        "calls", "API calls", ResourceType.API_CALLS, MeasurementType.COUNTER, "call", aggregation
    )


def partial(total: str, records: int = 1) -> a.Partial:
    return a.Partial(records=records, total=Decimal(total))


def test_a_trend_within_two_percent_of_the_mean_is_flat_and_a_steeper_one_has_a_direction() -> None:
    assert trend([Decimal(100), Decimal(101), Decimal(100), Decimal(101)])[1] == "FLAT"
    assert trend([Decimal(1), Decimal(2), Decimal(3)]) == (Decimal("1.0000"), "UP")
    assert trend([Decimal(3), Decimal(2), Decimal(1)]) == (Decimal("-1.0000"), "DOWN")
    assert trend([Decimal(5)]) == (Decimal(0), "FLAT")


def test_the_top_is_the_largest_first_ties_by_key_with_shares_only_when_values_add_up() -> None:
    items = [(Decimal(1), "b"), (Decimal(3), "c"), (Decimal(3), "a"), (Decimal(3), "d")]
    top = ranked(metric(), items, {"a": "Alpha"}, 3)
    assert [(t["name"], t["value"], t["sharePercent"]) for t in top] == [
        ("Alpha", Decimal(3), Decimal("30.00")),
        ("c", Decimal(3), Decimal("30.00")),
        ("d", Decimal(3), Decimal("30.00")),
    ]
    assert {t["sharePercent"] for t in ranked(metric(Aggregation.MAX), items, {}, 2)} == {None}


def test_a_metric_entry_compares_with_the_previous_window_and_forecasts_at_its_pace() -> None:
    figures = MetricFigures(
        metric(),
        total=partial("40", records=4),
        previous=partial("50"),
        values=[Decimal(10), None, Decimal(10), Decimal(20)],
    )
    midway = START + timedelta(days=2)
    entry = metric_entry(figures, DAYS, (START, END), midway, {"top": {}})
    assert entry["previous"] == {
        "from": START - timedelta(days=4),
        "to": START,
        "total": Decimal(50),
        "change": Decimal(-10),
        "changePercent": Decimal("-20.00"),
    }
    assert entry["forecast"] == {"periodEnd": END, "basis": "PACE", "total": Decimal("80.00")}
    assert entry["trend"]["direction"] == "UP"  # the empty day counts as 0 for a SUM
    assert [s["value"] for s in entry["series"]] == [Decimal(10), None, Decimal(10), Decimal(20)]
    assert entry["records"] == 4 and entry["top"] == {}
    done = metric_entry(figures, DAYS, (START, END), END, {})
    assert done["forecast"] == {"periodEnd": END, "basis": "COMPLETE", "total": Decimal(40)}
    ahead = metric_entry(figures, DAYS, (START, END), START - timedelta(days=1), {})
    assert ahead["forecast"] == {"periodEnd": END, "basis": "NOT_STARTED", "total": None}


def test_a_metric_never_seen_in_the_window_has_no_total_and_no_change() -> None:
    figures = MetricFigures(metric(), None, partial("7"), [None, None, None, None])
    entry = metric_entry(figures, DAYS, (START, END), END, {})
    assert (entry["total"], entry["records"]) == (None, 0)
    assert entry["previous"]["change"] is None and entry["previous"]["changePercent"] is None


def test_a_moment_belongs_to_the_period_that_starts_at_or_before_it() -> None:
    day, offset = timedelta(days=1), timedelta(hours=3)
    assert period_start(day, offset, START.replace(hour=3)) == START.replace(hour=3)
    assert period_start(day, offset, START.replace(hour=2)) == datetime(2026, 2, 28, 3, tzinfo=UTC)
    assert period_start(timedelta(seconds=15), timedelta(0), START + timedelta(seconds=29)) == (
        START + timedelta(seconds=15)
    )


def test_a_failed_delivery_waits_twice_as_long_each_time_up_to_an_hour() -> None:
    assert [delivery_backoff(n).total_seconds() for n in (1, 2, 3, 11, 12, 30)] == [
        2,
        4,
        8,
        2048,
        3600,
        3600,
    ]
