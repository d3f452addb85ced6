"""Bulk usage files: CSV in the seed's column set, and NDJSON of UsageRecordInput.

Pure parsing: text in, ``ParsedRow`` (a draft-to-be with its line number) or
``LineError`` out. Looking companies and metrics up is the caller's job; the
CSV's rows name their company by external key and take resource type and
unit from the metric definition.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any
from uuid import UUID

import msgspec

from domain.usage import ErrorCode, FieldError, MeasurementType, ResourceType, UsageDraft


class BulkFormat(Enum):
    CSV = "csv"
    NDJSON = "ndjson"


CSV_COLUMNS = (
    "event_id",
    "customer_id",
    "product_code",
    "metric_name",
    "timestamp",
    "quantity",
    "additional_properties",
)
CSV_REQUIRED = ("customer_id", "metric_name", "timestamp", "quantity")


class BulkFileError(ValueError):
    """The file as a whole cannot be read (bad header, wrong encoding)."""


class ParsedRow(msgspec.Struct, gc=False):
    """One record of a bulk file, typed but not yet validated against metrics.

    ``company_key`` is set for CSV rows (an external key), ``company_id`` for
    NDJSON rows; resource type and unit may be missing (CSV) and are then
    taken from the metric. A Struct (about five times faster to build than a
    dataclass), built by position: every line builds one. Untracked by the
    garbage collector, as it refers to nothing that refers back to it.
    """

    line: int
    metric_code: str
    timestamp: datetime
    value: Decimal
    company_key: str | None = None
    company_id: UUID | None = None
    resource_type: ResourceType | None = None
    unit: str | None = None
    # what a CSV row carries beyond the draft's first fields
    idempotency_key: str | None = None
    product_code: str | None = None
    properties: dict[str, Any] | None = None
    # an NDJSON line read field by field: its optional fields, as UsageDraft's keywords
    extra: dict[str, Any] | None = None
    # the whole record, when the line carried every field a draft needs
    draft: UsageDraft | None = None

    def as_draft(self, company_id: UUID, resource_type: ResourceType, unit: str) -> UsageDraft:
        """The draft of a row whose company and metric are known (``resource_type``
        and ``unit``: the row's own, or else its metric's)."""
        if self.extra:  # an NDJSON line read field by field
            return UsageDraft(
                company_id=company_id,
                resource_type=resource_type,
                metric_code=self.metric_code,
                timestamp=self.timestamp,
                value=self.value,
                unit=unit,
                **self.extra,
            )
        # in UsageDraft's field order, the ones a CSV row leaves as their
        # defaults written out (positional and spelt out: every row builds one)
        return UsageDraft(
            company_id,
            resource_type,
            self.metric_code,
            self.timestamp,
            self.value,
            unit,
            None,  # measurement type to billing period: none
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            True,  # billable
            None,  # no billing category
            self.idempotency_key,
            self.properties,
            self.product_code,
        )


@dataclass(frozen=True)
class LineError:
    line: int
    error: FieldError


def parse_timestamp(text: str) -> datetime:
    text = text.strip()
    if not text:
        raise ValueError("empty")
    return datetime.fromisoformat(text)


def parse_decimal(text: str) -> Decimal:
    try:
        return Decimal(text.strip())
    except InvalidOperation as exc:
        raise ValueError(text) from exc


def split_csv_record(text: str) -> list[str] | str:
    """The fields of one CSV record (RFC 4180), or why it cannot be read.

    A record with no quote in it is split on its commas, as the csv module
    would split it, at a fraction of the cost; the csv module reads the rest.
    """
    if not text:
        return []
    if '"' not in text and "\r" not in text and "\n" not in text:
        return text.split(",")
    try:
        return next(csv.reader([text]))
    except csv.Error as exc:
        return str(exc)


class CsvReader:
    """Reads the seed's CSV layout record by record."""

    def __init__(self, header: str) -> None:
        try:
            names = next(csv.reader([header]))
        except (csv.Error, StopIteration) as exc:
            raise BulkFileError(f"the header line cannot be read as CSV: {exc}") from exc
        names = [n.strip().lstrip("\ufeff") for n in names]
        unknown = [n for n in names if n not in CSV_COLUMNS]
        missing = [n for n in CSV_REQUIRED if n not in names]
        if missing or unknown:
            parts = []
            if missing:
                parts.append("missing column(s) " + ", ".join(missing))
            if unknown:
                parts.append("unknown column(s) " + ", ".join(unknown))
            raise BulkFileError("; ".join(parts) + ". Expected header: " + ",".join(CSV_COLUMNS))
        if len(set(names)) != len(names):
            raise BulkFileError("the header names a column twice")
        self.columns = names
        at = {name: index for index, name in enumerate(names)}
        # each field read by its place in the header (no dict per row); a
        # column the header lacks reads as empty
        self._required = [(name, at[name]) for name in CSV_REQUIRED]
        self._customer, self._metric = at["customer_id"], at["metric_name"]
        self._timestamp, self._quantity = at["timestamp"], at["quantity"]
        self._event = at.get("event_id")
        self._product = at.get("product_code")
        self._properties = at.get("additional_properties")

    def parse(self, line: int, text: str) -> ParsedRow | LineError | None:
        """The row of one record (its first line, its text); None for a blank line
        or a comment. Every row reads this way, so the usual one is read in
        place: each field stripped once, nothing built but the row."""
        stripped = text.strip()
        if not stripped or stripped[0] == "#":
            return None
        values = split_csv_record(stripped)
        if isinstance(values, str):
            return _bad(line, "line", ErrorCode.INVALID_FORMAT, f"not valid CSV: {values}")
        width = len(self.columns)
        if len(values) != width:
            if len(values) > width:
                message = f"{len(values)} fields, the header has {width}"
                return _bad(line, "line", ErrorCode.INVALID_FORMAT, message)
            values += [""] * (width - len(values))
        customer = values[self._customer].strip()
        metric = values[self._metric].strip()
        stamp = values[self._timestamp].strip()
        quantity = values[self._quantity].strip()
        if not (customer and metric and stamp and quantity):
            name = next(name for name, index in self._required if not values[index].strip())
            return _bad(line, name, ErrorCode.REQUIRED, f"{name} is empty")
        try:
            ts = _from_iso(stamp)
        except ValueError:
            message = f"{values[self._timestamp]!r} is not an ISO 8601 timestamp"
            return _bad(line, "timestamp", ErrorCode.INVALID_FORMAT, message)
        try:
            value = Decimal(quantity)
        except InvalidOperation:
            message = f"{values[self._quantity]!r} is not a number"
            return _bad(line, "quantity", ErrorCode.INVALID_FORMAT, message)
        properties: dict[str, Any] | None = None
        if self._properties is not None:
            raw_props = values[self._properties].strip()
            if raw_props:
                read = _csv_properties(line, raw_props)
                if isinstance(read, LineError):
                    return read
                properties = read
        event, product = self._event, self._product
        return ParsedRow(
            line,
            metric,
            ts,
            value,
            customer,
            None,
            None,
            None,
            None if event is None else values[event].strip() or None,
            None if product is None else values[product].strip() or None,
            properties,
        )


_from_iso = datetime.fromisoformat


def _csv_properties(line: int, raw: str) -> dict[str, Any] | LineError:
    """additional_properties: a JSON object."""
    try:
        properties = json.loads(raw)
    except json.JSONDecodeError:
        message = "additional_properties is not valid JSON"
        return _bad(line, "additional_properties", ErrorCode.INVALID_FORMAT, message)
    if not isinstance(properties, dict):
        message = "additional_properties must be a JSON object"
        return _bad(line, "additional_properties", ErrorCode.INVALID_FORMAT, message)
    return properties


_NDJSON_OPTIONAL_TEXT = ("interval", "source", "billingCategory", "idempotencyKey", "productCode")
_NDJSON_OPTIONAL_UUID = ("spaceId", "applicationId", "userId", "subscriptionId")
_SNAKE = {
    "interval": "interval",
    "source": "source",
    "billingCategory": "billing_category",
    "idempotencyKey": "idempotency_key",
    "productCode": "product_code",
    "spaceId": "space_id",
    "applicationId": "application_id",
    "userId": "user_id",
    "subscriptionId": "subscription_id",
}
NDJSON_FIELDS = {
    "companyId",
    "resourceType",
    "metricCode",
    "timestamp",
    "value",
    "unit",
    "measurementType",
    "billingPeriod",
    "billable",
    "properties",
    *_SNAKE,
}


# Beyond this a number in properties is not made plain (a float would be
# infinite, an int of a million digits costs seconds): it is refused instead.
PLAIN_NUMBER_LIMIT = Decimal("1e100")


def plain_json(value: Any) -> Any:
    """Decimals parsed for exact usage values become plain floats inside free-form properties."""
    if isinstance(value, Decimal):
        if not value.is_finite() or abs(value) >= PLAIN_NUMBER_LIMIT:
            return value  # left as it came: validation refuses it (domain.limits.json_errors)
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [plain_json(v) for v in value]
    if isinstance(value, dict):
        return {k: plain_json(v) for k, v in value.items()}
    return value


class BillingPeriodWire(msgspec.Struct, forbid_unknown_fields=True):
    startDate: datetime
    endDate: datetime


class UsageRecordWire(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """UsageRecordInput as JSON, decoded in one typed pass (GraphQL variables, NDJSON);
    untracked by the garbage collector (it holds decoded JSON, which cannot refer
    back to it)."""

    companyId: UUID
    resourceType: ResourceType
    metricCode: str
    timestamp: datetime
    value: Decimal
    unit: str
    measurementType: MeasurementType | None = None
    interval: str | None = None
    spaceId: UUID | None = None
    applicationId: UUID | None = None
    userId: UUID | None = None
    source: str | None = None
    subscriptionId: UUID | None = None
    billingPeriod: BillingPeriodWire | None = None
    billable: bool = True
    billingCategory: str | None = None
    idempotencyKey: str | None = None
    properties: Any = None
    productCode: str | None = None

    def draft(self) -> UsageDraft:
        period = self.billingPeriod
        props = self.properties
        # in UsageDraft's field order (positional: every record builds one)
        return UsageDraft(
            self.companyId,
            self.resourceType,
            self.metricCode,
            self.timestamp,
            self.value,
            self.unit,
            self.measurementType,
            self.interval,
            self.spaceId,
            self.applicationId,
            self.userId,
            self.source,
            self.subscriptionId,
            period.startDate if period else None,
            period.endDate if period else None,
            self.billable,
            self.billingCategory,
            self.idempotencyKey,
            props if isinstance(props, dict) or props is None else {"value": props},
            self.productCode,
        )


_LINE = msgspec.json.Decoder(UsageRecordWire)


def parse_ndjson(line: int, text: str) -> ParsedRow | LineError | None:
    """One line of NDJSON: a UsageRecordInput object with its GraphQL field names.

    A well-formed line is decoded in one typed pass; anything msgspec refuses
    is parsed field by field, which names the field and the problem.
    """
    try:
        # JSON's whitespace around the object is no error: stripped only when it fails
        wire = _LINE.decode(text)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return _parse_stripped(line, text.strip())
    if not wire.metricCode or not wire.unit:
        return _parse_ndjson_line(line, text.strip())
    return _complete_row(line, wire)


def _parse_stripped(line: int, stripped: str) -> ParsedRow | LineError | None:
    """``parse_ndjson`` of a line whose text around the object is stripped."""
    if not stripped:
        return None
    try:
        wire = _LINE.decode(stripped)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return _parse_ndjson_line(line, stripped)
    if not wire.metricCode or not wire.unit:
        return _parse_ndjson_line(line, stripped)
    return _complete_row(line, wire)


def _complete_row(line: int, wire: UsageRecordWire) -> ParsedRow:
    """A line that carried every field a draft needs."""
    draft = wire.draft()
    # by position (every line builds one): no company key, CSV fields nor extra
    return ParsedRow(
        line,
        draft.metric_code,
        draft.timestamp,
        draft.value,
        None,
        draft.company_id,
        draft.resource_type,
        draft.unit,
        None,
        None,
        None,
        None,
        draft,
    )


def _bad(line: int, field_name: str, code: ErrorCode, message: str) -> LineError:
    return LineError(line, FieldError(field_name, code, message))


def _parse_ndjson_line(line: int, text: str) -> ParsedRow | LineError | None:
    """A line msgspec refused, read field by field to name what is wrong."""
    obj = _ndjson_object(line, text)
    if isinstance(obj, LineError):
        return obj
    try:
        company_id = UUID(str(obj["companyId"]))
    except ValueError:
        return _bad(line, "companyId", ErrorCode.INVALID_FORMAT, "companyId must be a UUID")
    try:
        resource_type = ResourceType(obj["resourceType"])
    except ValueError:
        return _bad(
            line,
            "resourceType",
            ErrorCode.INVALID_FORMAT,
            f"unknown resourceType {obj['resourceType']!r}",
        )
    if not isinstance(obj["metricCode"], str) or not isinstance(obj["unit"], str):
        field_name = "metricCode" if not isinstance(obj["metricCode"], str) else "unit"
        return _bad(line, field_name, ErrorCode.INVALID_FORMAT, f"{field_name} must be a string")
    try:
        ts = parse_timestamp(str(obj["timestamp"]))
    except ValueError:
        message = "timestamp is not an ISO 8601 timestamp"
        return _bad(line, "timestamp", ErrorCode.INVALID_FORMAT, message)
    raw_value = obj["value"]
    if isinstance(raw_value, bool) or not isinstance(raw_value, (int, Decimal, str)):
        message = "value must be a number or a decimal string"
        return _bad(line, "value", ErrorCode.INVALID_FORMAT, message)
    try:
        value = parse_decimal(str(raw_value))
    except ValueError:
        return _bad(line, "value", ErrorCode.INVALID_FORMAT, f"{raw_value!r} is not a number")
    extra = _ndjson_extra(line, obj)
    if isinstance(extra, LineError):
        return extra
    return ParsedRow(
        line=line,
        metric_code=obj["metricCode"],
        timestamp=ts,
        value=value,
        company_id=company_id,
        resource_type=resource_type,
        unit=obj["unit"],
        extra=extra,
    )


def _ndjson_object(line: int, text: str) -> dict[str, Any] | LineError:
    """The line as a JSON object of known fields, the required ones present."""
    try:
        obj = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        return _bad(line, "line", ErrorCode.INVALID_FORMAT, f"not valid JSON: {exc.msg}")
    except ValueError:  # an integer of more digits than Python converts
        return _bad(line, "line", ErrorCode.INVALID_FORMAT, "a number on this line is too long")
    except RecursionError:
        return _bad(line, "line", ErrorCode.INVALID_FORMAT, "the line is nested too deeply")
    if not isinstance(obj, dict):
        return _bad(line, "line", ErrorCode.INVALID_FORMAT, "each line must be a JSON object")
    unknown = sorted(set(obj) - NDJSON_FIELDS)
    if unknown:
        return _bad(line, unknown[0], ErrorCode.INVALID_FORMAT, f"unknown field {unknown[0]!r}")
    for name in ("companyId", "resourceType", "metricCode", "timestamp", "value", "unit"):
        if obj.get(name) in (None, ""):
            return _bad(line, name, ErrorCode.REQUIRED, f"{name} is required")
    return obj


def _ndjson_extra(line: int, obj: dict[str, Any]) -> dict[str, Any] | LineError:
    """The optional fields of a line's object, as UsageDraft's keyword arguments."""
    extra: dict[str, Any] = {}
    for name in _NDJSON_OPTIONAL_TEXT:
        if obj.get(name) is not None:
            if not isinstance(obj[name], str):
                return _bad(line, name, ErrorCode.INVALID_FORMAT, f"{name} must be a string")
            extra[_SNAKE[name]] = obj[name]
    for name in _NDJSON_OPTIONAL_UUID:
        if obj.get(name) is not None:
            try:
                extra[_SNAKE[name]] = UUID(str(obj[name]))
            except ValueError:
                return _bad(line, name, ErrorCode.INVALID_FORMAT, f"{name} must be a UUID")
    if obj.get("measurementType") is not None:
        try:
            extra["measurement_type"] = MeasurementType(obj["measurementType"])
        except ValueError:
            message = "unknown measurementType"
            return _bad(line, "measurementType", ErrorCode.INVALID_FORMAT, message)
    if obj.get("billable") is not None:
        if not isinstance(obj["billable"], bool):
            message = "billable must be true or false"
            return _bad(line, "billable", ErrorCode.INVALID_FORMAT, message)
        extra["billable"] = obj["billable"]
    period = obj.get("billingPeriod")
    if period is not None:
        if not isinstance(period, dict):
            message = "billingPeriod must be an object"
            return _bad(line, "billingPeriod", ErrorCode.INVALID_FORMAT, message)
        try:
            extra["billing_period_start"] = parse_timestamp(str(period.get("startDate") or ""))
            extra["billing_period_end"] = parse_timestamp(str(period.get("endDate") or ""))
        except ValueError:
            message = "billingPeriod needs ISO 8601 startDate and endDate"
            return _bad(line, "billingPeriod", ErrorCode.INVALID_FORMAT, message)
    props = obj.get("properties")
    if props is not None:
        props = plain_json(props)
        extra["properties"] = props if isinstance(props, dict) else {"value": props}
    return extra


TELEMETRY_COLUMNS = (
    "timestamp",
    "unit_value",
    "filter_dimension",
    "filter_dimension_group",
    "element_id",
)
# The telemetry column to name in an error about a record's field.
TELEMETRY_FIELDS = {
    "metricCode": "filter_dimension_group",
    "value": "unit_value",
    "companyId": "element_id",
    "customer_id": "element_id",
    "idempotencyKey": "timestamp",
}


def is_telemetry_header(header: str) -> bool:
    try:
        names = next(csv.reader([header]))
    except (csv.Error, StopIteration):
        return False
    return tuple(n.strip().lstrip("\ufeff") for n in names) == TELEMETRY_COLUMNS


class TelemetryReader:
    """Reads allocation telemetry: ``timestamp, unit_value, filter_dimension,
    filter_dimension_group, element_id``.

    The group of the ``product`` dimension names a product (whose metric the
    usage is recorded under); the element is the company's external key. A
    row's idempotency key is its timestamp, product and element, so a file
    imported twice stores nothing the second time.
    """

    def __init__(self, product_metrics: dict[str, str]) -> None:
        self.product_metrics = product_metrics

    def parse(self, line: int, text: str) -> ParsedRow | LineError | None:
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            return None

        def bad(name: str, code: ErrorCode, message: str) -> LineError:
            return LineError(line, FieldError(name, code, message))

        values = split_csv_record(stripped)
        if isinstance(values, str):
            return bad("line", ErrorCode.INVALID_FORMAT, f"not valid CSV: {values}")
        if len(values) != len(TELEMETRY_COLUMNS):
            return bad(
                "line",
                ErrorCode.INVALID_FORMAT,
                f"{len(values)} fields, the header has {len(TELEMETRY_COLUMNS)}",
            )
        row = dict(zip(TELEMETRY_COLUMNS, (v.strip() for v in values), strict=True))
        for name in TELEMETRY_COLUMNS:
            if not row[name]:
                return bad(name, ErrorCode.REQUIRED, f"{name} is empty")
        if row["filter_dimension"] != "product":
            return bad(
                "filter_dimension",
                ErrorCode.INVALID_FORMAT,
                f"only the 'product' dimension is imported, not {row['filter_dimension']!r}",
            )
        product = row["filter_dimension_group"]
        metric = self.product_metrics.get(product)
        if metric is None:
            return bad(
                "filter_dimension_group", ErrorCode.UNKNOWN_PRODUCT, f"no product {product!r}"
            )
        try:
            ts = parse_timestamp(row["timestamp"])
        except ValueError:
            return bad(
                "timestamp",
                ErrorCode.INVALID_FORMAT,
                f"{row['timestamp']!r} is not an ISO 8601 timestamp",
            )
        try:
            value = parse_decimal(row["unit_value"])
        except ValueError:
            return bad(
                "unit_value", ErrorCode.INVALID_FORMAT, f"{row['unit_value']!r} is not a number"
            )
        stamp = ts.isoformat() if ts.tzinfo is not None else row["timestamp"]
        return ParsedRow(
            line=line,
            metric_code=metric,
            timestamp=ts,
            value=value,
            company_key=row["element_id"],
            idempotency_key=f"telemetry:{stamp}:{product}:{row['element_id']}",
            product_code=product,
            properties={row["filter_dimension"]: product},
        )
