"""How the API answers the product's errors: one place.

    Rejected (and Invalid)  → the result union's ``ValidationError`` member
    any other MetergraphError → a top-level GraphQL error whose
                                ``extensions.code`` is the error's code

``answer`` is the resolvers' side of the first rule; the schema's error
masking (``api.schema``) is the second.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import domain.usage as d
from api.types import ValidationError
from domain.errors import Invalid, Rejected

T = TypeVar("T")
R = TypeVar("R")


def validation_error(exc: Invalid) -> ValidationError:
    """The union member for a refused input."""
    if isinstance(exc, Rejected):
        return ValidationError.of(list(exc.errors))
    return ValidationError.single(exc.field or "input", d.ErrorCode(exc.code), exc.message)


async def answer(call: Awaitable[T], to: Callable[[T], R]) -> R | ValidationError:
    """Await a service call; map its value with ``to``, or its refusal to ``ValidationError``."""
    try:
        value = await call
    except Invalid as exc:
        return validation_error(exc)
    return to(value)
