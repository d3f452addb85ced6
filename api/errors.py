"""How the API answers the product's errors: one place.

    Rejected (and Invalid)     → the result union's ``ValidationError`` member,
      from a service call        where the resolver wraps the call in ``answer``
    the database unreachable   → a top-level GraphQL error, code
      (``services.errors``)      ``DATABASE_UNAVAILABLE``, a fixed message (never
                                 the driver's or the operating system's text)
    any other MetergraphError  → a top-level GraphQL error: its message, and
      that escapes a resolver    ``extensions`` {"code": its code} (and "field"
                                 when it names one): AccessDenied is FORBIDDEN,
                                 NotFound NOT_FOUND, BadUserInput BAD_USER_INPUT…
    anything else              → masked: "Internal error; it has been logged."

``answer`` is the resolvers' side of the first rule; ``client_error`` is the
rest, applied by the schema's error masking (``api.schema``) to every error
that reaches the response, and by ``paging`` to the refusals it raises
directly.

So a resolver never catches a refusal to re-raise it: it lets the service's
``MetergraphError`` escape. Nor does it check the caller's key before the
service does: the service checks it first thing, before it reads its
arguments, so a refused key is FORBIDDEN whatever else is wrong with the
request (a cursor or a page size the service reads once the key may: it is
handed ``paging.position`` to call, not its result).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from graphql import GraphQLError

import domain.usage as d
from api.types import ValidationError
from domain.errors import Invalid, MetergraphError, Rejected
from services.errors import UNAVAILABLE_MESSAGE, is_unavailable

T = TypeVar("T")
R = TypeVar("R")

MASKED_MESSAGE = "Internal error; it has been logged."
DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"


class BadUserInput(MetergraphError):
    """An argument the API cannot use (a page size, a cursor, a filter): refused
    with a top-level error, not a union member."""

    default_code = "BAD_USER_INPUT"


def validation_error(exc: Invalid) -> ValidationError:
    """The union member for a refused input."""
    if isinstance(exc, Rejected):
        return ValidationError.of(list(exc.errors))
    known = exc.code in d.ErrorCode.__members__
    code = d.ErrorCode(exc.code) if known else d.ErrorCode.INVALID_FORMAT
    return ValidationError.single(exc.field or "input", code, exc.message)


async def answer(call: Awaitable[T], to: Callable[[T], R]) -> R | ValidationError:
    """Await a service call; map its value with ``to``, or its refusal to ``ValidationError``."""
    try:
        value = await call
    except Invalid as exc:
        return validation_error(exc)
    return to(value)


def _extensions(exc: MetergraphError) -> dict[str, Any]:
    extensions: dict[str, Any] = {"code": exc.code}
    if exc.field is not None:
        extensions["field"] = exc.field
    return extensions


def _located(
    message: str, extensions: dict[str, Any], located: GraphQLError | None
) -> GraphQLError:
    if located is None:
        return GraphQLError(message, extensions=extensions)
    return GraphQLError(
        message,
        nodes=located.nodes,
        source=located.source,
        positions=located.positions,
        path=located.path,
        extensions=extensions,
    )


def unavailable(located: GraphQLError | None = None) -> GraphQLError:
    """The database is unreachable (at ``located``'s place in the document)."""
    return _located(UNAVAILABLE_MESSAGE, {"code": DATABASE_UNAVAILABLE}, located)


def coded(exc: MetergraphError, located: GraphQLError | None = None) -> GraphQLError:
    """``exc`` as the client sees it (at ``located``'s place in the document)."""
    if is_unavailable(exc):
        return unavailable(located)
    return _located(exc.message, _extensions(exc), located)


def client_error(error: GraphQLError) -> GraphQLError | None:
    """What the client sees of ``error`` when the product raised it on purpose or
    the database is unreachable (None: neither; the error is masked or stands)."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return None
    if isinstance(original, MetergraphError):
        return coded(original, error)
    return unavailable(error) if is_unavailable(original) else None


def unexpected(error: GraphQLError) -> bool:
    """Whether ``error`` is a failure nobody meant: logged with its trace (and, but
    for the database being unreachable, masked)."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    return is_unavailable(original) or not isinstance(original, MetergraphError)
