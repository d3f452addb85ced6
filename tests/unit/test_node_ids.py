"""Global ids: a UUID stands for itself, a code-keyed node is base64url of Kind:code."""

from __future__ import annotations

from uuid import UUID

import pytest

from domain.errors import Invalid
from domain.nodes import CodeKey, global_id, parse_node_id

SOME = UUID("0190b1c2-0000-7000-8000-000000000000")


def test_a_uuid_is_its_own_global_id_in_either_case() -> None:
    assert parse_node_id(str(SOME), "id") == SOME
    assert parse_node_id(str(SOME).upper(), "id") == SOME


@pytest.mark.parametrize(("kind", "code"), [("Metric", "API_REQUESTS"), ("Product", "a:b é")])
def test_a_code_keyed_global_id_reads_back_as_its_kind_and_code(kind: str, code: str) -> None:
    made = global_id(kind, code)
    assert "=" not in made and "+" not in made and "/" not in made
    assert parse_node_id(made, "id") == CodeKey(kind, code)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "garbage!",
        global_id("Company", "x"),  # companies have UUIDs, not codes
        global_id("Metric", ""),
        global_id("Metric", "x") + "==",  # padded: not as this API writes it
        "{" + str(SOME) + "}",
        str(SOME).replace("-", ""),
        global_id("Metric", "nul\x00"),
        "A" * 600,
    ],
)
def test_anything_else_is_refused_naming_the_argument(bad: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse_node_id(bad, "ids[3]")
    assert (refused.value.code, refused.value.field) == ("BAD_USER_INPUT", "ids[3]")
