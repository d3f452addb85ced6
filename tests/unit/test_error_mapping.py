"""Errors raised on purpose reach the client with their codes; nothing else does."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import pytest
import strawberry

from api import paging
from api.errors import MASKED_MESSAGE
from api.schema import MetergraphSchema, _mask_errors
from api.types import BadCursor
from domain.access import AccessDenied
from domain.errors import Conflict, Invalid, MetergraphError, NotFound
from services.config import ConfigError
from services.errors import UNAVAILABLE_MESSAGE
from services.sessions import SessionExpired
from storage.errors import DatabaseUnavailable


@strawberry.type
class Query:
    @strawberry.field
    def missing(self) -> int:
        raise NotFound("no invoice with that id")

    @strawberry.field
    def denied(self) -> int:
        raise AccessDenied("this API key is limited to its own company")

    @strawberry.field
    def clash(self) -> int:
        raise Conflict("that period is invoiced already", field="periodStart")

    @strawberry.field
    def bad_page(self) -> int:
        raise paging.bad_input("first must be between 1 and 1000", "first")

    @strawberry.field
    def refused_page(self) -> int:
        # a service's refusal of an argument, outside any result union
        raise Invalid("first must be between 1 and 1000", code="BAD_USER_INPUT", field="first")

    @strawberry.field
    def unreachable(self) -> int:
        raise DatabaseUnavailable(UNAVAILABLE_MESSAGE)

    @strawberry.field
    def connection_lost(self) -> int:
        raise ConnectionResetError("[Errno 104] Connection reset by peer 10.0.0.7:5432")

    @strawberry.field
    def broken(self) -> int:
        raise ValueError("the secret detail of a bug")


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def denied(self) -> AsyncGenerator[int, None]:
        raise AccessDenied("this operation needs one of the roles ADMIN")
        yield 0  # an async generator that never yields


SCHEMA = strawberry.Schema(query=Query, extensions=[_mask_errors])


def answered(field: str) -> dict[str, Any]:
    result = SCHEMA.execute_sync(f"{{ {field} }}")
    assert result.errors is not None
    (error,) = result.errors
    formatted: dict[str, Any] = error.formatted
    assert formatted["path"] == [field]
    return formatted


@pytest.mark.parametrize(
    ("field", "message", "extensions"),
    [
        ("missing", "no invoice with that id", {"code": "NOT_FOUND"}),
        ("denied", "this API key is limited to its own company", {"code": "FORBIDDEN"}),
        (
            "clash",
            "that period is invoiced already",
            {"code": "CONFLICT", "field": "periodStart"},
        ),
        (
            "badPage",
            "first must be between 1 and 1000",
            {"code": "BAD_USER_INPUT", "field": "first"},
        ),
        (
            "refusedPage",
            "first must be between 1 and 1000",
            {"code": "BAD_USER_INPUT", "field": "first"},
        ),
        ("unreachable", UNAVAILABLE_MESSAGE, {"code": "DATABASE_UNAVAILABLE"}),
        ("connectionLost", UNAVAILABLE_MESSAGE, {"code": "DATABASE_UNAVAILABLE"}),
    ],
)
def test_an_error_raised_on_purpose_is_answered_with_its_code(
    field: str, message: str, extensions: dict[str, Any]
) -> None:
    error = answered(field)
    assert error["message"] == message
    assert error["extensions"] == extensions


async def test_a_refusal_raised_by_a_subscription_is_answered_with_its_code() -> None:
    schema = MetergraphSchema(query=Query, subscription=Subscription, extensions=[_mask_errors])
    feed = await schema.subscribe("subscription { denied }")
    assert not isinstance(feed, strawberry.types.ExecutionResult)
    results = [r async for r in feed]
    assert [[e.formatted for e in r.errors or []] for r in results] == [
        [
            {
                "message": "this operation needs one of the roles ADMIN",
                "extensions": {"code": "FORBIDDEN"},
            }
        ]
    ]


def test_anything_else_is_masked_without_its_text_or_a_code() -> None:
    error = answered("broken")
    assert error["message"] == MASKED_MESSAGE
    assert "extensions" not in error


@pytest.mark.parametrize(
    "exc", [SessionExpired(), BadCursor("not a cursor"), ConfigError("METERGRAPH_PORT: bad")]
)
def test_the_access_errors_belong_to_the_one_hierarchy(exc: Exception) -> None:
    assert isinstance(exc, MetergraphError)
