"""The checked-in GraphQL SDL matches the code."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_checked_in_schema_matches_the_code() -> None:
    from api.schema import schema

    checked_in = (REPO / "schema.graphql").read_text()
    assert checked_in == schema.as_str() + "\n", (
        "schema.graphql is out of date with api/schema.py; regenerate it with"
        " `metergraph export-schema` (from the repository root) and commit the result"
    )


def _breaking_changes() -> set[str]:
    from graphql import build_schema
    from graphql.utilities import find_breaking_changes

    from api.schema import schema

    released = build_schema((REPO / "tests/schema/released.graphql").read_text())
    changes = find_breaking_changes(released, schema._schema)
    return {f"{change.type.name}: {change.description}" for change in changes}


def _announced() -> set[str]:
    text = (REPO / "tests/schema/announced_breaking_changes.txt").read_text()
    return {line for line in text.splitlines() if line and not line.startswith("#")}


def test_every_breaking_change_since_the_release_is_announced() -> None:
    unannounced = _breaking_changes() - _announced()
    assert not unannounced, (
        "breaking changes to the schema since tests/schema/released.graphql that are not"
        " announced in tests/schema/announced_breaking_changes.txt (and the README):\n"
        + "\n".join(sorted(unannounced))
    )


def test_every_announced_breaking_change_is_real() -> None:
    stale = _announced() - _breaking_changes()
    assert not stale, "announced breaking changes the schema no longer makes:\n" + "\n".join(
        sorted(stale)
    )
