"""The console script, run as a real process against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import FIXTURES
from tests.integration.helpers import create_company, define_seed_metrics

METERGRAPH = Path(sys.executable).parent / "metergraph"
ROOT = Path(__file__).resolve().parents[2]


def cli(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database}
    return subprocess.run(
        [str(METERGRAPH), *args], env=env, capture_output=True, text=True, timeout=120
    )


async def test_keys_create_prints_a_working_key_alone_on_the_last_line(
    database: str, admin: Any, http: httpx.AsyncClient
) -> None:
    company = await create_company(admin, "acme")
    done = cli(database, "keys", "create", "--role", "VIEWER", "--company", "acme")
    assert done.returncode == 0, done.stderr
    key = done.stdout.strip().splitlines()[-1]
    assert key.startswith("mgk_") and " " not in key
    response = await http.post(
        "/graphql",
        json={"query": "{ companies { edges { node { id } } } }"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert [e["node"]["id"] for e in response.json()["data"]["companies"]["edges"]] == [company]


async def test_keys_revoke_refuses_the_key_from_then_on_and_is_audited(
    database: str, runtime: Any, http: httpx.AsyncClient
) -> None:
    made = cli(database, "keys", "create", "--role", "ADMIN")
    key = made.stdout.strip().splitlines()[-1]
    key_id = made.stderr.split("key ")[1].split()[0]
    headers = {"Authorization": f"Bearer {key}"}
    query = {"query": "{ metrics { code } }"}
    assert (await http.post("/graphql", json=query, headers=headers)).status_code == 200
    done = cli(database, "keys", "revoke", key_id)
    assert done.returncode == 0, done.stderr
    again = cli(database, "keys", "revoke", key_id)
    assert again.returncode != 0 and "is revoked" in again.stderr
    async with runtime.pool.acquire() as conn:
        actions = [r[0] for r in await conn.fetch("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["createApiKey", "revokeApiKey"]


async def test_keys_list_shows_every_key_without_its_secret_and_rotate_prints_a_new_one(
    database: str, runtime: Any, http: httpx.AsyncClient
) -> None:
    made = cli(database, "keys", "create", "--role", "ADMIN", "--name", "deploy")
    old = made.stdout.strip().splitlines()[-1]
    key_id = made.stderr.split("key ")[1].split()[0]
    listed = cli(database, "keys", "list")
    assert listed.returncode == 0, listed.stderr
    [header, row] = listed.stdout.strip().splitlines()
    assert header.split("\t")[:3] == ["id", "name", "role"]
    assert row.split("\t")[:4] == [key_id, "deploy", "ADMIN", "-"]
    assert old not in listed.stdout and old[:10] not in listed.stdout
    rotated = cli(database, "keys", "rotate", key_id)
    assert rotated.returncode == 0, rotated.stderr
    new = rotated.stdout.strip().splitlines()[-1]
    assert new.startswith("mgk_") and new != old
    for secret in (old, new):  # the old one still works: the grace period
        headers = {"Authorization": f"Bearer {secret}"}
        response = await http.post(
            "/graphql", json={"query": "{ metrics { code } }"}, headers=headers
        )
        assert response.status_code == 200
    cli(database, "keys", "revoke", key_id)
    again = cli(database, "keys", "rotate", key_id)
    assert again.returncode != 0 and "is revoked" in again.stderr
    nobody = cli(database, "keys", "list", "--company", "nobody")
    assert nobody.returncode != 0 and "nobody" in nobody.stderr
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch("SELECT action, details::text AS text FROM audit_log ORDER BY id")
    assert [r["action"] for r in rows] == ["createApiKey", "rotateApiKey", "revokeApiKey"]
    assert all(old not in r["text"] and new not in r["text"] for r in rows)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("keys", "create", "--role", "OWNER"), "OWNER"),
        (("keys", "create", "--role", "VIEWER"), "--company is required"),
        (("keys", "create", "--role", "VIEWER", "--company", "nobody"), "nobody"),
        (("jobs", "run", "no-such-job"), "rollup-usage"),
        (("import", "/nonexistent/usage.csv"), "usage.csv"),
    ],
    ids=["bad-role", "no-company", "unknown-company", "unknown-job", "missing-file"],
)
def test_bad_arguments_fail_with_a_message_not_a_traceback(
    database: str, args: tuple[str, ...], message: str
) -> None:
    done = cli(database, *args)
    assert done.returncode != 0
    assert message in done.stderr
    assert "Traceback" not in done.stderr


async def test_import_draws_progress_and_summarises_with_line_numbers(
    database: str, admin: Any, tmp_path: Path, runtime: Any
) -> None:
    await define_seed_metrics(admin)
    refused = cli(database, "import", str(FIXTURES / "smsworld_usage_events.csv"))
    assert refused.returncode != 0 or "rejected 64" in refused.stdout + refused.stderr
    assert "UNKNOWN_COMPANY" in refused.stderr

    first = cli(
        database, "import", "--create-companies", str(FIXTURES / "smsworld_usage_events.csv")
    )
    assert first.returncode == 0, first.stderr
    assert "accepted 61, duplicates 3, rejected 0" in first.stdout + first.stderr
    second = cli(
        database, "import", "--create-companies", str(FIXTURES / "smsworld_usage_events.csv")
    )
    assert "accepted 0, duplicates 64, rejected 0" in second.stdout + second.stderr

    recent = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "event_id,customer_id,product_code,metric_name,timestamp,quantity\n"
        f"ok1,customer_a,SMS_001,sms_delivered,{recent},5\n"
        f"bad1,customer_a,SMS_001,sms_delivered,{recent},lots\n"
    )
    done = cli(database, "import", str(bad))
    assert "line 3: quantity" in done.stderr
    assert "accepted 1, duplicates 0, rejected 1" in done.stdout + done.stderr
    assert "%" in done.stderr or "rows" in done.stderr  # the progress bar


def test_the_schema_file_is_what_export_schema_writes(database: str, tmp_path: Path) -> None:
    out = tmp_path / "schema.graphql"
    done = cli(database, "export-schema", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_text() == (ROOT / "schema.graphql").read_text()


async def test_jobs_run_records_a_manual_run(database: str, runtime: Any) -> None:
    done = cli(database, "jobs", "run", "rollup-usage")
    assert done.returncode == 0, done.stderr
    assert "rollup-usage: done" in done.stdout
    async with runtime.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT trigger, outcome FROM job_runs")
    assert (row["trigger"], row["outcome"]) == ("MANUAL", "SUCCEEDED")


def test_demo_loads_the_scenario_once(database: str) -> None:
    first = cli(database, "demo")
    assert first.returncode == 0, first.stderr
    assert "events: accepted 61, duplicates 3, rejected 0" in first.stdout
    assert "contracts created: 3" in first.stdout
    assert "invoices: 36 created, 36 finalized" in first.stdout
    again = cli(database, "demo")
    assert "events: accepted 0, duplicates 64, rejected 0" in again.stdout
    assert "contracts created: 0" in again.stdout
    assert "invoices: 0 created" in again.stdout


async def test_report_writes_a_file_with_a_progress_bar(
    database: str, admin: Any, tmp_path: Path
) -> None:
    import json

    await define_seed_metrics(admin)
    loaded = cli(
        database, "import", "--create-companies", str(FIXTURES / "smsworld_usage_events.csv")
    )
    assert loaded.returncode == 0, loaded.stderr
    target = tmp_path / "a.json"
    done = cli(
        database,
        "report",
        "--company",
        "customer_a",
        "--from",
        "2024-01-01T00:00:00+00:00",
        "--to",
        "2024-04-01T00:00:00+00:00",
        "--granularity",
        "month",
        "--format",
        "json",
        "-o",
        str(target),
    )
    assert done.returncode == 0, done.stderr
    assert "4/4" in done.stderr  # the progress bar's last state
    body = json.loads(target.read_text())
    totals = {m["metricCode"]: m["total"] for m in body["metrics"]}
    assert totals["sms_delivered"] == "13000"
    refused = cli(database, "report", "--from", "2024-02-01T00:00:00+00:00", "--metric", "nope")
    assert refused.returncode != 0
    assert "to: REQUIRED" in refused.stderr and "no metric 'nope'" in refused.stderr
    assert "Traceback" not in refused.stderr
