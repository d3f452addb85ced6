"""The privacy rules applied at ingest: pseudonyms and redacted properties."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

from domain.privacy import (
    HASH_PREFIX,
    RedactedProperty,
    RedactionAction,
    UserIdMode,
    protect,
    pseudonym,
    redact,
)
from domain.usage import MeasurementType, ResourceType, UsageDraft

SECRET = bytes(range(32))
USER = UUID("0192f0c4-1111-7abc-8def-000000000001")


def draft(**fields: object) -> UsageDraft:
    return UsageDraft(
        company_id=UUID(int=1),
        metric_code="API_REQUESTS",
        resource_type=ResourceType.API_CALLS,
        timestamp=datetime(2026, 11, 1, tzinfo=UTC),
        value=Decimal(1),
        unit="requests",
        measurement_type=MeasurementType.COUNTER,
        **fields,  # type: ignore[arg-type]
    )


def test_the_same_user_gets_the_same_pseudonym_and_another_secret_another() -> None:
    assert pseudonym(SECRET, USER) == pseudonym(SECRET, USER)
    assert pseudonym(SECRET, USER) != pseudonym(bytes(32), USER)
    assert pseudonym(SECRET, USER) != pseudonym(SECRET, UUID(int=USER.int + 1))


def test_a_pseudonym_is_a_version_8_uuid_of_the_rfc_variant() -> None:
    made = pseudonym(SECRET, USER)
    assert made.version == 8
    assert made.variant == "specified in RFC 4122"
    assert made != USER


def test_dropped_properties_go_and_hashed_ones_keep_their_key_only() -> None:
    rules = (
        RedactedProperty("email", RedactionAction.DROP),
        RedactedProperty("account", RedactionAction.HASH),
    )
    kept = redact({"email": "a@b.c", "account": "acct-9", "region": "eu"}, rules, SECRET)
    assert set(kept) == {"account", "region"}
    assert kept["region"] == "eu"
    assert kept["account"].startswith(HASH_PREFIX)
    assert "acct-9" not in kept["account"]
    assert kept == redact({"email": "x", "account": "acct-9", "region": "eu"}, rules, SECRET)


def test_a_raw_company_without_redactions_stores_the_draft_as_sent() -> None:
    sent = draft(user_id=USER, properties={"email": "a@b.c"})
    assert protect(sent, UserIdMode.RAW, (), SECRET) is sent


def test_a_pseudonymized_draft_keeps_everything_but_its_user_id() -> None:
    sent = draft(user_id=USER, properties={"region": "eu"}, idempotency_key="k")
    stored = protect(sent, UserIdMode.PSEUDONYMIZED, (), SECRET)
    assert stored.user_id == pseudonym(SECRET, USER)
    assert (stored.properties, stored.idempotency_key, stored.value) == (
        {"region": "eu"},
        "k",
        Decimal(1),
    )
    assert protect(draft(), UserIdMode.PSEUDONYMIZED, (), SECRET).user_id is None
