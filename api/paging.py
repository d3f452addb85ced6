"""Cursor connections: the page size and the `after` cursor, checked the same way everywhere."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from graphql import GraphQLError

from api import types as t
from api.context import Context
from api.errors import BadUserInput, coded

T = TypeVar("T")
X = TypeVar("X")
K = TypeVar("K", bound=Any)

# Cursors this API hands out are short; a longer one is not one of them.
MAX_CURSOR = 1_024


def bad_input(message: str, field: str) -> GraphQLError:
    """A refused argument, to raise (``BAD_USER_INPUT``, naming the argument)."""
    return coded(BadUserInput(message, field=field))


def page_size(ctx: Context, first: int, field: str = "first") -> int:
    limit = ctx.runtime.settings.max_page_size
    if first < 1 or first > limit:
        raise bad_input(f"{field} must be between 1 and {limit}", field)
    return first


def position(
    after: str | None, parts: int, parse: Callable[[list[str]], T], field: str = "after"
) -> T | None:
    """Where a page starts: ``parse`` of the cursor's parts, or None for the first page."""
    if after is None:
        return None
    if len(after) > MAX_CURSOR:
        raise bad_input("the cursor is not one this API returned", field)
    try:
        found = parse(t.decode_cursor(after, parts))
        for value in found if isinstance(found, tuple) else (found,):
            if isinstance(value, datetime):
                # naive, or beyond what PostgreSQL's timestamptz holds once in UTC
                if value.tzinfo is None or not 1 < value.astimezone(UTC).year < 9999:
                    raise ValueError("out of range")
    except (t.BadCursor, ValueError, OverflowError):
        raise bad_input("the cursor is not one this API returned", field) from None
    return found


# A connection's page size when neither `first` nor `last` is given (at most the limit).
DEFAULT_PAGE = 100


@dataclass(frozen=True)
class Slice:
    """How a connection is asked to page: forward (first/after) or backward (last/before)."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None


def default_size(ctx: Context) -> int:
    """The page a connection gives when neither `first` nor `last` is sent."""
    return min(DEFAULT_PAGE, ctx.runtime.settings.max_page_size)


def backward(asked: Slice) -> bool:
    """Whether a keyset connection is asked to read backward (`last`, or `before` alone)."""
    return asked.last is not None or (asked.before is not None and asked.first is None)


def direction(ctx: Context, asked: Slice) -> tuple[int, str | None, bool]:
    """A keyset connection's page: its size, its cursor and whether it reads backward
    (`last`/`before`) rather than forward (`first`/`after`); the two are not mixed."""
    if asked.first is not None and asked.last is not None:
        raise bad_input("give first or last, not both", "last")
    if backward(asked):
        if asked.after is not None:
            raise bad_input("after pages forward: give it with first, not last", "after")
        size = asked.last if asked.last is not None else default_size(ctx)
        return page_size(ctx, size, "last"), asked.before, True
    if asked.before is not None:
        raise bad_input("before pages backward: give it with last, not first", "before")
    size = default_size(ctx) if asked.first is None else asked.first
    return page_size(ctx, size), asked.after, False


@dataclass(frozen=True)
class Window(Generic[X]):
    """A page of a list read whole: its items with their cursors, where it sits, the total."""

    edges: list[tuple[str, X]]
    page_info: t.PageInfo
    total_count: int


def window(
    ctx: Context,
    items: Sequence[X],
    key: Callable[[X], K],
    cursor: Callable[[K], tuple[str, ...]],
    parts: int,
    parse: Callable[[list[str]], K],
    asked: Slice,
) -> Window[X]:
    """The page ``asked`` for of ``items`` ordered by ``key`` (cursors: the ``parts``
    strings ``cursor`` makes of a key, read back by ``parse``): the items after `after`
    and before `before`, then the `first` of them, or the `last`. Nothing is guessed:
    the whole list is here, so both ends of the page and the total are exact."""
    if asked.first is not None and asked.last is not None:
        raise bad_input("give first or last, not both", "last")
    ordered = sorted(items, key=key)  # type: ignore[arg-type, type-var]
    keys = [key(x) for x in ordered]
    after = position(asked.after, parts, parse)
    before = position(asked.before, parts, parse, "before")
    low = bisect.bisect_right(keys, after) if after is not None else 0  # type: ignore[type-var]
    high = bisect.bisect_left(keys, before) if before is not None else len(keys)  # type: ignore[type-var]
    high = max(low, high)
    if asked.last is not None:
        start, end = max(low, high - page_size(ctx, asked.last, "last")), high
    else:
        start = low
        size = default_size(ctx) if asked.first is None else asked.first
        end = min(high, low + page_size(ctx, size))
    edges = [(t.encode_cursor(*cursor(keys[i])), ordered[i]) for i in range(start, end)]
    info = t.PageInfo(
        has_next_page=end < len(keys),
        end_cursor=edges[-1][0] if edges else None,
        has_previous_page=start > 0,
        start_cursor=edges[0][0] if edges else None,
    )
    return Window(edges, info, len(keys))
