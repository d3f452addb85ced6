"""The GraphQL schema holds to the conventions a client team checks with a linter.

graphql-schema-linter (an npm package of the console's, web/package.json) runs
on the schema the code builds, with the rules web/.graphql-schema-linterrc.yml
keeps (the file says why the others are off): every type, field, argument,
enum value and input field described, names as clients expect them, Relay
connections and PageInfo.

tests/schema/lint_findings_allowed.txt lists findings the schema still has,
as the linter words them; a finding not listed fails, and so does a listed one
the linter no longer reports, so the list only shrinks.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from typing import Any

import pytest

from tests.conftest import REPO

WEB = REPO / "web"
ALLOWED = REPO / "tests" / "schema" / "lint_findings_allowed.txt"


def _findings() -> Counter[str]:
    from api.schema import schema

    linter = WEB / "node_modules" / ".bin" / "graphql-schema-linter"
    if shutil.which("npx") is None or not linter.exists():
        pytest.fail(
            "graphql-schema-linter is not installed: run `make test` (or `cd web && npm ci`)"
        )
    run = subprocess.run(
        ["npx", "--no-install", "graphql-schema-linter", "--stdin", "--format", "json"],
        cwd=WEB,
        input=schema.as_str() + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    # 0: no findings; 1: findings; anything else: the linter could not run
    assert run.returncode in (0, 1), f"graphql-schema-linter failed:\n{run.stdout}{run.stderr}"
    errors = json.loads(run.stdout)["errors"]
    return Counter(f"{e['rule']}: {e['message']}" for e in errors)


def _allowed() -> Counter[str]:
    lines = ALLOWED.read_text().splitlines()
    return Counter(line for line in lines if line and not line.startswith("#"))


def test_the_schema_passes_the_linter() -> None:
    new = _findings() - _allowed()
    assert not new, (
        "graphql-schema-linter findings (describe what it names; the rules:"
        " web/.graphql-schema-linterrc.yml):\n" + "\n".join(sorted(new.elements()))
    )


def test_every_allowed_finding_is_still_reported() -> None:
    gone = _allowed() - _findings()
    assert not gone, (
        f"findings the linter no longer reports: remove them from {ALLOWED.name}:\n"
        + "\n".join(sorted(gone.elements()))
    )


def test_the_linter_keeps_every_rule_it_does_not_say_why_it_drops() -> None:
    config = (WEB / ".graphql-schema-linterrc.yml").read_text()
    rules = WEB / "node_modules" / "graphql-schema-linter" / "lib" / "rules"
    if not rules.is_dir():
        pytest.fail("graphql-schema-linter is not installed: run `make test`")
    every = {path.stem.replace("_", "-") for path in rules.glob("*.js")}
    block = config.split("\nrules:\n", 1)[1].split("\n\n", 1)[0]
    kept = {line.strip()[2:] for line in block.splitlines() if line.startswith("  - ")}
    explained = {rule for rule in every - kept if rule in config}
    assert kept <= every, f"the config names rules the linter lacks: {sorted(kept - every)}"
    assert every - kept == explained, (
        "rules neither kept nor said why they are off in web/.graphql-schema-linterrc.yml:"
        f" {sorted(every - kept - explained)}"
    )


def _descriptions(graphql_schema: Any) -> dict[str, str | None]:
    from graphql import (
        GraphQLEnumType,
        GraphQLInputObjectType,
        GraphQLInterfaceType,
        GraphQLObjectType,
    )

    out: dict[str, str | None] = {}
    for name, kind in graphql_schema.type_map.items():
        if name.startswith("__"):
            continue
        out[name] = kind.description
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in kind.fields.items():
                out[f"{name}.{field_name}"] = field.description
                for arg_name, arg in getattr(field, "args", {}).items():
                    out[f"{name}.{field_name}({arg_name})"] = arg.description
        if isinstance(kind, GraphQLEnumType):
            for value_name, value in kind.values.items():
                out[f"{name}.{value_name}"] = value.description
    return out


def test_introspection_answers_the_descriptions_the_sdl_gives() -> None:
    # The server answers introspection from the schema it runs; the linter reads the
    # SDL export-schema prints. Enum values are described after strawberry registers
    # their enums (api.described): both must carry the text.
    from graphql import build_client_schema, build_schema, get_introspection_query, graphql_sync

    from api.schema import schema

    # deprecated arguments are listed only when asked for (includeDeprecated)
    query = get_introspection_query(descriptions=True, input_value_deprecation=True)
    answer = graphql_sync(schema._schema, query)
    assert answer.errors is None, answer.errors
    served = _descriptions(build_client_schema(answer.data))  # type: ignore[arg-type]
    printed = _descriptions(build_schema(schema.as_str()))
    assert served == printed
    assert served["ErrorCode.UNKNOWN_METRIC"] == "No metric has this code."
