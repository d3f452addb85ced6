"""Cursor connections: the page size and the `after` cursor, checked the same way everywhere."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from graphql import GraphQLError

from api import types as t
from api.context import Context
from api.errors import BadUserInput, coded

T = TypeVar("T")

# Cursors this API hands out are short; a longer one is not one of them.
MAX_CURSOR = 1_024


def bad_input(message: str, field: str) -> GraphQLError:
    """A refused argument, to raise (``BAD_USER_INPUT``, naming the argument)."""
    return coded(BadUserInput(message, field=field))


def page_size(ctx: Context, first: int) -> int:
    limit = ctx.runtime.settings.max_page_size
    if first < 1 or first > limit:
        raise bad_input(f"first must be between 1 and {limit}", "first")
    return first


def position(after: str | None, parts: int, parse: Callable[[list[str]], T]) -> T | None:
    """Where a page starts: ``parse`` of the cursor's parts, or None for the first page."""
    if after is None:
        return None
    if len(after) > MAX_CURSOR:
        raise bad_input("the cursor is not one this API returned", "after")
    try:
        found = parse(t.decode_cursor(after, parts))
        for value in found if isinstance(found, tuple) else (found,):
            if isinstance(value, datetime):
                # naive, or beyond what PostgreSQL's timestamptz holds once in UTC
                if value.tzinfo is None or not 1 < value.astimezone(UTC).year < 9999:
                    raise ValueError("out of range")
    except (t.BadCursor, ValueError, OverflowError):
        raise bad_input("the cursor is not one this API returned", "after") from None
    return found
