"""Companies' billing details: set with createCompany and updateCompany, checked per field."""

from __future__ import annotations

from typing import Any

DETAILS = "billingDetails { legalName addressLines city postalCode country taxId email }"

CREATE = f"""
mutation($input: CompanyInput!) {{
  createCompany(input: $input) {{
    __typename
    ... on Company {{ id name {DETAILS} }}
    ... on ValidationError {{ field code message errors {{ field code }} }}
  }}
}}"""

UPDATE = f"""
mutation($id: UUID!, $input: UpdateCompanyInput!) {{
  updateCompany(id: $id, input: $input) {{
    __typename
    ... on Company {{ id userIdMode {DETAILS} }}
    ... on ValidationError {{ field code message errors {{ field code }} }}
  }}
}}"""

COMPANY = f"query($id: UUID!) {{ company(id: $id) {{ name {DETAILS} }} }}"

CUSTOMER_A = {
    "legalName": "  Customer A Ltd ",
    "addressLines": ["1 Main Street", "", "Suite 5"],
    "city": "London",
    "postalCode": "EC1A 1BB",
    "country": "gb",
    "taxId": "GB123456789",
    "email": "ap@customer-a.example",
}
STORED_A = {
    "legalName": "Customer A Ltd",
    "addressLines": ["1 Main Street", "Suite 5"],
    "city": "London",
    "postalCode": "EC1A 1BB",
    "country": "GB",
    "taxId": "GB123456789",
    "email": "ap@customer-a.example",
}
NONE = {
    "legalName": None,
    "addressLines": [],
    "city": None,
    "postalCode": None,
    "country": None,
    "taxId": None,
    "email": None,
}


async def test_billing_details_given_at_creation_are_kept_cleaned(admin: Any, scoped: Any) -> None:
    made = await admin(
        CREATE, {"input": {"externalKey": "cust-a", "name": "A", "billingDetails": CUSTOMER_A}}
    )
    company = made["createCompany"]
    assert (company["__typename"], company["billingDetails"]) == ("Company", STORED_A)
    viewer = await scoped("VIEWER", company["id"])
    assert (await viewer(COMPANY, {"id": company["id"]}))["company"]["billingDetails"] == STORED_A

    plain = await admin(CREATE, {"input": {"externalKey": "cust-b", "name": "B"}})
    assert plain["createCompany"]["billingDetails"] == NONE


async def test_update_replaces_every_part_and_leaves_them_when_not_given(admin: Any) -> None:
    made = await admin(
        CREATE, {"input": {"externalKey": "cust-a", "name": "A", "billingDetails": CUSTOMER_A}}
    )
    id = made["createCompany"]["id"]

    kept = await admin(UPDATE, {"id": id, "input": {"userIdMode": "RAW"}})
    assert kept["updateCompany"]["billingDetails"] == STORED_A

    moved = {"legalName": "Customer A Group Ltd", "city": "Leeds", "country": "GB"}
    changed = await admin(UPDATE, {"id": id, "input": {"billingDetails": moved}})
    assert changed["updateCompany"]["billingDetails"] == {**NONE, **moved}
    assert (await admin(COMPANY, {"id": id}))["company"]["billingDetails"] == {**NONE, **moved}


async def test_wrong_billing_details_are_refused_naming_each_field(admin: Any) -> None:
    wrong = {
        "legalName": "x" * 201,
        "addressLines": ["ok", "line\nbreak"],
        "country": "United Kingdom",
        "taxId": "T" * 51,
        "email": "accounts payable",
    }
    refused = await admin(
        CREATE, {"input": {"externalKey": "cust-a", "name": "A", "billingDetails": wrong}}
    )
    answer = refused["createCompany"]
    assert answer["__typename"] == "ValidationError"
    assert sorted((e["field"], e["code"]) for e in answer["errors"]) == [
        ("billingDetails.addressLines[1]", "INVALID_CHARACTER"),
        ("billingDetails.country", "INVALID_FORMAT"),
        ("billingDetails.email", "INVALID_FORMAT"),
        ("billingDetails.legalName", "TOO_LONG"),
        ("billingDetails.taxId", "TOO_LONG"),
    ]
    made = await admin(CREATE, {"input": {"externalKey": "cust-a", "name": "A"}})
    id = made["createCompany"]["id"]
    bad_mail = {"billingDetails": {"email": "ap@@customer-a.example"}}
    refused = await admin(UPDATE, {"id": id, "input": bad_mail})
    assert (refused["updateCompany"]["field"], refused["updateCompany"]["code"]) == (
        "billingDetails.email",
        "INVALID_FORMAT",
    )
    too_many = {"billingDetails": {"addressLines": ["a", "b", "c", "d", "e"]}}
    refused = await admin(UPDATE, {"id": id, "input": too_many})
    assert (refused["updateCompany"]["field"], refused["updateCompany"]["code"]) == (
        "billingDetails.addressLines",
        "TOO_LONG",
    )
    assert (await admin(COMPANY, {"id": id}))["company"]["billingDetails"] == NONE


async def test_only_an_admin_sets_billing_details(admin: Any, scoped: Any) -> None:
    made = await admin(CREATE, {"input": {"externalKey": "cust-a", "name": "A"}})
    id = made["createCompany"]["id"]
    company_admin = await scoped("COMPANY_ADMIN", id)
    denied = await company_admin.post(
        UPDATE, {"id": id, "input": {"billingDetails": {"legalName": "Mine"}}}
    )
    assert denied.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await admin(COMPANY, {"id": id}))["company"]["billingDetails"] == NONE
