"""Invoice numbers' format, the issuer's settings and billing details' rules."""

from __future__ import annotations

import pytest

from domain.invoice_documents import BillingDetails, billing_details_errors, invoice_number
from services.config import ConfigError, Settings


def test_an_invoice_number_is_prefix_year_and_six_digit_sequence() -> None:
    assert invoice_number("INV", 2024, 123) == "INV-2024-000123"
    assert invoice_number("ACME2", 2025, 1_234_567) == "ACME2-2025-1234567"


def test_the_issuer_is_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "METERGRAPH_ISSUER_NAME": " Metergraph GmbH ",
            "METERGRAPH_ISSUER_ADDRESS": "Torstraße 1 | 10119 Berlin | Germany",
            "METERGRAPH_ISSUER_TAX_ID": "DE123456789",
            "METERGRAPH_ISSUER_EMAIL": "billing@metergraph.example",
            "METERGRAPH_INVOICE_NUMBER_PREFIX": "MG",
        }
    )
    issuer = settings.issuer
    assert (issuer.name, issuer.address_lines, issuer.tax_id, issuer.email, issuer.prefix) == (
        "Metergraph GmbH",
        ("Torstraße 1", "10119 Berlin", "Germany"),
        "DE123456789",
        "billing@metergraph.example",
        "MG",
    )
    assert Settings.from_env({}).issuer.prefix == "INV"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("METERGRAPH_INVOICE_NUMBER_PREFIX", "inv"),
        ("METERGRAPH_INVOICE_NUMBER_PREFIX", "INV-"),
        ("METERGRAPH_INVOICE_NUMBER_PREFIX", "ABCDEFGHIJKLM"),
        ("METERGRAPH_ISSUER_EMAIL", "billing"),
        ("METERGRAPH_ISSUER_NAME", "Metergraph\r\nBcc: x@y.z"),
        ("METERGRAPH_ISSUER_ADDRESS", "x" * 201),
    ],
)
def test_an_unusable_issuer_setting_is_refused_naming_the_variable(
    variable: str, value: str
) -> None:
    with pytest.raises(ConfigError, match=variable):
        Settings.from_env({variable: value})


def test_complete_billing_details_pass_once_cleaned() -> None:
    details = BillingDetails(
        legal_name=" Customer A Ltd ",
        address_lines=("1 Main Street", " ", "Suite 5"),
        city="London",
        postal_code="EC1A 1BB",
        country="gb",
        tax_id="GB123456789",
        email="ap@customer-a.example",
    ).cleaned()
    assert billing_details_errors(details, "billingDetails") == []
    assert (details.legal_name, details.address_lines, details.country) == (
        "Customer A Ltd",
        ("1 Main Street", "Suite 5"),
        "GB",
    )


@pytest.mark.parametrize(
    ("details", "field", "code"),
    [
        (BillingDetails(email="not-an-address"), "billingDetails.email", "INVALID_FORMAT"),
        (BillingDetails(legal_name="x" * 201), "billingDetails.legalName", "TOO_LONG"),
        (BillingDetails(tax_id="1" * 51), "billingDetails.taxId", "TOO_LONG"),
        (BillingDetails(city="Lon\ndon"), "billingDetails.city", "INVALID_CHARACTER"),
        (BillingDetails(postal_code="1" * 21), "billingDetails.postalCode", "TOO_LONG"),
        (BillingDetails(country="GBR"), "billingDetails.country", "INVALID_FORMAT"),
        (BillingDetails(address_lines=("a",) * 5), "billingDetails.addressLines", "TOO_LONG"),
        (
            BillingDetails(address_lines=("ok", "y" * 201)),
            "billingDetails.addressLines[1]",
            "TOO_LONG",
        ),
    ],
)
def test_wrong_billing_details_name_the_field(
    details: BillingDetails, field: str, code: str
) -> None:
    errors = billing_details_errors(details.cleaned(), "billingDetails")
    assert [(e.field, e.code.value) for e in errors] == [(field, code)]
