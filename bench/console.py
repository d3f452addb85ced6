"""The console's company page with a 10,000-point chart, against its GraphQL request alone.

    python bench/console.py [--points 10000] [--loads 5] [--requests 5]

Starts PostgreSQL (embedded, in a temporary directory, unless DATABASE_URL is
set) and a real `metergraph serve` serving the built console (web/dist: run
`make web` first), creates a company with ``--points`` consecutive hours of
API_REQUESTS usage (sent with batchRecordUsage in chunks) and rolls it up (the
rollup-usage job, as a running server does every minute), signs in in headless
Chromium (/usr/bin/chromium) and opens the company page with the HOUR chart
of the whole series in its URL. Measures, from navigation start, when the
chart first rendered (UsageChart's `metergraph:chart-rendered` mark), and
times the same aggregateUsage request the page sends, alone (httpx, Bearer
key). Prints both medians and their ratio.

Also prints the console's initial JavaScript (index.html's module script and
its modulepreload links, each gzip -9) against the 350 kB budget, and exits
non-zero when it is over.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from support import postgres  # noqa: E402

from domain.access import Role  # noqa: E402
from services.keys import create_api_key  # noqa: E402
from services.runtime import ensure_database, prepare_database  # noqa: E402
from storage.db import connect  # noqa: E402
from storage.partitions import PartitionCatalog, month_of  # noqa: E402

WEB_DIST = ROOT / "web" / "dist"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BUDGET_KB = 350.0
CHUNK = 2_000
METRIC = "API_REQUESTS"

CREATE_COMPANY = """mutation($input: CompanyInput!) {
  createCompany(input: $input) {
    __typename ... on Company { id } ... on ValidationError { message }
  }
}"""
BATCH = """mutation($records: [UsageRecordInput!]!) {
  batchRecordUsage(records: $records, backfill: true) {
    __typename
    ... on BatchUsageReport { accepted rejected errors { index code message } }
    ... on ValidationError { message }
  }
}"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def initial_javascript() -> list[tuple[str, int, int]]:
    """(path, bytes, gzip -9 bytes) of the scripts index.html loads before anything else."""
    html = (WEB_DIST / "index.html").read_text()
    paths = re.findall(r'<script[^>]*type="module"[^>]*src="([^"]+)"', html)
    paths += re.findall(r'<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"', html)
    out = []
    for path in dict.fromkeys(paths):
        data = (WEB_DIST / path.lstrip("/")).read_bytes()
        out.append((path, len(data), len(gzip.compress(data, compresslevel=9))))
    return out


def series(company: str, start: datetime, points: int) -> list[dict[str, Any]]:
    return [
        {
            "companyId": company,
            "resourceType": "API_CALLS",
            "metricCode": METRIC,
            "timestamp": (start + timedelta(hours=i, minutes=30)).isoformat(),
            "value": str(100 + (i * 37) % 250),
            "unit": "requests",
            "idempotencyKey": f"bench-console-{i}",
        }
        for i in range(points)
    ]


async def graphql(
    client: httpx.AsyncClient, key: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {key}"},
    )
    response.raise_for_status()
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    data: dict[str, Any] = body["data"]
    return data


async def page_loads(
    base_url: str, key: str, url: str, loads: int
) -> tuple[list[float], dict[str, Any] | None]:
    """Navigation start to the chart's first render, per load (ms); the page's aggregateUsage
    operation (query, variables), to be sent again alone."""
    from playwright.async_api import async_playwright

    request_body: dict[str, Any] | None = None
    timings = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = await browser.new_context(
                base_url=base_url, viewport={"width": 1280, "height": 860}
            )
            page = await context.new_page()
            await page.goto("/signin")
            await page.get_by_label("API key").fill(key)
            await page.get_by_role("button", name="Sign in").click()
            await page.get_by_role("navigation", name="Sections").wait_for()

            def seen(request: Any) -> None:
                # urql sends a query by GET when its URL is short enough, else by POST.
                nonlocal request_body
                if urlsplit(request.url).path != "/graphql":
                    return
                if request.method == "GET":
                    params = dict(parse_qsl(urlsplit(request.url).query))
                    body = {k: params[k] for k in ("query", "operationName") if k in params}
                    body["variables"] = json.loads(params.get("variables") or "{}")
                else:
                    body = json.loads(request.post_data or "{}")
                if "aggregateUsage" in str(body.get("query")):
                    request_body = body

            page.on("request", seen)
            for _ in range(loads):
                await page.goto("about:blank")
                await page.goto(url)
                await page.wait_for_selector('[data-rendered="true"]', timeout=120_000)
                mark = await page.evaluate(
                    "() => performance.getEntriesByName('metergraph:chart-rendered')[0].startTime"
                )
                timings.append(float(mark))
            await context.close()
        finally:
            await browser.close()
    return timings, request_body


async def time_request(
    client: httpx.AsyncClient, key: str, body: dict[str, Any], times: int
) -> list[float]:
    out = []
    for _ in range(times):
        began = time.perf_counter()
        response = await client.post(
            "/graphql", json=body, headers={"Authorization": f"Bearer {key}"}
        )
        out.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
        assert "buckets" in response.text, response.text[:500]
    return out


async def prepare(dsn: str, start: datetime, end: datetime) -> str:
    """Migrate, make an ADMIN key and the usage partitions of [start, end]; the key."""
    await ensure_database(dsn)
    await prepare_database(dsn)
    conn = await connect(dsn)
    try:
        _, key = await create_api_key(conn, Role.ADMIN, None, "bench-console")
        months = {month_of(start + timedelta(days=d)) for d in range((end - start).days + 2)}
        await PartitionCatalog().ensure(conn, months)
    finally:
        await conn.close()
    return key


async def wait_until_ready(client: httpx.AsyncClient, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if (await client.get("/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        await asyncio.sleep(0.2)


async def store_series(
    client: httpx.AsyncClient, key: str, start: datetime, points: int, env: dict[str, str]
) -> str:
    """A new company with ``points`` hours of usage, rolled up; its id."""
    name = f"bench-console-{int(time.time())}"
    created = await graphql(
        client, key, CREATE_COMPANY, {"input": {"externalKey": name, "name": name}}
    )
    company: str = created["createCompany"]["id"]
    rows = series(company, start, points)
    for i in range(0, len(rows), CHUNK):
        report = (await graphql(client, key, BATCH, {"records": rows[i : i + CHUNK]}))[
            "batchRecordUsage"
        ]
        if report.get("rejected") or report["__typename"] != "BatchUsageReport":
            raise RuntimeError(f"the series was not stored: {report}")
    # As on a running server, whose rollup job runs every minute.
    rollup = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "metergraph"),
        *("jobs", "run", "rollup-usage"),
        env=env,
        stdout=subprocess.DEVNULL,
    )
    if await rollup.wait() != 0:
        raise RuntimeError("the rollup job failed")
    return company


def company_url(company: str, start: datetime, end: datetime) -> str:
    query = urlencode(
        {
            "metric": METRIC,
            "granularity": "HOUR",
            "from": start.isoformat().replace("+00:00", "Z"),
            "to": end.isoformat().replace("+00:00", "Z"),
            "tz": "UTC",
        }
    )
    return f"/companies/{company}?{query}"


def print_results(
    args: argparse.Namespace, url: str, renders: list[float], alone: list[float]
) -> None:
    render, request = statistics.median(renders), statistics.median(alone)
    print(f"company page, {args.points:,} HOUR points of {METRIC}: {url.split('?')[0]}")
    print(
        f"first chart render from navigation start: {render:8.1f} ms median of {len(renders)}"
        f" (first load {renders[0]:.1f} ms)"
    )
    print(f"the same aggregateUsage request alone:    {request:8.1f} ms median of {len(alone)}")
    print(f"ratio (page to chart / request alone):   {render / request:8.1f} x")


async def run(args: argparse.Namespace, dsn: str) -> None:
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(hours=args.points)
    key = await prepare(dsn, start, end)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": dsn,
        "METERGRAPH_SCHEDULER": "false",
        "METERGRAPH_WEB_DIST": str(WEB_DIST),
    }
    server = subprocess.Popen(  # noqa: ASYNC220
        [str(Path(sys.executable).parent / "metergraph"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=300) as client:
            await wait_until_ready(client)
            company = await store_series(client, key, start, args.points, env)
            url = company_url(company, start, end)
            renders, body = await page_loads(base_url, key, url, args.loads)
            if body is None:
                raise RuntimeError("the company page sent no aggregateUsage request")
            await time_request(client, key, body, 1)  # warm-up, not counted
            alone = await time_request(client, key, body, args.requests)
    finally:
        server.terminate()
        server.wait(30)
    print_results(args, url, renders, alone)


def report_initial_javascript() -> bool:
    """Print the initial JavaScript's gzip size against the budget; whether it fits."""
    scripts = initial_javascript()
    total = sum(gz for _, _, gz in scripts) / 1000
    for path, raw, gz in scripts:
        print(f"  {path}: {raw / 1000:.1f} kB, gzip -9 {gz / 1000:.1f} kB")
    verdict = "within" if total <= BUDGET_KB else "OVER"
    print(f"initial JavaScript (gzip -9): {total:.1f} kB, {verdict} the {BUDGET_KB:.0f} kB budget")
    return total <= BUDGET_KB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000, help="hours of usage (<= 10,000)")
    parser.add_argument("--loads", type=int, default=5, help="page loads measured")
    parser.add_argument("--requests", type=int, default=5, help="lone requests timed")
    args = parser.parse_args()
    if not (WEB_DIST / "index.html").exists():
        sys.exit(f"{WEB_DIST} is not built: run `make web`")
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with postgres() as dsn:
        asyncio.run(run(args, dsn))
    if not report_initial_javascript():
        sys.exit(1)


if __name__ == "__main__":
    main()
