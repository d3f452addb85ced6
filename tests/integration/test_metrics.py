"""``GET /metrics``: scraped after a scenario, the counters say what was done.

Counters live for the whole test process, so every check compares a scrape
taken after the scenario with one taken before it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from services.jobs import Outcome, run_job
from services.retention import fold_committed
from tests.conftest import FIXTURES
from tests.integration.helpers import (
    BATCH_RECORD_USAGE,
    RECORD_USAGE,
    api_request,
    create_company,
    define_seed_metrics,
)

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def scrape(http: httpx.AsyncClient) -> Samples:
    response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


def grew(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


async def test_a_scenario_shows_in_the_counters(
    http: httpx.AsyncClient, admin: Any, runtime: Any
) -> None:
    company = await create_company(admin, "metered")
    before = await scrape(http)
    one = api_request(company, idempotencyKey="m-1")
    assert (await admin(RECORD_USAGE, {"input": one}))["recordUsage"]["duplicate"] is False
    assert (await admin(RECORD_USAGE, {"input": one}))["recordUsage"]["duplicate"] is True
    bad = api_request(company, value="-1", idempotencyKey="m-bad")
    assert (await admin(RECORD_USAGE, {"input": bad}))["recordUsage"]["__typename"] == (
        "ValidationError"
    )
    batch = [api_request(company, idempotencyKey=f"m-b{n}") for n in range(4)]
    batch.append(api_request(company, metricCode="NO_SUCH_METRIC", idempotencyKey="m-b9"))
    answer = (await admin(BATCH_RECORD_USAGE, {"records": batch}))["batchRecordUsage"]
    assert (answer["accepted"], answer["rejected"]) == (4, 1)
    refused = await admin.post("{ usageRecords(first: 100000) { edges { cursor } } }")
    assert refused.json()["errors"][0]["extensions"]["code"]
    assert (await run_job("rollup-usage", runtime)).outcome is Outcome.SUCCEEDED
    after = await scrape(http)

    assert grew(before, after, "metergraph_usage_records_total", result="accepted") == 5
    assert grew(before, after, "metergraph_usage_records_total", result="duplicate") == 1
    rejected = {
        labels: after[(name, labels)] - before.get((name, labels), 0.0)
        for name, labels in after
        if name == "metergraph_usage_records_rejected_total"
    }
    assert sum(rejected.values()) == 2
    assert grew(before, after, "metergraph_group_commit_size_count") == 2
    recorded = grew(
        before,
        after,
        "metergraph_graphql_requests_total",
        operation="recordUsage",
        type="mutation",
        outcome="ok",
    )
    assert recorded == 3
    code = refused.json()["errors"][0]["extensions"]["code"]
    listing = {"operation": "usageRecords", "type": "query"}
    assert grew(before, after, "metergraph_graphql_requests_total", **listing, outcome=code) == 1
    assert grew(before, after, "metergraph_graphql_request_seconds_count", **listing) == 1
    assert grew(before, after, "metergraph_job_runs_total", job="rollup-usage", outcome="SUCCEEDED")
    assert grew(before, after, "metergraph_job_seconds_count", job="rollup-usage") == 1
    in_use = after[("metergraph_pool_connections", (("state", "in_use"),))]
    idle = after[("metergraph_pool_connections", (("state", "idle"),))]
    assert in_use >= 1 and in_use + idle == runtime.pool.get_size()


async def test_an_import_and_the_outbox_show(
    http: httpx.AsyncClient, admin: Any, runtime: Any
) -> None:
    await define_seed_metrics(admin)
    before = await scrape(http)
    body = (FIXTURES / "smsworld_usage_events.csv").read_bytes()
    imported = await http.post(
        "/v1/usage-records:import?backfill=true&createCompanies=true",
        content=body,
        headers={"Authorization": f"Bearer {admin.key}", "Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    after = await scrape(http)
    rows = {"format": "csv"}
    assert grew(before, after, "metergraph_import_rows_total", **rows, result="accepted") == 61
    assert grew(before, after, "metergraph_import_rows_total", **rows, result="duplicate") == 3
    assert grew(before, after, "metergraph_import_seconds_count", **rows) == 1
    async with runtime.pool.acquire() as conn:
        pending = await conn.fetchval(
            "SELECT count(*) FROM notification_outbox WHERE status = 'PENDING'"
        )
        deltas = await conn.fetchval("SELECT count(*) FROM usage_rollup_deltas")
    outbox = sum(v for (n, _), v in after.items() if n == "metergraph_outbox_pending")
    assert outbox == pending
    assert after[("metergraph_rollup_pending_deltas", ())] == deltas == 0
    # the rollup lag: the imported records wait for the folder, then are folded
    assert after[("metergraph_rollup_unfolded_records", ())] == 61
    assert after[("metergraph_rollup_lag_seconds", ())] > 0
    async with runtime.pool.acquire() as conn:
        await fold_committed(conn)
    folded = await scrape(http)
    assert folded[("metergraph_rollup_unfolded_records", ())] == 0
    assert folded[("metergraph_rollup_lag_seconds", ())] == 0


async def test_metrics_are_for_loopback_or_the_token_only(
    settings: Any, runtime: Any, http: httpx.AsyncClient
) -> None:
    remote = httpx.ASGITransport(app=http._transport.app, client=("203.0.113.7", 40000))  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=remote, base_url="http://metergraph.test") as far:
        response = await far.get("/metrics")
        assert response.status_code == 403
        assert "METERGRAPH_METRICS_TOKEN" in response.json()["error"]["message"]
    token = replace(settings, metrics_token="s3cret-scrape")
    guarded = create_app(token, runtime=replace(runtime, settings=token))
    transport = httpx.ASGITransport(app=guarded, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://metergraph.test") as far:
        assert (await far.get("/metrics")).status_code == 401
        wrong = await far.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = await far.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape"})
        assert right.status_code == 200
        assert "metergraph_graphql_requests_total" in right.text
