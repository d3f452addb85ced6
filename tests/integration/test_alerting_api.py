"""Thresholds, alerts and recipients over GraphQL."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.integration.helpers import RECORD_USAGE, api_request, create_company

CREATE = """
mutation($input: ThresholdInput!) {
  createThreshold(input: $input) {
    __typename
    ... on Threshold { id companyId limit levels { name amount channels } }
    ... on ValidationError { field code message }
  }
}"""

ALERTS = """
query($filter: AlertFilter) {
  alerts(filter: $filter) { edges { node { id level usage companyId acknowledgedAt } } }
}"""


async def eventually(fetch: Any, ready: Any, seconds: float = 5.0) -> Any:
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        data = await fetch()
        if ready(data) or asyncio.get_running_loop().time() > deadline:
            return data
        await asyncio.sleep(0.05)


def threshold(**change: Any) -> dict[str, Any]:
    return {
        "metricCode": "API_REQUESTS",
        "limit": "100",
        "levels": [
            {"name": "WARNING", "kind": "PERCENTAGE", "value": "80", "channels": ["PLATFORM"]},
            {"name": "CRITICAL", "kind": "PERCENTAGE", "value": "95", "channels": ["EMAIL"]},
        ],
        **change,
    }


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"limit": None}, "limit", "REQUIRED"),
        ({"metricCode": "nope"}, "metricCode", "UNKNOWN_METRIC"),
        (
            {
                "levels": [
                    {"name": "A", "kind": "ABSOLUTE", "value": "10", "channels": ["SMS"]},
                    {"name": "B", "kind": "ABSOLUTE", "value": "5", "channels": ["SMS"]},
                ]
            },
            "levels[1].value",
            "TIERS_UNORDERED",
        ),
        ({"levels": []}, "levels", "REQUIRED"),
        ({"limit": "-1"}, "limit", "OUT_OF_RANGE"),
    ],
    ids=["percent-without-limit", "unknown-metric", "unordered", "no-levels", "negative-limit"],
)
async def test_bad_thresholds_get_typed_errors(
    admin: Any, change: dict[str, Any], field: str, code: str
) -> None:
    result = (await admin(CREATE, {"input": threshold(**change)}))["createThreshold"]
    assert (result["__typename"], result["field"], result["code"]) == (
        "ValidationError",
        field,
        code,
    )


async def test_thresholds_alerts_and_acknowledgement(admin: Any, system: Any, scoped: Any) -> None:
    acme = await create_company(admin, "acme")
    other = await create_company(admin, "other")
    company_admin = await scoped("COMPANY_ADMIN", acme)
    mine = (await company_admin(CREATE, {"input": threshold()}))["createThreshold"]
    assert mine["companyId"] == acme  # a scoped key watches its own company
    assert [lv["amount"] for lv in mine["levels"]] == ["80", "95"]
    again = (await company_admin(CREATE, {"input": threshold()}))["createThreshold"]
    assert again["code"] == "ALREADY_EXISTS"
    viewer = await scoped("VIEWER", acme)
    denied = await viewer.post(CREATE, {"input": threshold()})
    assert denied.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    theirs = await company_admin.post(CREATE, {"input": threshold(companyId=other)})
    assert theirs.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    for value in ("50", "35"):
        await system(RECORD_USAGE, {"input": api_request(acme, value)})
    await system(RECORD_USAGE, {"input": api_request(other, "99")})
    # single records are checked just after their shared commit is acknowledged
    listed = await eventually(lambda: viewer(ALERTS), lambda d: d["alerts"]["edges"])
    listed = listed["alerts"]["edges"]
    assert sorted(e["node"]["level"] for e in listed) == ["WARNING"]
    assert {e["node"]["companyId"] for e in listed} == {acme}

    alert = listed[0]["node"]
    done = await company_admin(
        "mutation($id: UUID!) { acknowledgeAlert(id: $id) { acknowledgedAt } }",
        {"id": alert["id"]},
    )
    assert done["acknowledgeAlert"]["acknowledgedAt"]
    open_ = (await viewer(ALERTS, {"filter": {"acknowledged": False}}))["alerts"]["edges"]
    assert open_ == []

    recipients = await company_admin(
        "mutation($c: UUID!) { setNotificationRecipients(companyId: $c, channel: EMAIL,"
        ' addresses: ["ops@acme.test", " ops@acme.test ", "cfo@acme.test"]) }',
        {"c": acme},
    )
    assert recipients["setNotificationRecipients"] == ["cfo@acme.test", "ops@acme.test"]
    await system(RECORD_USAGE, {"input": api_request(acme, "15")})  # 100: CRITICAL
    deliveries = await eventually(
        lambda: company_admin("{ notificationDeliveries { channel recipient status subject } }"),
        lambda d: len(d["notificationDeliveries"]) > 1,
    )
    assert sorted(d["recipient"] for d in deliveries["notificationDeliveries"]) == [
        "cfo@acme.test",
        "ops@acme.test",
        "platform",  # the WARNING, shown in the app
    ]
    assert {d["status"] for d in deliveries["notificationDeliveries"]} == {"PENDING"}
