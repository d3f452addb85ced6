"""A direct answer to the commonest request: one recordUsage of one decoded record.

A single ``recordUsage`` whose record ``api.typed_inputs`` decoded is answered
here, without the GraphQL executor, when its selection set is plain: fields
(aliases allowed) and inline fragments on the result's types, with no
directives, no arguments below the root field, no fragment spreads and no
response key used twice. The document is validated against the schema
once; the record goes through the same code the resolver runs
(``api.schema.record_one``), the answer is shaped from the selection set
with the schema's own serializers, and the mutation is audited as the
executor would. Anything else, and any key that may not record usage, goes
through the executor (``tests/integration/test_direct.py`` checks that both
give the same answer).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    FieldNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    is_leaf_type,
    parse,
    validate,
)

DEFINITION = "strawberry-definition"  # where strawberry keeps a field's definition


@dataclass(frozen=True)
class Selection:
    key: str  # the response key (alias or name)
    name: str
    on: str | None  # the type condition it sits under (None: any)
    children: tuple[Selection, ...] | None  # None: a leaf


@dataclass(frozen=True)
class Plan:
    root_key: str
    selections: tuple[Selection, ...]
    operation_name: str | None
    operation: OperationDefinitionNode


def _selections(
    schema: GraphQLSchema, node: SelectionSetNode, on: str | None, seen: set[str]
) -> list[Selection] | None:
    out: list[Selection] = []
    for selection in node.selections:
        if selection.directives:
            return None
        if isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition.name.value if selection.type_condition else None
            inner = _selections(schema, selection.selection_set, condition or on, seen)
            if inner is None:
                return None
            out += inner
            continue
        if not isinstance(selection, FieldNode) or selection.arguments:
            return None
        key = selection.alias.value if selection.alias else selection.name.value
        if key in seen:
            return None  # merging repeated keys is the executor's job
        seen.add(key)
        children = None
        if selection.selection_set is not None:
            below = _selections(schema, selection.selection_set, None, set())
            if below is None:
                return None
            children = tuple(below)
        out.append(Selection(key, selection.name.value, on, children))
    return out


@lru_cache(maxsize=256)
def plan_for(schema: GraphQLSchema, query: str, operation_name: str | None) -> Plan | None:
    """The plan for a single ``recordUsage(input: $x)`` document, or None."""
    document = parse(query)
    if validate(schema, document):
        return None
    (operation,) = document.definitions
    assert isinstance(operation, OperationDefinitionNode)
    (root,) = operation.selection_set.selections
    assert isinstance(root, FieldNode)
    if [a.name.value for a in root.arguments] != ["input"] or root.selection_set is None:
        return None
    selections = _selections(schema, root.selection_set, None, set())
    if selections is None:
        return None
    key = root.alias.value if root.alias else root.name.value
    name = operation.name.value if operation.name else None
    return Plan(key, tuple(selections), name, operation)


def _unwrap(kind: Any) -> Any:
    return kind.of_type if isinstance(kind, GraphQLNonNull) else kind


def _applies(on: str | None, runtime: GraphQLObjectType, schema: GraphQLSchema) -> bool:
    if on is None or on == runtime.name:
        return True
    outer = schema.get_type(on)
    return isinstance(outer, GraphQLUnionType) and runtime in outer.types


def shape(
    schema: GraphQLSchema, value: Any, kind: GraphQLObjectType, selections: tuple[Selection, ...]
) -> dict[str, Any]:
    """``value`` (a strawberry object of type ``kind``) as the selections ask for it."""
    out: dict[str, Any] = {}
    for s in selections:
        if not _applies(s.on, kind, schema):
            continue
        if s.name == "__typename":
            out[s.key] = kind.name
            continue
        field = kind.fields[s.name]
        attribute = getattr(value, field.extensions[DEFINITION].python_name)
        out[s.key] = _complete(schema, attribute, field.type, s)
    return out


def _complete(schema: GraphQLSchema, value: Any, kind: Any, s: Selection) -> Any:
    if value is None:
        return None
    kind = _unwrap(kind)
    if isinstance(kind, GraphQLList):
        return [_complete(schema, v, kind.of_type, s) for v in value]
    if is_leaf_type(kind):
        return kind.serialize(value)
    assert isinstance(kind, GraphQLObjectType) and s.children is not None
    return shape(schema, value, kind, s.children)


def runtime_type(schema: GraphQLSchema, value: Any) -> GraphQLObjectType:
    name = type(value).__strawberry_definition__.name
    kind = schema.get_type(name)
    assert isinstance(kind, GraphQLObjectType)
    return kind


def outcome(data: dict[str, Any]) -> str:
    """The outcome as the audit extension words it for a mutation's data."""
    return ",".join(
        f"{k}:{(v or {}).get('__typename', 'ok') if isinstance(v, dict) else 'ok'}"
        for k, v in data.items()
    )
