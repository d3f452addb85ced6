"""The console's typed operations (web/src/gql) are generated from schema.graphql.

Like tests/test_schema.py for the SDL: GraphQL Code Generator runs into a
temporary directory and its files must equal the committed ones.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO

WEB = REPO / "web"
GENERATED = WEB / "src" / "gql"
REGENERATE = "run `cd web && npx graphql-codegen --config codegen.ts`"


def generated_files(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): path.read_text()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_the_consoles_generated_graphql_types_match_the_schema(tmp_path: Path) -> None:
    codegen = WEB / "node_modules" / ".bin" / "graphql-codegen"
    if shutil.which("node") is None or not codegen.exists():
        pytest.fail(
            "the console's packages are not installed: run `make test` (or `cd web && npm ci`)"
        )
    out = tmp_path / "gql"
    env = {
        **os.environ,
        "METERGRAPH_SCHEMA": str(REPO / "schema.graphql"),
        "METERGRAPH_CODEGEN_OUT": f"{out}/",
    }
    run = subprocess.run(
        [str(codegen), "--config", "codegen.ts", "--silent"],
        cwd=WEB,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, (
        f"GraphQL Code Generator failed ({REGENERATE} to see why):\n{run.stdout}{run.stderr}"
    )
    fresh, committed = generated_files(out), generated_files(GENERATED)
    assert sorted(fresh) == sorted(committed), f"web/src/gql has other files: {REGENERATE}"
    drifted = [name for name in fresh if fresh[name] != committed[name]]
    assert not drifted, f"web/src/gql is out of date with schema.graphql ({drifted}): {REGENERATE}"
