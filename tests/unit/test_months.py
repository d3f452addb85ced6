"""The months a write's records fall in, as partitions are made for them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from storage.partitions import month_of, months_of

ZONES = st.sampled_from(
    [
        UTC,
        timezone(timedelta(hours=-3)),
        timezone(timedelta(hours=14)),
        timezone(-timedelta(seconds=3661)),
    ]
)
INSTANTS = st.builds(
    lambda naive, zone: naive.replace(tzinfo=zone),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    ZONES,
)


@given(st.lists(INSTANTS, max_size=30))
def test_the_months_of_many_are_the_month_of_each(timestamps: list[datetime]) -> None:
    assert months_of(timestamps) == {month_of(ts) for ts in timestamps}


@given(st.lists(st.integers(min_value=-3 * 86_400, max_value=3 * 86_400), max_size=30), ZONES)
def test_the_months_of_times_near_a_month_end_are_the_month_of_each(
    seconds: list[int], zone: timezone
) -> None:
    # mostly one month (the earliest and latest answer), sometimes two
    end = datetime(2026, 12, 1, tzinfo=UTC)
    timestamps = [(end + timedelta(seconds=s)).astimezone(zone) for s in seconds]
    assert months_of(timestamps) == {month_of(ts) for ts in timestamps}


def test_a_time_in_another_zone_falls_in_its_utc_month() -> None:
    late_november = datetime(2026, 11, 30, 22, tzinfo=timezone(timedelta(hours=-3)))
    new_year = datetime(2027, 1, 1, 1, tzinfo=timezone(timedelta(hours=2)))
    assert months_of([late_november, new_year]) == {
        datetime(2026, 12, 1).date(),
    }
