"""The worked examples of the README's "GraphQL API" section hold as written."""

from __future__ import annotations

from tests.conftest import Api
from tests.integration.helpers import BATCH_RECORD_USAGE, api_request, create_company

# README, "Paging"
RECORDS = """
query Records($after: String) {
  usageRecords(filter: {metricCodes: ["API_REQUESTS"]}, first: 2, after: $after) {
    edges { cursor node { id timestamp value } }
    pageInfo { hasNextPage endCursor }
  }
}"""

# README, "Limits": one connection of 2,001, twenty-five of them under aliases
PAGE = "usageRecords(first: 1000) { edges { node { id value } } }"


def aliased_pages(count: int) -> str:
    return "{ " + " ".join(f"p{i}: {PAGE}" for i in range(count)) + " }"


async def test_following_end_cursors_reads_every_record_once(admin: Api) -> None:
    company = await create_company(admin, "paging-example")
    records = [api_request(company, value=str(n)) for n in range(5)]
    stored = await admin(BATCH_RECORD_USAGE, {"records": records, "atomic": True})
    assert stored["batchRecordUsage"]["accepted"] == 5, stored

    seen: list[str] = []
    pages: list[int] = []
    after = None
    while True:
        page = (await admin(RECORDS, {"after": after}))["usageRecords"]
        pages.append(len(page["edges"]))
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]
    assert pages == [2, 2, 1]
    assert len(set(seen)) == len(seen) == 5


async def test_a_document_over_the_cost_limit_is_refused_with_its_estimate(admin: Api) -> None:
    response = await admin.post(aliased_pages(25))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_COSTLY", "field": "query"}
    assert error["message"] == (
        "the document's estimated cost is 50025; at most 50000 (METERGRAPH_MAX_QUERY_COST):"
        " ask for fewer buckets, metrics or items"
    )
    smaller = await admin(aliased_pages(24))
    assert len(smaller) == 24
