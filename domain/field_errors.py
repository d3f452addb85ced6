"""How a refused input is named: the field at fault and a machine-readable code.

Every rule in the domain answers with ``FieldError`` values; the API turns
them into the ``ValidationError`` union member. Kept apart so that the rule
modules (``domain.usage``, ``domain.limits``) share it without importing
each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class ErrorCode(Enum):
    REQUIRED = "REQUIRED"
    INVALID_FORMAT = "INVALID_FORMAT"
    UNKNOWN_COMPANY = "UNKNOWN_COMPANY"
    UNKNOWN_METRIC = "UNKNOWN_METRIC"
    RESOURCE_TYPE_MISMATCH = "RESOURCE_TYPE_MISMATCH"
    UNIT_MISMATCH = "UNIT_MISMATCH"
    MEASUREMENT_TYPE_MISMATCH = "MEASUREMENT_TYPE_MISMATCH"
    VALUE_NOT_FINITE = "VALUE_NOT_FINITE"
    NEGATIVE_COUNTER_VALUE = "NEGATIVE_COUNTER_VALUE"
    TIMESTAMP_WITHOUT_OFFSET = "TIMESTAMP_WITHOUT_OFFSET"
    TIMESTAMP_IN_FUTURE = "TIMESTAMP_IN_FUTURE"
    TIMESTAMP_TOO_OLD = "TIMESTAMP_TOO_OLD"
    INVALID_BILLING_PERIOD = "INVALID_BILLING_PERIOD"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    FORBIDDEN = "FORBIDDEN"
    BATCH_TOO_LARGE = "BATCH_TOO_LARGE"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    NOT_FOUND = "NOT_FOUND"
    INVALID_WINDOW = "INVALID_WINDOW"
    WINDOW_NOT_ANSWERABLE = "WINDOW_NOT_ANSWERABLE"
    # prices and contracts
    NEGATIVE_PRICE = "NEGATIVE_PRICE"
    PACKAGE_SIZE_NOT_POSITIVE = "PACKAGE_SIZE_NOT_POSITIVE"
    FIELD_NOT_APPLICABLE = "FIELD_NOT_APPLICABLE"
    TIERS_REQUIRED = "TIERS_REQUIRED"
    TIERS_UNORDERED = "TIERS_UNORDERED"
    UNBOUNDED_TIER_NOT_LAST = "UNBOUNDED_TIER_NOT_LAST"
    LAST_TIER_BOUNDED = "LAST_TIER_BOUNDED"
    UNKNOWN_PRODUCT = "UNKNOWN_PRODUCT"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    NOT_PAYABLE = "NOT_PAYABLE"
    # limits (domain.limits)
    VALUE_OUT_OF_RANGE = "VALUE_OUT_OF_RANGE"
    TOO_MANY_DECIMALS = "TOO_MANY_DECIMALS"
    TOO_LONG = "TOO_LONG"
    INVALID_CHARACTER = "INVALID_CHARACTER"
    # retention rules (domain.retention)
    RETENTION_TOO_SHORT = "RETENTION_TOO_SHORT"
    # API keys (domain.keys)
    KEY_REVOKED = "KEY_REVOKED"
    EXPIRES_IN_PAST = "EXPIRES_IN_PAST"
    # privacy (domain.privacy)
    USER_ID_MODE_LOCKED = "USER_ID_MODE_LOCKED"
    # contract versions (domain.contract_versions)
    CONTRACT_ENDED = "CONTRACT_ENDED"
    PERIOD_FINALIZED = "PERIOD_FINALIZED"
    # credits (domain.credits)
    NOT_CREDITABLE = "NOT_CREDITABLE"
    NOT_VOIDABLE = "NOT_VOIDABLE"
    # charge filters, value properties and tiers (domain.pricing, domain.usage)
    ZERO_WIDTH_TIER_PRICED = "ZERO_WIDTH_TIER_PRICED"
    VALUE_PROPERTY_MISSING = "VALUE_PROPERTY_MISSING"
    VALUE_PROPERTY_NOT_NUMERIC = "VALUE_PROPERTY_NOT_NUMERIC"
    VALUE_PROPERTY_LOCKED = "VALUE_PROPERTY_LOCKED"
    # archiving (domain.archiving)
    ARCHIVED = "ARCHIVED"
    IN_USE = "IN_USE"
    UNPAID_INVOICES = "UNPAID_INVOICES"
    HAS_USAGE = "HAS_USAGE"


@dataclass(frozen=True)
class FieldError:
    field: str
    code: ErrorCode
    message: str
