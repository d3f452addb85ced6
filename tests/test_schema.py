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
