"""What the audit log keeps of a request's variables."""

from __future__ import annotations

import json
from decimal import Decimal

from domain.audit import REDACTED, mask_address, storable, summarise


def test_nul_and_lone_surrogates_become_replacement_characters() -> None:
    kept = summarise({"name": "a\x00b\ud800c", "k\x00": "\udfff"})
    assert kept == {"name": "a\ufffdb\ufffdc", "k\ufffd": "\ufffd"}
    json.dumps(kept).encode("utf-8")  # storable as jsonb text


def test_long_strings_are_cut_and_say_how_long_they_were() -> None:
    kept = storable("x" * 10_000)
    assert len(kept) < 300 and kept.endswith("[10000 chars]")


def test_secrets_are_redacted_wherever_they_are() -> None:
    kept = summarise(
        {
            "destination": {"type": "WEBHOOK", "url": "https://h.example/x", "secret": "s3cr3t"},
            "password": "hunter2",
            "apiKey": "mgk_abc",
            "accessToken": "t",
            "none": {"secret": None},
        }
    )
    assert kept["destination"]["secret"] == REDACTED
    assert kept["password"] == kept["apiKey"] == kept["accessToken"] == REDACTED
    assert kept["none"]["secret"] is None
    assert "s3cr3t" not in json.dumps(kept) and "hunter2" not in json.dumps(kept)


def test_user_ids_are_redacted_wherever_they_are() -> None:
    kept = summarise(
        {"filter": {"userId": "u-42", "user_id": "u-43", "spaceId": "s-1"}, "userId": None}
    )
    assert kept == {
        "filter": {"userId": REDACTED, "user_id": REDACTED, "spaceId": "s-1"},
        "userId": None,
    }
    assert "u-42" not in json.dumps(kept) and "u-43" not in json.dumps(kept)


def test_email_addresses_and_phone_numbers_are_masked() -> None:
    assert mask_address("alice@example.com") == "a***@example.com"
    assert mask_address("+41 79 123 45 67") == "+***67"
    assert mask_address("1234567") == "1234567"  # a number, not a phone number
    kept = summarise({"addresses": ["bob@corp.example", "+14155550123"]})
    assert kept == {"addresses": ["b***@corp.example", "+***23"]}


def test_usage_records_are_counted_not_copied() -> None:
    record = {
        "companyId": "c1",
        "metricCode": "API_REQUESTS",
        "value": "1",
        "properties": {"customer_email": "x@y.example", "a": 1},
    }
    batch = summarise({"records": [record, {**record, "metricCode": "SMS", "companyId": "c2"}]})
    assert batch == {
        "records": {"items": 2, "metricCodes": ["API_REQUESTS", "SMS"], "companies": 2}
    }
    single = summarise({"input": record})
    assert single["input"]["properties"] == {"keys": 2}
    assert single["input"]["value"] == "1"


def test_numbers_and_long_lists_stay_bounded() -> None:
    kept = summarise({"amount": Decimal("1e999999"), "ids": list(range(100)), "n": 3})
    assert kept == {"amount": "1E+999999", "ids": {"items": 100}, "n": 3}
