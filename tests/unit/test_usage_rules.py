"""Usage reading, correction and retention rules, without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from domain import aggregation as a
from domain.corrections import MAX_REASON, CorrectionAction, reason_errors, retention_error
from domain.errors import Invalid
from domain.gaps import Gap, gaps_of
from domain.retention import (
    DEFAULT_RULE,
    Rule,
    partition_horizon,
    raw_cutoff,
    rollup_cutoffs,
    rule_for,
    stale_buckets,
    writable_from,
)
from domain.usage import (
    Aggregation,
    ErrorCode,
    MeasurementType,
    Metric,
    ReportingInterval,
    ResourceType,
)

A, B = UUID(int=1), UUID(int=2)
NOW = datetime(2026, 12, 3, 6, 30, tzinfo=UTC)


def hour(n: int) -> datetime:
    return datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=n)


def metric(code: str, kind: ResourceType, aggregation: Aggregation) -> Metric:
    return Metric(code, code, kind, MeasurementType.COUNTER, "u", aggregation)


METRICS = {
    "CALLS": metric("CALLS", ResourceType.API_CALLS, Aggregation.SUM),
    "BYTES": metric("BYTES", ResourceType.STORAGE, Aggregation.MAX),
    "SEATS": metric("SEATS", ResourceType.USER_COUNT, Aggregation.LATEST),
}


# ---------------------------------------------------------------- aggregation


def test_an_unknown_metric_code_is_named() -> None:
    error = a.unknown_metric(["CALLS", "NOPE"], METRICS)
    assert error is not None
    assert (error.field, error.code, error.message) == (
        "metricCodes",
        ErrorCode.UNKNOWN_METRIC,
        "no metric 'NOPE'",
    )
    assert a.unknown_metric(["CALLS"], METRICS) is None


def test_a_resource_type_narrows_the_codes_or_picks_its_metrics() -> None:
    assert a.of_resource_type(["CALLS", "BYTES"], METRICS, ResourceType.STORAGE) == ["BYTES"]
    assert a.of_resource_type([], METRICS, ResourceType.USER_COUNT) == ["SEATS"]
    assert a.of_resource_type(["CALLS"], METRICS, ResourceType.STORAGE) == []


def test_without_functions_each_chosen_metric_brings_its_own_aggregation() -> None:
    assert a.functions_for([], ["BYTES"], METRICS) == (a.Function.MAX,)
    assert a.functions_for([], [], METRICS) == (a.Function.SUM, a.Function.MAX, a.Function.LATEST)
    asked = [a.Function.COUNT, a.Function.SUM, a.Function.COUNT]
    assert a.functions_for(asked, ["BYTES"], METRICS) == (a.Function.COUNT, a.Function.SUM)


def test_space_level_groups_by_space_first_and_a_scoped_key_not_by_company() -> None:
    asked = [a.Dimension.COMPANY, a.Dimension.SOURCE]
    assert a.grouping(asked, a.Level.SPACE, sees_every_company=True) == (
        a.Dimension.SPACE,
        a.Dimension.COMPANY,
        a.Dimension.SOURCE,
    )
    assert a.grouping(asked, a.Level.COMPANY, sees_every_company=False) == (a.Dimension.SOURCE,)


def test_rollups_are_read_only_when_every_figure_asked_for_has_them() -> None:
    criteria = a.Criteria(
        from_=hour(0),
        to=hour(24),
        granularity=a.Granularity.DAY,
        functions=(a.Function.SUM,),
        time_zone=a.zone("UTC"),
    )
    assert a.sources_read(criteria) == (
        a.Source.RAW,
        a.Source.MONTH,
        a.Source.DAY,
        a.Source.HOUR,
    )
    unique = replace(criteria, functions=(a.Function.UNIQUE_COUNT,))
    assert a.sources_read(unique) == (a.Source.RAW,)


def test_result_rows_come_in_period_metric_and_group_order_with_none_last() -> None:
    criteria = a.Criteria(
        from_=hour(0),
        to=hour(2),
        granularity=a.Granularity.HOUR,
        functions=(a.Function.SUM,),
        time_zone=a.zone("UTC"),
        group_by=(a.Dimension.SOURCE,),
    )
    periods = [(hour(0), hour(1)), (hour(1), hour(2))]
    partials = {
        (1, "CALLS", ("web",)): a.Partial(records=1, total=Decimal(2)),
        (0, "CALLS", (None,)): a.Partial(records=1, total=Decimal(3)),
        (0, "CALLS", ("web",)): a.Partial(records=2, total=Decimal(5)),
    }
    rows = a.result_rows(criteria, periods, partials, {(1, "CALLS", ("web",)): Decimal("1.5")})
    assert [(r.period_start, r.group, r.partial.total, r.time_weighted) for r in rows] == [
        (hour(0), {"SOURCE": "web"}, Decimal(5), None),
        (hour(0), {"SOURCE": None}, Decimal(3), None),
        (hour(1), {"SOURCE": "web"}, Decimal(2), Decimal("1.5")),
    ]


def test_a_reading_holds_into_the_next_period() -> None:
    series = {("SEATS", ()): [a.Reading(hour(0), Decimal(10)), a.Reading(hour(1), Decimal(20))]}
    periods = [(hour(0), hour(1)), (hour(1), hour(3))]
    held = {("SEATS", ()): a.Reading(hour(-5), Decimal(0))}
    assert a.weighted_by_period(series, held, periods) == {
        (0, "SEATS", ()): Decimal(10),
        (1, "SEATS", ()): Decimal(20),
    }


def test_a_window_before_the_raw_horizon_is_refused_as_invalid_input() -> None:
    with pytest.raises(Invalid) as refused:
        a.require_raw_from(hour(0), {a.Source.RAW: hour(1)})
    assert (refused.value.code, refused.value.field) == ("WINDOW_NOT_ANSWERABLE", "from")
    a.require_raw_from(hour(1), {a.Source.RAW: hour(1)})


# ---------------------------------------------------------------- gaps


def test_consecutive_missing_hours_of_a_company_are_one_gap() -> None:
    missing = [(A, hour(1)), (A, hour(2)), (A, hour(5)), (B, hour(6))]
    assert gaps_of("CALLS", ReportingInterval.HOURLY, missing) == [
        Gap(A, "CALLS", ReportingInterval.HOURLY, hour(1), hour(3), 2),
        Gap(A, "CALLS", ReportingInterval.HOURLY, hour(5), hour(6), 1),
        Gap(B, "CALLS", ReportingInterval.HOURLY, hour(6), hour(7), 1),
    ]


def test_a_missing_december_ends_in_january() -> None:
    december = datetime(2026, 12, 1, tzinfo=UTC)
    (gap,) = gaps_of("SEATS", ReportingInterval.MONTHLY, [(A, december)])
    assert gap.end == datetime(2027, 1, 1, tzinfo=UTC)


# ---------------------------------------------------------------- corrections


def test_a_reason_must_say_something_and_not_too_much() -> None:
    assert [e.code for e in reason_errors("  ")] == [ErrorCode.REQUIRED]
    assert [e.code for e in reason_errors("x" * (MAX_REASON + 1))] == [ErrorCode.TOO_LONG]
    assert reason_errors("ticket 42") == []


def test_a_record_before_the_raw_horizon_can_no_longer_be_corrected() -> None:
    error = retention_error(hour(0), hour(1))
    assert error is not None and (error.field, error.code) == ("id", ErrorCode.TIMESTAMP_TOO_OLD)
    assert retention_error(hour(1), hour(1)) is None
    assert retention_error(hour(0), None) is None


def test_a_correction_is_recorded_as_correct_and_a_void_as_void() -> None:
    assert CorrectionAction.of(replaced=True) is CorrectionAction.CORRECT
    assert CorrectionAction.of(replaced=False) is CorrectionAction.VOID


# ---------------------------------------------------------------- retention

RULES = {
    DEFAULT_RULE: Rule(DEFAULT_RULE, 30, 7, None, None),
    "CALLS": Rule("CALLS", 90, 30, 400, 3650),
}


def test_a_metric_without_its_own_rule_follows_the_default() -> None:
    assert rule_for(RULES, "SEATS") is RULES[DEFAULT_RULE]
    assert rule_for(RULES, "CALLS") is RULES["CALLS"]


def test_cutoffs_are_whole_utc_days() -> None:
    assert raw_cutoff(RULES[DEFAULT_RULE], NOW) == datetime(2026, 11, 3, tzinfo=UTC)
    assert rollup_cutoffs(RULES[DEFAULT_RULE], NOW) == [
        (a.Source.HOUR, datetime(2026, 11, 26, tzinfo=UTC))
    ]
    assert [level for level, _ in rollup_cutoffs(RULES["CALLS"], NOW)] == [
        a.Source.HOUR,
        a.Source.DAY,
        a.Source.MONTH,
    ]


def test_the_longest_late_window_of_any_company_keeps_partitions() -> None:
    assert writable_from(NOW, timedelta(days=35), 60) == datetime(2026, 10, 4, tzinfo=UTC)
    assert writable_from(NOW, timedelta(days=35), 0) == datetime(2026, 10, 29, tzinfo=UTC)


def test_no_partition_is_dropped_while_a_metric_keeps_its_raw_records() -> None:
    cutoffs = {"CALLS": hour(0)}
    assert partition_horizon(["CALLS", "SEATS"], cutoffs, hour(10)) is None
    assert partition_horizon([], {}, hour(10)) is None
    assert partition_horizon(["CALLS"], cutoffs, hour(10)) == hour(0)
    assert partition_horizon(["CALLS"], cutoffs, hour(-1)) == hour(-1)


def test_stale_hours_make_their_day_and_month_stale_each_once_finest_first() -> None:
    company = UUID(int=1)
    hours = {
        (company, "API_REQUESTS", datetime(2024, 1, 31, 23, tzinfo=UTC)),
        (company, "API_REQUESTS", datetime(2024, 1, 31, 5, tzinfo=UTC)),
        (company, "API_REQUESTS", datetime(2024, 2, 1, 0, tzinfo=UTC)),
    }
    stale = stale_buckets(hours)
    assert [h for _, _, h in stale.hours] == [
        datetime(2024, 1, 31, 5, tzinfo=UTC),
        datetime(2024, 1, 31, 23, tzinfo=UTC),
        datetime(2024, 2, 1, 0, tzinfo=UTC),
    ]
    assert [d for _, _, d in stale.days] == [
        datetime(2024, 1, 31, tzinfo=UTC),
        datetime(2024, 2, 1, tzinfo=UTC),
    ]
    assert [m for _, _, m in stale.months] == [
        datetime(2024, 1, 1, tzinfo=UTC),
        datetime(2024, 2, 1, tzinfo=UTC),
    ]
