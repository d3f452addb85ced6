"""recordUsage: one record at a time, through group commit."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from domain.bulk import UsageRecordWire
from services.pipeline import MIN_SHARE, GroupCommitter, Status
from storage.queries import q
from storage.usage import PendingRecord, store_usage
from tests.integration.helpers import RECORD_USAGE, USAGE_RECORDS, api_request, create_company


@pytest.fixture
async def company(admin: Any) -> str:
    return await create_company(admin, "acme")


async def record(api: Any, record: dict[str, Any], backfill: bool = False) -> dict[str, Any]:
    data = await api(RECORD_USAGE, {"input": record, "backfill": backfill})
    result: dict[str, Any] = data["recordUsage"]
    return result


async def test_a_valid_record_is_stored_and_returned(system: Any, admin: Any, company: str) -> None:
    result = await record(
        system,
        api_request(
            company,
            "12.5",
            idempotencyKey="evt-1",
            properties={"region": "eu"},
            billingPeriod={"startDate": "2026-11-01T00:00:00Z", "endDate": "2026-12-01T00:00:00Z"},
        ),
    )
    assert result["__typename"] == "RecordedUsage"
    assert result["duplicate"] is False
    stored = result["record"]
    assert stored["value"] == "12.5"
    assert stored["measurementType"] == "COUNTER"
    assert stored["properties"] == {"region": "eu"}
    assert stored["billable"] is True
    assert stored["billingPeriod"]["startDate"].startswith("2026-11-01T00:00:00")
    listed = await admin(USAGE_RECORDS, {"filter": {"companyId": company}})
    assert [e["node"]["id"] for e in listed["usageRecords"]["edges"]] == [stored["id"]]


async def test_the_same_event_twice_is_stored_once_and_flagged_duplicate(
    system: Any, admin: Any, company: str
) -> None:
    event = api_request(company, "5", idempotencyKey="evt-dup")
    first = await record(system, event)
    second = await record(system, {**event, "value": "5.000"})
    assert second["__typename"] == "RecordedUsage"
    assert second["duplicate"] is True
    assert second["record"]["id"] == first["record"]["id"]
    listed = await admin(USAGE_RECORDS, {"filter": {"companyId": company}})
    assert len(listed["usageRecords"]["edges"]) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"value": "6"},
        {"metricCode": "ACTIVE_USERS", "resourceType": "USER_COUNT", "unit": "users"},
        {"timestamp": (datetime.now(UTC) - timedelta(hours=1)).isoformat()},
    ],
    ids=["value", "metric", "timestamp"],
)
async def test_the_same_key_with_different_content_is_a_conflict_and_the_first_write_stands(
    system: Any, admin: Any, company: str, change: dict[str, Any]
) -> None:
    event = api_request(company, "5", idempotencyKey="evt-conflict")
    first = await record(system, event)
    second = await record(system, {**event, **change})
    assert second["__typename"] == "ValidationError"
    assert (second["field"], second["code"]) == ("idempotencyKey", "IDEMPOTENCY_CONFLICT")
    listed = await admin(USAGE_RECORDS, {"filter": {"companyId": company}})
    nodes = [e["node"] for e in listed["usageRecords"]["edges"]]
    assert [(n["id"], n["value"]) for n in nodes] == [(first["record"]["id"], "5")]


VALIDATION_CASES = [
    ({"metricCode": "NOPE"}, "metricCode", "UNKNOWN_METRIC"),
    ({"resourceType": "STORAGE"}, "resourceType", "RESOURCE_TYPE_MISMATCH"),
    ({"unit": "calls"}, "unit", "UNIT_MISMATCH"),
    ({"measurementType": "GAUGE"}, "measurementType", "MEASUREMENT_TYPE_MISMATCH"),
    ({"value": "NaN"}, "value", "VALUE_NOT_FINITE"),
    ({"value": "Infinity"}, "value", "VALUE_NOT_FINITE"),
    ({"value": "-1"}, "value", "NEGATIVE_COUNTER_VALUE"),
    ({"timestamp": "2026-01-05T09:00:00"}, "timestamp", "TIMESTAMP_WITHOUT_OFFSET"),
    ({"timestamp": "2999-01-01T00:00:00Z"}, "timestamp", "TIMESTAMP_IN_FUTURE"),
    ({"timestamp": "2024-01-05T09:00:00Z"}, "timestamp", "TIMESTAMP_TOO_OLD"),
    ({"companyId": "00000000-0000-7000-8000-000000000000"}, "companyId", "UNKNOWN_COMPANY"),
    (
        {"billingPeriod": {"startDate": "2026-12-01T00:00:00Z", "endDate": "2026-11-01T00:00:00Z"}},
        "billingPeriod",
        "INVALID_BILLING_PERIOD",
    ),
    ({"idempotencyKey": "  "}, "idempotencyKey", "INVALID_FORMAT"),
]


@pytest.mark.parametrize(
    ("change", "field", "code"), VALIDATION_CASES, ids=[c[2] + ":" + c[1] for c in VALIDATION_CASES]
)
async def test_an_invalid_record_gets_a_typed_error_naming_the_field(
    system: Any, admin: Any, company: str, change: dict[str, Any], field: str, code: str
) -> None:
    result = await record(system, {**api_request(company), **change})
    assert result["__typename"] == "ValidationError"
    assert (result["field"], result["code"]) == (field, code)
    assert result["message"]
    listed = await admin(USAGE_RECORDS, {"filter": {"companyId": company}})
    assert listed["usageRecords"]["edges"] == []


async def test_a_gauge_may_go_down_but_a_counter_may_not(system: Any, company: str) -> None:
    gauge = await record(
        system,
        {
            **api_request(company, "-3"),
            "metricCode": "DATA_STORAGE",
            "resourceType": "STORAGE",
            "unit": "GB",
        },
    )
    assert gauge["__typename"] == "RecordedUsage"


async def test_only_an_admin_may_backfill_past_the_late_arrival_window(
    system: Any, admin: Any, company: str
) -> None:
    old = {**api_request(company), "timestamp": "2024-01-05T09:00:00Z"}
    refused = await record(system, old, backfill=True)
    assert (refused["field"], refused["code"]) == ("backfill", "FORBIDDEN")
    accepted = await record(admin, old, backfill=True)
    assert accepted["__typename"] == "RecordedUsage"
    assert accepted["record"]["timestamp"].startswith("2024-01-05T09:00:00")


async def test_concurrent_calls_share_commits_and_every_acknowledged_record_is_stored(
    system: Any, admin: Any, company: str, runtime: Any
) -> None:
    events = [api_request(company, str(i + 1), idempotencyKey=f"c-{i}") for i in range(60)]
    # Ten of them are sent twice, concurrently with their first copy.
    events += [dict(e) for e in events[:10]]
    results = await asyncio.gather(*(record(system, e) for e in events))
    assert all(r["__typename"] == "RecordedUsage" for r in results)
    assert sum(r["duplicate"] for r in results) == 10
    async with runtime.pool.acquire() as conn:
        stored = await conn.fetch("SELECT idempotency_key, value FROM usage_records")
    assert len(stored) == 60
    assert sum(r["value"] for r in stored) == sum(range(1, 61))
    async with runtime.pool.acquire() as conn:
        transactions = await conn.fetchval("SELECT count(DISTINCT xmin::text) FROM usage_records")
    assert transactions < 60  # shared


def drafts_of(*records: dict[str, Any]) -> list[Any]:
    return [
        msgspec.json.decode(msgspec.json.encode(r), type=UsageRecordWire).draft() for r in records
    ]


async def test_records_waiting_together_are_spread_over_the_free_connections(
    company: str, runtime: Any
) -> None:
    drafts = drafts_of(
        *(api_request(company, "1", idempotencyKey=f"s-{i}") for i in range(4 * MIN_SHARE))
    )
    checked = await runtime.ingestor.check(drafts, allowed_company=None, backfill=False)
    # submitted in one go: all of them wait when the committer looks
    outcomes = await asyncio.gather(*(runtime.group_commit.submit(p) for p in checked))
    assert [o.status for o in outcomes] == [Status.ACCEPTED] * len(drafts)
    async with runtime.pool.acquire() as conn:
        transactions = await conn.fetchval("SELECT count(DISTINCT xmin::text) FROM usage_records")
        stored = await conn.fetchval("SELECT count(*) FROM usage_records")
    assert stored == len(drafts)
    assert 1 < transactions <= 4


async def test_a_full_group_is_committed_without_waiting_out_its_window(
    company: str, runtime: Any
) -> None:
    committer = GroupCommitter(runtime.ingestor, window=600, max_records=5)
    committer.start()
    try:
        drafts = drafts_of(
            *(api_request(company, "1", idempotencyKey=f"full-{i}") for i in range(12))
        )
        checked = await runtime.ingestor.check(drafts, allowed_company=None, backfill=False)
        # Ten fill two groups; the window (ten minutes) would outlast the test.
        outcomes = await asyncio.wait_for(
            asyncio.gather(*(committer.submit(p) for p in checked[:10])), timeout=30
        )
        assert [o.status for o in outcomes] == [Status.ACCEPTED] * 10
        # The last two wait for a window that does not close: stopping fails them.
        left = [asyncio.ensure_future(committer.submit(p)) for p in checked[10:]]
        await asyncio.sleep(0.05)
        assert not any(f.done() for f in left)
    finally:
        await committer.stop()
    for waiting in left:
        with pytest.raises(RuntimeError, match="shutting down"):
            await waiting
    async with runtime.pool.acquire() as conn:
        stored = await conn.fetchval(
            "SELECT count(*) FROM usage_records WHERE idempotency_key LIKE 'full-%'"
        )
        transactions = await conn.fetchval(
            "SELECT count(DISTINCT xmin::text) FROM usage_records"
            " WHERE idempotency_key LIKE 'full-%'"
        )
    assert stored == 10
    assert transactions >= 2  # no group holds more than five


async def test_a_group_commit_stores_exactly_what_a_staged_batch_stores(
    company: str, runtime: Any
) -> None:
    space, user = "0190f0a0-0000-7000-8000-000000000001", "0190f0a0-0000-7000-8000-000000000002"
    varied = [
        {"value": "0.000001"},
        {"value": "12345678.5", "spaceId": space, "userId": user, "source": "edge-1"},
        {"billable": False, "billingCategory": "internal", "productCode": "API"},
        {"properties": {"région": "eu", "n": 3, "nested": {"a": [1, 2.5, None]}}},
        {"properties": "plain"},
        {"billingPeriod": {"startDate": "2026-11-01T00:00:00Z", "endDate": "2026-12-01T00:00:00Z"}},
        {"measurementType": "COUNTER", "interval": "DAILY"},
        {},
    ]

    at = datetime.now(UTC).isoformat()

    async def store(prefix: str, staged: bool) -> list[dict[str, Any]]:
        records = [
            api_request(
                company, **{"value": "7", **fields, "idempotencyKey": f"{prefix}-{n}"}, timestamp=at
            )
            for n, fields in enumerate(varied)
        ]
        records.append(api_request(company, "3", timestamp=at))  # no key
        checked = await runtime.ingestor.check(
            drafts_of(*records), allowed_company=None, backfill=False
        )
        assert all(isinstance(p, PendingRecord) for p in checked), checked
        async with runtime.pool.acquire() as conn:
            if staged:
                async with conn.transaction():
                    result = await store_usage(conn, checked, returning=True)
            else:
                result = await store_usage(conn, checked, returning=True)
        assert result.stored == len(records)
        return [
            {k: v for k, v in result.rows[p.id].items() if k not in ("id", "recorded_at", "xid")}
            | {"idempotency_key": (result.rows[p.id]["idempotency_key"] or "").split("-")[-1]}
            for p in checked
        ]

    assert await store("arrays", staged=False) == await store("staged", staged=True)


async def test_a_group_commit_reports_replays_of_keys_stored_earlier(
    company: str, runtime: Any
) -> None:
    at = datetime.now(UTC).isoformat()
    first = drafts_of(api_request(company, "5", idempotencyKey="r-1", timestamp=at))
    (earlier,) = await runtime.ingestor.check(first, allowed_company=None, backfill=False)
    await runtime.group_commit.submit(earlier)
    again = drafts_of(
        api_request(company, "5", idempotencyKey="r-1", timestamp=at),
        api_request(company, "6", idempotencyKey="r-1", timestamp=at),
        api_request(company, "5", idempotencyKey="r-2", timestamp=at),
    )
    checked = await runtime.ingestor.check(again, allowed_company=None, backfill=False)
    outcomes = await asyncio.gather(*(runtime.group_commit.submit(p) for p in checked))
    assert [o.status for o in outcomes] == [Status.DUPLICATE, Status.REJECTED, Status.ACCEPTED]
    assert outcomes[0].record_id == earlier.id
    assert outcomes[1].errors[0].code.value == "IDEMPOTENCY_CONFLICT"


async def test_pool_connections_keep_their_planner_settings_across_resets(runtime: Any) -> None:
    for _ in range(2):  # the second connection has been through the pool's RESET ALL
        async with runtime.pool.acquire() as conn:
            if conn.get_server_version().major < 16:
                pytest.skip("enable_presorted_aggregate is PostgreSQL 16+")
            assert await conn.fetchval("SHOW enable_presorted_aggregate") == "off"
            assert await conn.fetchval("SHOW timezone") == "UTC"
            await conn.execute("SET enable_presorted_aggregate = on")


async def test_replays_are_looked_up_by_key_whatever_the_size_of_the_key_table(
    company: str, runtime: Any
) -> None:
    drafts = drafts_of(*(api_request(company, "1", idempotencyKey=f"big-{i}") for i in range(3000)))
    result = await runtime.ingestor.ingest(drafts)
    assert result.accepted == 3000
    # the whole batch again: every key is a replay
    checked = await runtime.ingestor.check(drafts, allowed_company=None, backfill=False)
    async with runtime.pool.acquire() as conn:
        await conn.execute("ANALYZE usage_idempotency_keys")
        plan = await conn.fetch(
            "EXPLAIN " + q("replays"),
            [p.ord for p in checked],
            [p.draft.company_id for p in checked],
            [p.draft.idempotency_key for p in checked],
            [p.id for p in checked],
        )
    text = "\n".join(r[0] for r in plan)
    assert "Index Scan using usage_idempotency_keys_pkey" in text, text
    assert "Seq Scan on usage_idempotency_keys" not in text, text
