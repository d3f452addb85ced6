"""Request limits: what one request, or one API key, may ask of the server.

Two layers, both read from ``Settings``:

- HTTP (``Limited``, an ASGI wrapper inside ``Authenticated``): a token bucket
  per API key (429 with ``Retry-After``) and a cap on the body's size,
  checked on ``Content-Length`` first and counted while the body streams in
  (413). Both answer ``{"error": {"code", "message", "field"}}``.
- GraphQL (``QueryLimits``, a schema extension, and ``document_refusal``,
  which the JSON path calls before it decodes any variable): the document's
  token count, its depth, its aliases and an estimate of its cost, refused
  before execution as a top-level error with ``extensions.code``
  ``QUERY_TOO_LARGE``, ``QUERY_TOO_DEEP``, ``TOO_MANY_ALIASES`` or
  ``QUERY_TOO_COSTLY``.

The cost is an estimate of the rows a document can make the server build:
an object field costs 1 plus its selections, a field with a ``first``
argument that page (or its ``last``; ``nodes`` its ids) times its selections,
``aggregateUsage`` its window's buckets times its metrics
(``bucket_estimate``); scalars cost nothing. A
document from ``METERGRAPH_COSTLY_QUERY_COST`` on waits for one of a few
slots and runs on a share of the connection pool (``PoolShare``), so that
another tenant's small query still finds a connection and a turn of the
event loop.

Rate limits are per process: with ``--workers N`` each worker keeps its own
buckets, so a key may reach N times the rate.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
import weakref
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
    value_from_ast_untyped,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from domain.aggregation import MAX_BUCKETS
from services.config import Settings
from services.pools import PoolShare

# What an aggregate costs besides its buckets: one planned query.
AGGREGATE_BASE_COST = 10
_HOUR = 3600
_DAY = 86400


@dataclass(frozen=True)
class QueryLimitSettings:
    tokens: int
    depth: int
    aliases: int
    cost: int
    largest_page: int

    @classmethod
    def of(cls, settings: Settings) -> QueryLimitSettings:
        return cls(
            settings.max_query_tokens,
            settings.max_query_depth,
            settings.max_aliases,
            settings.max_query_cost,
            settings.max_page_size,
        )


def _error(code: str, field: str, message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, "field": field})


# ---------------------------------------------------------------- the document


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _operations(
    document: DocumentNode, operation_name: str | None
) -> list[OperationDefinitionNode]:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    return operations


def _fields(
    selection_set: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    seen: frozenset[str] = frozenset(),
) -> Iterator[FieldNode]:
    """The fields of a selection set with its fragments spread in (a cycle is cut)."""
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:
                yield from _fields(fragment.selection_set, fragments, seen | {name})


def depth_of(
    selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode]
) -> int:
    """Levels of fields below a selection set (a leaf field is one level)."""
    if selection_set is None:
        return 0
    deepest = 0
    for field in _fields(selection_set, fragments):
        deepest = max(deepest, 1 + depth_of(field.selection_set, fragments))
    return deepest


def alias_count(document: DocumentNode) -> int:
    count = 0

    def visit(selection_set: SelectionSetNode | None) -> None:
        nonlocal count
        if selection_set is None:
            return
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                count += selection.alias is not None
                visit(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                visit(selection.selection_set)

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode):
            visit(definition.selection_set)
    return count


def structure_refusal(
    document: DocumentNode, operation_name: str | None, limits: QueryLimitSettings
) -> GraphQLError | None:
    """QUERY_TOO_DEEP or TOO_MANY_ALIASES, or None."""
    aliases = alias_count(document)
    if aliases > limits.aliases:
        return _error(
            "TOO_MANY_ALIASES",
            "query",
            f"the document uses {aliases} aliases; at most {limits.aliases}"
            " (METERGRAPH_MAX_ALIASES)",
        )
    fragments = _fragments(document)
    for operation in _operations(document, operation_name):
        depth = depth_of(operation.selection_set, fragments)
        if depth > limits.depth:
            return _error(
                "QUERY_TOO_DEEP",
                "query",
                f"the document nests fields {depth} deep; at most {limits.depth}"
                " (METERGRAPH_MAX_QUERY_DEPTH)",
            )
    return None


@lru_cache(maxsize=256)
def document_refusal(
    query: str, operation_name: str | None, limits: QueryLimitSettings
) -> GraphQLError | None:
    """A document refused for its size, depth or aliases, before anything else reads it.

    A document that does not parse for another reason is left to GraphQL to answer.
    """
    try:
        document = parse(query, max_tokens=limits.tokens, no_location=True)
    except GraphQLSyntaxError as exc:
        if "tokens" in exc.message and "Parsing aborted" in exc.message:
            return _error(
                "QUERY_TOO_LARGE",
                "query",
                f"the document has more than {limits.tokens} tokens"
                " (METERGRAPH_MAX_QUERY_TOKENS); send records as variables",
            )
        return None
    return structure_refusal(document, operation_name, limits)


# ---------------------------------------------------------------- cost


def _arguments(field: FieldNode, variables: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for argument in field.arguments or ():
        try:
            out[argument.name.value] = value_from_ast_untyped(argument.value, variables)
        except Exception:  # an unusable value is the resolver's to refuse
            out[argument.name.value] = None
    return out


def _instant(raw: Any) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None


def bucket_estimate(criteria: Any) -> int:
    """How many buckets an aggregateUsage's criteria can produce (at least 1)."""
    if not isinstance(criteria, dict):
        return 1
    start, end = _instant(criteria.get("from")), _instant(criteria.get("to"))
    if start is None or end is None or (start.tzinfo is None) != (end.tzinfo is None):
        return 1
    seconds = max(0.0, (end - start).total_seconds())
    granularity = str(criteria.get("granularity") or "DAY").upper()
    if granularity == "HOUR":
        buckets = math.ceil(seconds / _HOUR) + 1
    elif granularity == "DAY":
        buckets = math.ceil(seconds / _DAY) + 1
    elif granularity == "MONTH":
        buckets = (end.year - start.year) * 12 + end.month - start.month + 1
    else:
        buckets = 1
    # More buckets than an aggregate may have (or a window longer than one
    # may span) is refused by aggregateUsage itself, as a typed error.
    buckets = min(max(1, buckets), MAX_BUCKETS)
    metrics = criteria.get("metricCodes")
    return buckets * max(1, len(metrics) if isinstance(metrics, list) else 1)


def _page(arguments: dict[str, Any], default: int, largest: int) -> int:
    """A list field's page: its ``first`` or ``last`` (a larger one is refused by the
    field), or as many as the ``ids`` it is given."""
    ids = arguments.get("ids")
    if isinstance(ids, list):
        return min(max(1, len(ids)), largest)
    first = arguments.get("first")
    if first is None:
        first = arguments.get("last")
    if first is None:
        first = default
    if isinstance(first, int) and not isinstance(first, bool) and first > 0:
        return min(first, largest)
    return 1


def cost_of(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    pages: dict[str, int],
    largest_page: int,
) -> int:
    """The estimated cost of a selection set (see the module's docstring)."""
    if selection_set is None:
        return 0
    total = 0
    for field in _fields(selection_set, fragments):
        name = field.name.value
        if field.selection_set is None or name.startswith("__"):
            continue  # a leaf comes with its object; introspection reads the schema
        arguments = _arguments(field, variables)
        if name == "aggregateUsage":
            total += AGGREGATE_BASE_COST + bucket_estimate(arguments.get("criteria"))
            continue
        below = cost_of(field.selection_set, fragments, variables, pages, largest_page)
        if name in pages:
            total += 1 + _page(arguments, pages[name], largest_page) * below
        else:
            total += 1 + below
    return total


def document_cost(
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    limits: QueryLimitSettings,
    pages: dict[str, int],
) -> int:
    """The estimated cost of the operation(s) a request runs."""
    fragments = _fragments(document)
    return max(
        (
            cost_of(o.selection_set, fragments, variables or {}, pages, limits.largest_page)
            for o in _operations(document, operation_name)
        ),
        default=0,
    )


@lru_cache(maxsize=8)
def _page_defaults(graphql_schema: Any) -> dict[str, int]:
    """Fields with a ``first`` (or ``ids``) argument, by name, with its default (a page
    a field gives when ``first`` is not sent; without one, PAGE_WITHOUT_FIRST)."""
    out: dict[str, int] = {}
    for kind in graphql_schema.type_map.values():
        for name, field in (getattr(kind, "fields", None) or {}).items():
            args = getattr(field, "args", {})
            argument = args.get("first")
            if argument is not None:
                given = argument.default_value
                page = given if isinstance(given, int) else PAGE_WITHOUT_FIRST
                out[name] = max(out.get(name, 1), page)
            elif "ids" in args:
                out[name] = max(out.get(name, 1), 1)
    return out


# The page a connection gives when neither `first` nor `last` is sent
# (api.paging.DEFAULT_PAGE; this module reads the document only).
PAGE_WITHOUT_FIRST = 100


class QueryLimits(SchemaExtension):
    """Refuses a document over the depth, alias, token or cost limits before it runs,
    and runs costly documents a few at a time (``METERGRAPH_COSTLY_QUERY_SLOTS``)."""

    cost = 0

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        limits = _limits_of(context)
        if limits is not None:
            self.execution_context.parse_options["max_tokens"] = limits.tokens
        yield

    def on_validate(self) -> Iterator[None]:
        ec = self.execution_context
        limits = _limits_of(ec.context)
        if limits is not None and not ec.pre_execution_errors and ec.graphql_document:
            refusal = structure_refusal(ec.graphql_document, ec.operation_name, limits)
            if refusal is None:
                pages = _page_defaults(ec.schema._schema)
                self.cost = document_cost(
                    ec.graphql_document, ec.operation_name, ec.variables, limits, pages
                )
                if self.cost > limits.cost:
                    refusal = _error(
                        "QUERY_TOO_COSTLY",
                        "query",
                        f"the document's estimated cost is {self.cost}; at most {limits.cost}"
                        " (METERGRAPH_MAX_QUERY_COST): ask for fewer buckets, metrics or items",
                    )
            if refusal is not None:
                ec.pre_execution_errors = [refusal]
        yield

    async def on_execute(self) -> AsyncIterator[None]:
        settings = _settings_of(self.execution_context.context)
        if settings is None or self.cost < settings.costly_query_cost:
            yield
            return
        # Costly documents wait their turn (without holding anything), and run
        # on a share of the pool, so that they never take the whole event loop
        # and connection pool from the small requests of other tenants.
        context = self.execution_context.context
        runtime = context.runtime
        async with costly_slots(settings.costly_query_slots):
            context.runtime = replace(
                runtime, pool=PoolShare(runtime.pool, settings.costly_query_connections)
            )
            try:
                yield
            finally:
                context.runtime = runtime


_SLOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def costly_slots(slots: int) -> asyncio.Semaphore:
    """This event loop's slots for costly documents."""
    loop = asyncio.get_running_loop()
    semaphore = _SLOTS.get(loop)
    if semaphore is None:
        semaphore = _SLOTS[loop] = asyncio.Semaphore(slots)
    return semaphore


def _settings_of(context: Any) -> Settings | None:
    settings = getattr(getattr(context, "runtime", None), "settings", None)
    return settings if isinstance(settings, Settings) else None


def _limits_of(context: Any) -> QueryLimitSettings | None:
    settings = _settings_of(context)
    return QueryLimitSettings.of(settings) if settings is not None else None


# ---------------------------------------------------------------- HTTP


class RateLimiter:
    """A token bucket per API key: ``per_second`` tokens a second, at most ``burst``."""

    def __init__(self, per_second: int, burst: int) -> None:
        self.per_second = per_second
        self.burst = max(burst, 1)
        self._buckets: dict[Any, tuple[float, float]] = {}

    def take(self, key: Any) -> float | None:
        """None when the request may go on, else the seconds until it may."""
        if self.per_second <= 0:
            return None
        now = time.monotonic()
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.per_second)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.per_second
        self._buckets[key] = (tokens - 1.0, now)
        return None


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"body larger than {limit} bytes")
        self.limit = limit


async def refuse(
    send: Send,
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    error: dict[str, Any] = {"code": code, "message": message}
    if field:
        error["field"] = field
    body = json.dumps({"error": error}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class Limited:
    """ASGI wrapper (inside ``Authenticated``): the key's rate limit, then the body's size.

    ``body_setting`` names the Settings field that caps the body, for the error.
    """

    def __init__(self, app: ASGIApp, body_setting: str) -> None:
        self.app = app
        self.body_setting = body_setting

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        limiter: RateLimiter = state.rate_limiter
        principal = scope.get("metergraph.principal")
        wait = limiter.take(getattr(principal, "key_id", None))
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            await refuse(
                send,
                429,
                "RATE_LIMITED",
                f"this API key sends more than {limiter.per_second} requests a second"
                f" (METERGRAPH_RATE_LIMIT_PER_SECOND); retry in {seconds} s",
                "METERGRAPH_RATE_LIMIT_PER_SECOND",
                [(b"retry-after", str(seconds).encode())],
            )
            return
        limit: int = getattr(state.runtime.settings, self.body_setting)
        variable = "METERGRAPH_" + self.body_setting.upper()
        message = f"the body is larger than {limit} bytes ({variable})"
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await refuse(send, 413, "BODY_TOO_LARGE", message, variable)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if not started:
                await refuse(send, 413, "BODY_TOO_LARGE", message, variable)
