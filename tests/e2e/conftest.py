"""The console in a real browser, against a real server and PostgreSQL.

One ``metergraph serve`` for the whole run, on a scratch copy of the template
database, serving the built bundle (web/dist), with the demo data loaded and
three keys: ADMIN, and VIEWERs of customer_a and customer_b. Debian's Chromium
(/usr/bin/chromium; ``make test`` installs it) is driven headless by
Playwright, each test in a browser context of its own (its own cookies).

Every page a test looks at is saved as a full-page screenshot under one
folder per run (``.metergraph/screenshots/<UTC time>/NN-name.png``, or
``$METERGRAPH_SCREENSHOTS``) and checked with axe-core: a serious or critical
violation fails the test.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from tests.conftest import REPO, scratch_database
from tests.integration.test_server_process import free_port

METERGRAPH = Path(sys.executable).parent / "metergraph"
CHROMIUM = Path("/usr/bin/chromium")
WEB_DIST = REPO / "web" / "dist"
AXE = REPO / "web" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT = 30.0
# The slowest page here answers in well under a second; this is the wait for anything shown.
SHOWN_TIMEOUT_MS = 10_000

expect.set_options(timeout=SHOWN_TIMEOUT_MS)

COMPANIES = "query { companies(first: 100) { edges { node { id externalKey name } } } }"


@dataclass
class Console:
    """The running server and what the tests sign in with."""

    base_url: str
    dsn: str
    admin_key: str
    viewer_b_key: str
    companies: dict[str, str]  # externalKey -> id

    async def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """An operation sent with the ADMIN key (not through the browser); its ``data``."""
        async with httpx.AsyncClient(base_url=self.base_url, timeout=10) as http:
            response = await http.post(
                "/graphql",
                json={"query": query, "variables": variables or {}},
                headers={"Authorization": f"Bearer {self.admin_key}"},
            )
        assert response.status_code == 200, response.text
        body = response.json()
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data


def _cli(env: dict[str, str], *args: str) -> str:
    run = subprocess.run(
        [str(METERGRAPH), *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, f"metergraph {' '.join(args)}:\n{run.stdout}{run.stderr}"
    return run.stdout


def _last_line(output: str) -> str:
    return output.strip().splitlines()[-1].strip()


@pytest.fixture(scope="session")
async def console(
    server_dsn: str, template_db: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Console]:
    if not (WEB_DIST / "index.html").exists():
        pytest.fail(f"{WEB_DIST} is not built: run `make test` (it builds the console)")
    async with scratch_database(server_dsn, "mge2e", template_db) as dsn:
        env = {
            **os.environ,
            "DATABASE_URL": dsn,
            "METERGRAPH_WEB_DIST": str(WEB_DIST),
            "METERGRAPH_SCHEDULER": "false",
        }
        port = free_port()
        log_path = tmp_path_factory.mktemp("e2e") / "serve.log"
        with log_path.open("wb") as log:
            proc = subprocess.Popen(  # noqa: ASYNC220 (started here, stopped below)
                [str(METERGRAPH), "serve", "--port", str(port)],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                base_url = f"http://127.0.0.1:{port}"
                await _wait_ready(proc, base_url, log_path)
                await asyncio.to_thread(_cli, env, "demo")
                admin_key = _last_line(
                    await asyncio.to_thread(_cli, env, "keys", "create", "--role", "ADMIN")
                )
                console = Console(base_url, dsn, admin_key, "", {})
                edges = (await console.graphql(COMPANIES))["companies"]["edges"]
                console.companies = {e["node"]["externalKey"]: e["node"]["id"] for e in edges}
                console.viewer_b_key = _last_line(
                    await asyncio.to_thread(
                        _cli,
                        env,
                        "keys",
                        "create",
                        "--role",
                        "VIEWER",
                        "--company",
                        console.companies["customer_b"],
                    )
                )
                yield console
            finally:
                proc.terminate()
                try:
                    await asyncio.to_thread(proc.wait, 30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    await asyncio.to_thread(proc.wait, 10)


async def _wait_ready(proc: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = asyncio.get_running_loop().time() + START_TIMEOUT
    async with httpx.AsyncClient(base_url=base_url, timeout=1) as http:
        while asyncio.get_running_loop().time() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"metergraph serve exited with {proc.returncode}:\n{_read(log)}")
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    pytest.fail(f"metergraph serve not ready after {START_TIMEOUT} s:\n{_read(log)}")


def _read(log: Path) -> str:
    return log.read_text(errors="replace")[-4000:]


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: `make test` installs Debian's chromium"
            " (as root: apt-get install -y chromium)"
        )
    # launch() gives the browser a fresh temporary profile (user-data dir) of its own.
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()


class Screenshots:
    """Numbered full-page screenshots of one run, each page checked with axe-core."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._numbers = itertools.count(1)
        self.taken: list[Path] = []

    async def look(self, page: Page, name: str) -> None:
        """Save ``page`` as NN-name.png, then fail on serious or critical axe violations."""
        # What is still loading is not what the page shows: the picture waits for it.
        await expect(page.locator(".state-loading")).to_have_count(0)
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{next(self._numbers):02d}-{name}.png"
        await page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        violations = await axe_violations(page)
        assert not violations, f"axe-core on {page.url} ({path.name}):\n" + "\n".join(violations)


# GraphiQL's editors are CodeMirror 5 (bundled from npm): its hidden input textareas carry no
# label and its syntax colours miss the contrast ratio. Those two rules are not held against
# elements inside a CodeMirror editor; every other rule, and these two everywhere else, are.
THIRD_PARTY_EDITOR = ".CodeMirror"
EDITOR_RULES = ("label", "color-contrast")


async def axe_violations(page: Page) -> list[str]:
    """The page's serious and critical accessibility violations, one line per rule."""
    # The context's init script (below) brought it: the console's CSP refuses a script tag.
    assert await page.evaluate("() => typeof window.axe !== 'undefined'"), "axe-core not loaded"
    found: list[dict[str, Any]] = await page.evaluate(
        """async ([editor, editorRules]) => {
            const result = await window.axe.run(document, { resultTypes: ["violations"] });
            const inEditor = (node) => {
                const element = document.querySelector(node.target[node.target.length - 1]);
                return element !== null && element.closest(editor) !== null;
            };
            return result.violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => ({
                    ...v,
                    nodes: editorRules.includes(v.id)
                        ? v.nodes.filter((n) => !inEditor(n))
                        : v.nodes,
                }))
                .filter((v) => v.nodes.length > 0)
                .map((v) => ({
                    id: v.id, impact: v.impact, help: v.help,
                    targets: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
                }));
        }""",
        [THIRD_PARTY_EDITOR, list(EDITOR_RULES)],
    )
    return [f"  {v['impact']} {v['id']}: {v['help']} at {', '.join(v['targets'])}" for v in found]


_screenshots: list[Screenshots] = []


@pytest.fixture(scope="session")
def screenshots() -> Iterator[Screenshots]:
    default = REPO / ".metergraph" / "screenshots" / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    shots = Screenshots(Path(os.environ.get("METERGRAPH_SCREENSHOTS") or default))
    _screenshots.append(shots)
    yield shots


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for shots in _screenshots:
        if shots.taken:
            terminalreporter.write_line(f"console screenshots ({len(shots.taken)}): {shots.folder}")


@pytest.fixture
async def context(browser: Browser, console: Console) -> AsyncIterator[BrowserContext]:
    """A browser context of its own (no cookies), at the console's address."""
    ctx = await browser.new_context(
        base_url=console.base_url, viewport={"width": 1280, "height": 860}, locale="en-US"
    )
    ctx.set_default_timeout(SHOWN_TIMEOUT_MS)
    await ctx.add_init_script(path=str(AXE))
    try:
        yield ctx
    finally:
        await ctx.close()


@pytest.fixture
async def page(context: BrowserContext) -> Page:
    return await context.new_page()


async def sign_in(page: Page, key: str) -> None:
    """Sign in through the sign-in page and wait for the console's navigation."""
    await page.goto("/signin")
    await page.get_by_label("API key").fill(key)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("navigation", name="Sections")).to_be_visible()
