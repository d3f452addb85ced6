"""The input limits: magnitude, scale, dates, text."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from domain import limits as lim
from domain import pricing as p
from domain.usage import ErrorCode, IngestPolicy, ResourceType, UsageDraft, validate_usage
from services.config import ConfigError, Settings

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def _codes(errors: list[lim.u.FieldError]) -> list[str]:
    return [e.code.value for e in errors]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1e15", None),
        ("-1e15", None),
        ("1000000000000000.1", "VALUE_OUT_OF_RANGE"),
        ("1e30", "VALUE_OUT_OF_RANGE"),
        ("1e999999", "VALUE_OUT_OF_RANGE"),
        ("0.000000000001", None),
        ("0.0000000000001", "TOO_MANY_DECIMALS"),
        ("1.0000000000000000000", None),  # trailing zeros are no precision
        ("NaN", "VALUE_NOT_FINITE"),
    ],
)
def test_a_usage_value_is_bounded_in_size_and_places(value: str, code: str | None) -> None:
    errors = lim.decimal_errors("value", Decimal(value), Decimal("1e15"), 12)
    assert _codes(errors) == ([code] if code else [])


def test_decimal_places_do_not_count_trailing_zeros() -> None:
    places = [lim.decimal_places(Decimal(v)) for v in ("1.50", "1E+5", "0.00", "120", "0.001")]
    assert places == [1, 0, 0, 0, 3]


@pytest.mark.parametrize(
    ("moment", "refused"),
    [
        (datetime(2000, 1, 1, tzinfo=UTC), False),
        (datetime(2100, 12, 31, 23, tzinfo=UTC), False),
        (datetime(1999, 12, 31, 23, tzinfo=UTC), True),
        (datetime(2101, 1, 1, tzinfo=UTC), True),
        (datetime(9999, 12, 31), True),
    ],
)
def test_a_date_lies_between_the_earliest_and_latest_year(moment: datetime, refused: bool) -> None:
    assert bool(lim.date_errors("from", moment, lim.DEFAULT)) == refused


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Acme GmbH", None),
        ("Ünïcödé ✓", None),
        ("a" * 201, "TOO_LONG"),
        ("a\x00b", "INVALID_CHARACTER"),
        ("a\ud800b", "INVALID_CHARACTER"),
        ("a\r\nBcc: x", "INVALID_CHARACTER"),
        ("tab\there", "INVALID_CHARACTER"),
    ],
)
def test_a_name_has_a_length_and_no_control_characters(text: str, code: str | None) -> None:
    assert _codes(lim.name_errors("name", text, 200)) == ([code] if code else [])


def test_properties_are_bounded_in_size_and_hold_only_storable_values() -> None:
    assert lim.json_errors("properties", {"a": [1, "x", {"b": None}]}, 100) == []
    assert _codes(lim.json_errors("properties", {"a": "x" * 200}, 100)) == ["TOO_LONG"]
    assert _codes(lim.json_errors("properties", {"a\x00": 1}, 100)) == ["INVALID_CHARACTER"]
    assert _codes(lim.json_errors("properties", {"n": float("inf")}, 100)) == ["VALUE_OUT_OF_RANGE"]
    assert _codes(lim.json_errors("properties", [Decimal("1e999999")], 100)) == [
        "VALUE_OUT_OF_RANGE"
    ]


def test_a_draft_beyond_the_policys_limits_is_refused_naming_the_field() -> None:
    from domain.usage import Aggregation, MeasurementType, Metric

    metric = Metric(
        "API_REQUESTS", "API", ResourceType.API_CALLS, MeasurementType.COUNTER, "req",
        Aggregation.SUM,
    )  # fmt: skip
    policy = IngestPolicy(
        late_arrival=timedelta(days=35),
        future_tolerance=timedelta(minutes=5),
        limits=lim.Limits(max_usage_value=Decimal(100)),
    )

    def draft(**change: object) -> UsageDraft:
        fields: dict[str, object] = {
            "company_id": uuid.uuid4(),
            "resource_type": ResourceType.API_CALLS,
            "metric_code": "API_REQUESTS",
            "timestamp": NOW,
            "value": Decimal(10),
            "unit": "req",
        }
        fields.update(change)
        return UsageDraft(**fields)  # type: ignore[arg-type]

    assert validate_usage(draft(), metric, policy, NOW) == []
    (error,) = validate_usage(draft(value=Decimal(101)), metric, policy, NOW)
    assert (error.field, error.code) == ("value", ErrorCode.VALUE_OUT_OF_RANGE)
    (error,) = validate_usage(draft(source="s" * 300), metric, policy, NOW)
    assert (error.field, error.code) == ("source", ErrorCode.TOO_LONG)
    (error,) = validate_usage(draft(properties={"k": "\x00"}), metric, policy, NOW)
    assert (error.field, error.code) == ("properties", ErrorCode.INVALID_CHARACTER)


def test_a_price_beyond_its_bounds_names_the_field() -> None:
    bounds = p.PriceBounds(max_amount=Decimal(10), max_quantity=Decimal(1000), max_decimals=4)
    price = p.Price(
        model=p.PriceModel.GRADUATED,
        tiers=(
            p.Tier(Decimal(5000), Decimal("0.00001"), None),
            p.Tier(None, Decimal("1e999999"), None),
        ),
    )
    errors = p.price_errors(price, bounds)
    assert [(e.field, e.code.value) for e in errors] == [
        ("tiers[0].upTo", "OUT_OF_RANGE"),
        ("tiers[0].unitPrice", "TOO_MANY_DECIMALS"),
        ("tiers[1].unitPrice", "OUT_OF_RANGE"),
    ]
    assert p.price_errors(price) == []  # stored prices are rated as they are


def test_the_limits_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {"METERGRAPH_MAX_USAGE_VALUE": "1e6", "METERGRAPH_LATEST_YEAR": "2050"}
    )
    assert settings.limits.max_usage_value == Decimal("1e6")
    assert settings.limits.latest == datetime(2051, 1, 1, tzinfo=UTC)
    assert Settings.from_env({}).limits == lim.DEFAULT
    for bad in ("0", "-1", "NaN", "lots"):
        with pytest.raises(ConfigError):
            Settings.from_env({"METERGRAPH_MAX_PRICE": bad})
    assert date(2000, 1, 1) == lim.DEFAULT.earliest.date()
