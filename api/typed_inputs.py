"""Usage records sent as GraphQL variables, decoded in one typed pass.

graphql-core coerces a variable field by field and strawberry then builds an
input object per record: together about 0.2 ms a record, the bulk of a
10,000-record ``batchRecordUsage``. When a request's document is a single
``recordUsage`` or ``batchRecordUsage`` whose records come from one variable
of exactly the declared type, that variable is decoded here instead, with
msgspec, straight into ``UsageDraft``s, and GraphQL gets a stand-in value
that costs nothing to coerce. The resolver picks the drafts up from the
request's context.

Anything else, and any variable msgspec will not decode (a wrong type, an
unknown field, a missing one), goes the ordinary way, so errors read exactly
as GraphQL's own.

A body that is no GraphQL request at all (not JSON, not UTF-8, ``null``, nested
deeper than ``MAX_DEPTH``) or whose text PostgreSQL could not store (NUL, a
lone surrogate) raises ``MalformedBody``: the server answers it with a 400
and a JSON error naming the part of the body at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

import msgspec
from graphql import (
    FieldNode,
    GraphQLSyntaxError,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    TypeNode,
    VariableNode,
    Visitor,
    parse,
    visit,
)

from domain import usage as d
from domain.bulk import UsageRecordWire
from domain.limits import unstorable

# Lists longer than this reach the audit log as their length.
AUDITED_ITEMS = 20

# root field -> its (argument, the variable type it must be declared with, whether
# the records are the variable's `records`), in the order they are looked for
_FAST_FIELDS = {
    "batchRecordUsage": (
        ("input", "BatchRecordUsageInput!", True),
        ("records", "[UsageRecordInput!]!", False),
    ),
    "recordUsage": (("input", "UsageRecordInput!", False),),
}

# What GraphQL coerces in place of a decoded single record (never used).
_STAND_IN = {
    "companyId": "00000000-0000-0000-0000-000000000000",
    "resourceType": "API_CALLS",
    "metricCode": "",
    "timestamp": "1970-01-01T00:00:00+00:00",
    "value": "0",
    "unit": "",
}


_ONE = msgspec.json.Decoder(UsageRecordWire)
_MANY = msgspec.json.Decoder(list[UsageRecordWire])


class _Envelope(msgspec.Struct):
    query: str | None = None
    variables: dict[str, msgspec.Raw] | None = None
    operationName: str | None = None
    extensions: dict[str, Any] | None = None


_ENVELOPE = msgspec.json.Decoder(_Envelope)
# Other variables, as strawberry would see them but with exact decimals.
_ANY = msgspec.json.Decoder(float_hook=Decimal)


# Deeper JSON than this is refused before anything walks it recursively.
MAX_DEPTH = 64


class MalformedBody(ValueError):
    """A request body that is not a GraphQL request the server can run."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def as_json(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            error["field"] = self.field
        return {"error": error}


def _not_json(detail: str) -> MalformedBody:
    return MalformedBody("INVALID_JSON", f"the body is not a JSON GraphQL request: {detail}")


def check_value(value: Any, path: str) -> None:
    """Raise MalformedBody for text that cannot be stored, or nesting deeper than MAX_DEPTH."""
    stack: list[tuple[Any, str, int]] = [(value, path, 0)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, str):
            if unstorable(item):
                raise MalformedBody(
                    "INVALID_CHARACTER", f"{where} holds a NUL character or a lone surrogate", where
                )
            continue
        if not isinstance(item, dict | list):
            continue
        if depth >= MAX_DEPTH:
            raise MalformedBody("TOO_DEEP", f"{where} is nested deeper than {MAX_DEPTH}", where)
        if isinstance(item, dict):
            for key, inner in item.items():
                if unstorable(key):
                    raise MalformedBody(
                        "INVALID_CHARACTER",
                        f"a key in {where} holds a NUL or a lone surrogate",
                        where,
                    )
                stack.append((inner, f"{where}.{key}", depth + 1))
        else:
            stack.extend((inner, f"{where}[{n}]", depth + 1) for n, inner in enumerate(item))


@lru_cache(maxsize=256)
def _document_text_ok(query: str) -> bool:
    """No string literal of the document decodes to text that cannot be stored."""
    if unstorable(query):
        return False
    if "\\u" not in query:  # only an escape can spell NUL or a surrogate
        return True
    try:
        document = parse(query)
    except GraphQLSyntaxError:
        return True  # GraphQL words the syntax error itself
    found: list[str] = []

    class Strings(Visitor):
        def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
            found.append(node.value)

    visit(document, Strings())
    return not any(unstorable(text) for text in found)


@dataclass(frozen=True)
class FastField:
    field: str
    variable: str
    # declared with exactly the field's type and no default: decoded here
    exact: bool = True
    # the records are the variable's `records` (BatchRecordUsageInput)
    nested: bool = False


def _type_text(node: TypeNode) -> str:
    if isinstance(node, NonNullTypeNode):
        return _type_text(node.type) + "!"
    if isinstance(node, ListTypeNode):
        return f"[{_type_text(node.type)}]"
    assert isinstance(node, NamedTypeNode)
    return node.name.value


def fast_field(query: str, operation_name: str | None) -> FastField | None:
    """The field and variable to decode directly, when the document allows it."""
    bound = bound_field(query, operation_name)
    return bound if bound is not None and bound.exact else None


@lru_cache(maxsize=256)
def bound_field(query: str, operation_name: str | None) -> FastField | None:
    """The single usage field of a mutation and the variable its records come from."""
    try:
        document = parse(query)
    except GraphQLSyntaxError:
        return None
    operations = [o for o in document.definitions if isinstance(o, OperationDefinitionNode)]
    if len(operations) != 1 or len(document.definitions) != 1:
        return None
    (operation,) = operations
    if operation.operation is not OperationType.MUTATION:
        return None
    if operation_name is not None and (
        operation.name is None or operation.name.value != operation_name
    ):
        return None
    selections = operation.selection_set.selections
    if len(selections) != 1 or not isinstance(selections[0], FieldNode):
        return None
    field = selections[0]
    if field.name.value not in _FAST_FIELDS or field.directives:
        return None
    candidates = [
        (candidate, [a for a in field.arguments if a.name.value == candidate[0]])
        for candidate in _FAST_FIELDS[field.name.value]
    ]
    found = next(((c, b) for c, b in candidates if b), None)
    if found is None:
        return None
    (_, declared, nested), bound = found
    if len(bound) != 1 or not isinstance(bound[0].value, VariableNode):
        return None
    variable = bound[0].value.name.value
    definitions = [
        v for v in operation.variable_definitions or () if v.variable.name.value == variable
    ]
    if len(definitions) != 1:
        return None
    given = _type_text(definitions[0].type)
    # the input may be declared nullable, as the field takes it: a null one is not decoded
    matches = given == declared or (nested and given == declared.rstrip("!"))
    exact = matches and definitions[0].default_value is None
    return FastField(field.name.value, variable, exact, nested)


@dataclass
class Decoded:
    """A request body: its parts as strawberry wants them, and the drafts decoded directly."""

    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None
    field: str | None = None
    drafts: list[d.UsageDraft] | None = None
    # the decoded variable as the audit log should see it (not the stand-in)
    audited: dict[str, Any] | None = None


def decode_body(
    body: bytes, *, may_write: bool = True, max_items: int | None = None
) -> Decoded | None:
    """The request; raises MalformedBody for a body that is not one GraphQL request
    object (batches of requests included: they are not supported).

    A batch's records are counted before they are decoded: for a key that may
    not write, or past ``max_items``, they are never decoded (the resolver
    refuses the batch by its length or the key's role).
    """
    envelope = _envelope(body)
    raw = envelope.variables
    decoded = Decoded(envelope.query, None, envelope.operationName, envelope.extensions)
    if raw is None:
        return decoded
    fast = (
        bound_field(envelope.query, envelope.operationName)
        if isinstance(envelope.query, str)
        else None
    )
    variables: dict[str, Any] = {}
    try:
        for name, value in raw.items():
            if fast is not None and name == fast.variable:
                variables[name] = _records(decoded, fast, name, value, may_write, max_items)
            else:
                variables[name] = _variable(name, value)
    except UnicodeDecodeError:
        # msgspec leaves a variable's raw bytes unchecked until they are decoded
        raise _not_json("a variable is not UTF-8") from None
    check_value(variables, "variables")
    if decoded.audited is not None:
        check_value(decoded.audited, "variables")
    decoded.variables = variables
    return decoded


def _envelope(body: bytes) -> _Envelope:
    """The body's request object, its query and other parts checked (not its variables)."""
    try:
        envelope = _ENVELOPE.decode(body)
    except msgspec.ValidationError as exc:
        if body.lstrip()[:1] == b"[":
            raise MalformedBody(
                "BATCH_NOT_SUPPORTED", "send one GraphQL request object, not a list of them"
            ) from None
        raise _not_json(str(exc)) from None
    except msgspec.DecodeError as exc:
        raise _not_json(f"{exc} (or a lone surrogate)") from None
    except UnicodeDecodeError:
        raise _not_json("it is not UTF-8") from None
    except RecursionError:
        raise MalformedBody("TOO_DEEP", f"the body is nested deeper than {MAX_DEPTH}") from None
    if envelope.query is not None and not _document_text_ok(envelope.query):
        raise MalformedBody(
            "INVALID_CHARACTER", "the query holds a NUL character or a lone surrogate", "query"
        )
    for name, part in (
        ("operationName", envelope.operationName),
        ("extensions", envelope.extensions),
    ):
        check_value(part, name)
    return envelope


def _records(
    decoded: Decoded,
    fast: FastField,
    name: str,
    value: msgspec.Raw,
    may_write: bool,
    max_items: int | None,
) -> Any:
    """The records variable ``name``: decoded straight into ``decoded``'s drafts when
    it can be, and what GraphQL is given for it instead (a stand-in)."""
    if fast.nested:
        return _batch_input(decoded, fast, name, value, may_write, max_items)
    if fast.field == "batchRecordUsage":
        items = _count(value)
        if items is not None and (not may_write or (max_items and items > max_items)):
            decoded.field = fast.field
            decoded.drafts = _unread(items if may_write else 0)
            decoded.audited = {name: {"items": items}}
            return []
    if fast.exact:
        try:
            stand_in: Any
            if fast.field == "batchRecordUsage":
                decoded.drafts = [r.draft() for r in _MANY.decode(value)]
                stand_in = []
                audited: Any = (
                    {"items": len(decoded.drafts)}
                    if len(decoded.drafts) > AUDITED_ITEMS
                    else _ANY.decode(value)
                )
            else:
                decoded.drafts = [_ONE.decode(value).draft()]
                stand_in = _STAND_IN
                audited = _ANY.decode(value)
            decoded.field = fast.field
            decoded.audited = {name: audited}
            return stand_in
        except (msgspec.DecodeError, msgspec.ValidationError):
            decoded.drafts = None  # GraphQL coerces it and words the error
        except RecursionError:
            raise MalformedBody(
                "TOO_DEEP", f"variables.{name} is nested deeper than {MAX_DEPTH}"
            ) from None
    return _variable(name, value)


class _BatchInput(msgspec.Struct, forbid_unknown_fields=True):
    """A BatchRecordUsageInput: its records left undecoded, its switches as sent."""

    records: msgspec.Raw
    atomic: bool = False
    backfill: bool = False


_BATCH_INPUT = msgspec.json.Decoder(_BatchInput)


def _batch_input(
    decoded: Decoded,
    fast: FastField,
    name: str,
    value: msgspec.Raw,
    may_write: bool,
    max_items: int | None,
) -> Any:
    """A batchRecordUsage ``input``: its records decoded as a ``records`` variable's
    are, its switches kept for GraphQL (anything else: the ordinary way)."""
    if not fast.exact:
        return _variable(name, value)
    try:
        given = _BATCH_INPUT.decode(value)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return _variable(name, value)
    except RecursionError:
        raise MalformedBody(
            "TOO_DEEP", f"variables.{name} is nested deeper than {MAX_DEPTH}"
        ) from None
    switches = {"atomic": given.atomic, "backfill": given.backfill}
    flat = FastField(fast.field, fast.variable, fast.exact)
    records = _records(decoded, flat, name, given.records, may_write, max_items)
    if decoded.field == fast.field and decoded.audited is not None:
        decoded.audited = {name: {"records": decoded.audited[name], **switches}}
    return {"records": records, **switches}


def _variable(name: str, value: msgspec.Raw) -> Any:
    try:
        return _ANY.decode(value)
    except RecursionError:
        raise MalformedBody(
            "TOO_DEEP", f"variables.{name} is nested deeper than {MAX_DEPTH}"
        ) from None


_ITEMS = msgspec.json.Decoder(list[msgspec.Raw])


def _count(value: msgspec.Raw) -> int | None:
    """The items of a JSON array, counted without decoding them (None: not an array)."""
    try:
        return len(_ITEMS.decode(value))
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None


def _unread(items: int) -> list[d.UsageDraft]:
    """A batch that is refused by its length: ``items`` times one stand-in draft,
    never checked nor stored."""
    return [_UNREAD] * items


_UNREAD = _ONE.decode(msgspec.json.encode(_STAND_IN)).draft()
