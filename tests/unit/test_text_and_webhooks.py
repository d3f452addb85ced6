"""What may be written into a header, and which webhook targets are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain import text
from domain import thresholds as th
from domain.reports.records import Destination
from services.report_delivery import UnsafeWebhook, check_webhook_url, redact


@pytest.mark.parametrize(
    "value",
    ["a\r\nb", "a\nb", "a\rb", "tab\there", "nul\x00", "del\x7f", "sep\u2028x", "para\u2029x"],
)
def test_names_with_control_characters_or_line_breaks_are_refused(value: str) -> None:
    error = text.check_name("name", value, 200)
    assert error is not None and (error.field, error.code.value) == ("name", "INVALID_CHARACTER")


def test_a_name_has_a_length_limit_and_may_not_be_blank() -> None:
    assert text.check_name("name", "x" * 10, 10) is None
    too_long = text.check_name("name", "x" * 11, 10)
    assert too_long is not None and too_long.code.value == "TOO_LONG"
    blank = text.check_name("name", " ", 10)
    assert blank is not None and blank.code.value == "REQUIRED"
    assert text.check_name("name", "Überschreitung ⚠", 200) is None


@pytest.mark.parametrize(
    ("address", "ok"),
    [
        ("ops@acme.test", True),
        ("first.last+tag@mail.example.com", True),
        ("ops@acme.test\r\nBcc: x@evil.test", False),
        ("ops", False),
        ("a@b@c.test", False),
        ("a b@c.test", False),
        ("a@-c.test", False),
        ("@c.test", False),
        ("a@" + "c" * 260 + ".test", False),
    ],
)
def test_email_addresses(address: str, ok: bool) -> None:
    assert (text.check_email("to", address) is None) is ok


def test_a_projection_of_a_huge_total_is_a_number_not_an_error() -> None:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    end = start + timedelta(days=31)
    half = start + (end - start) / 2
    assert th.projection(Decimal("1e30"), start, end, half) == Decimal("2e30")
    assert th.projection(Decimal("1e300"), start, end, half) == Decimal("2e300")
    assert th.projection(Decimal("10"), start, end, half) == Decimal("20.00")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://127.8.9.10/x",
        "http://10.0.0.1/x",
        "http://172.31.255.255/x",
        "http://192.168.1.1/x",
        "http://169.254.169.254/x",
        "http://0.0.0.0/x",
        "http://239.1.1.1/x",
        "https://[::1]/x",
        "https://[::]/x",
        "https://[fe80::1]/x",
        "https://[fc00::1]/x",
        "https://[ff02::1]/x",
        "https://[::ffff:10.0.0.1]/x",
        "http://localhost:8080/x",
        "ftp://example.com/x",
        "http:///nohost",
        "http://[not-an-ip/x",
    ],
)
async def test_webhooks_to_non_public_addresses_are_refused(url: str) -> None:
    with pytest.raises(UnsafeWebhook):
        await check_webhook_url(url, allow_private=False)


async def test_public_addresses_pass_and_the_setting_lets_private_ones_through() -> None:
    await check_webhook_url("https://93.184.215.14/hook", allow_private=False)
    await check_webhook_url("https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/", False)
    await check_webhook_url("http://127.0.0.1:9/hook", allow_private=True)


def test_a_delivery_error_is_shown_without_the_secret_nor_the_urls_credentials() -> None:
    url = "https://user:pw@hooks.test/in?token=abc"
    dest = Destination("WEBHOOK", url=url, secret="s3cret-key")
    shown = redact(f"POST {url} failed; key s3cret-key; again user:pw token=abc", dest)
    assert "s3cret" not in shown and "pw" not in shown and "abc" not in shown
    assert "https://hooks.test/in failed" in shown
    # short parts are left alone rather than garbling the message
    assert redact("webhook answered 500", Destination("WEBHOOK", url="http://h.test/?a=5")) == (
        "webhook answered 500"
    )
