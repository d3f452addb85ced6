"""Every mutation has one shape: ``xxx(input: XxxInput!): XxxResult!``, the result a
union of its payload and typed errors whose code field is ``errorCode``; what does
not is deprecated (for one release) in favour of a field that does."""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLInputObjectType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    get_nullable_type,
)

# recordUsage's input is the record itself, decoded straight from its variable on
# the ingest hot path (api.typed_inputs, api.direct); its switch stays beside it.
# The README ("GraphQL API", "Deprecation") names it as the exception.
INGEST = {"recordUsage": {"backfill"}}
REASON = "; removed in the next release"


def _schema() -> GraphQLSchema:
    from api.schema import schema

    return schema._schema


def _mutations() -> dict[str, Any]:
    mutation = _schema().mutation_type
    assert mutation is not None
    return dict(mutation.fields)


def _result_union(field: Any) -> GraphQLUnionType | None:
    kind = field.type
    if not isinstance(kind, GraphQLNonNull) or not isinstance(kind.of_type, GraphQLUnionType):
        return None
    return kind.of_type


def test_every_current_mutation_takes_one_input_and_answers_a_union_with_its_errors() -> None:
    wrong = []
    for name, field in _mutations().items():
        if field.deprecation_reason is not None:
            continue
        current = {a for a, arg in field.args.items() if arg.deprecation_reason is None}
        union = _result_union(field)
        if name in INGEST:
            assert current <= INGEST[name] | {"input"}, (name, current)
        elif current != {"input"}:
            wrong.append(f"{name}: arguments {sorted(current)}")
        elif not isinstance(get_nullable_type(field.args["input"].type), GraphQLInputObjectType):
            wrong.append(f"{name}: input is not an input object")
        if union is None or "ValidationError" not in {t.name for t in union.types}:
            wrong.append(f"{name}: result {field.type} is not a union with ValidationError")
    assert not wrong, "\n".join(wrong)


def test_an_input_is_required_unless_deprecated_arguments_stand_in_for_it() -> None:
    for name, field in _mutations().items():
        if "input" not in field.args or field.deprecation_reason is not None:
            continue
        others = [a for a in field.args.values() if a is not field.args["input"]]
        deprecated = [a for a in others if a.deprecation_reason is not None]
        required = isinstance(field.args["input"].type, GraphQLNonNull)
        assert required or deprecated, f"{name}: an optional input with nothing beside it"
        for arg in deprecated:
            assert arg.deprecation_reason.endswith(REASON), (name, arg.deprecation_reason)


def test_a_deprecated_mutation_names_its_replacement_which_exists() -> None:
    fields = _mutations()
    for name, field in fields.items():
        reason = field.deprecation_reason
        if reason is None:
            continue
        assert reason.startswith("Use ") and reason.endswith(REASON), (name, reason)
        replacement = reason.removeprefix("Use ").removesuffix(REASON)
        assert replacement in fields and fields[replacement].deprecation_reason is None, name


def test_no_error_member_of_a_result_union_answers_a_plain_code() -> None:
    """`code` on an error would clash with a payload's own `code` (Metric, Product)."""
    for kind in _schema().type_map.values():
        if not isinstance(kind, GraphQLUnionType):
            continue
        for member in kind.types:
            if not member.name.endswith("Error"):
                continue
            assert isinstance(member, GraphQLObjectType)
            assert "errorCode" in member.fields, member.name
            code = member.fields.get("code")
            assert code is None or code.deprecation_reason is not None, member.name
