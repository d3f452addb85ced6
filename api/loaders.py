"""Per-request DataLoaders: what a page of parents refers to, in one read.

A field resolved per parent (a company's credit, a schedule's runs, an
invoice's company) asks the request's loader for its parent; the loader
gathers the parents asked for in the same tick and reads them all with one
service call (one access check, one SQL statement), so a page of 50 costs what
a page of 5 does. Loaders live in ``Context.loaders``: made on first use, gone
with the request, so nothing read for one key is ever served to another.

A query's root fields share them. A mutation's root fields run one after
another, each on what the ones before it wrote: each has its own, so none
answers from what was read before a change.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Any, TypeVar

import strawberry
from graphql import OperationType
from strawberry.dataloader import DataLoader

from api.context import Context

P = TypeVar("P")
V = TypeVar("V")

Info = strawberry.Info[Context, None]


def _itself(parent: Any) -> Hashable:
    return parent  # type: ignore[no-any-return]


def _loaders(info: Info) -> dict[str, Any]:
    """The loaders ``info``'s field may share: the request's, or under a
    mutation its root field's."""
    loaders = info.context.loaders
    if info.operation.operation is not OperationType.MUTATION:
        return loaders
    path = info.path
    while path.prev is not None:
        path = path.prev
    per_field: dict[str, Any] = loaders.setdefault(f"mutation {path.key}", {})
    return per_field


def children(
    info: Info,
    name: str,
    read: Callable[[list[P]], Awaitable[Mapping[Any, list[V]]]],
    key: Callable[[P], Hashable] = _itself,
) -> DataLoader[P, list[V]]:
    """The loader ``name``: each parent's children, ``read`` for a whole batch
    of parents at once and answered by ``key(parent)`` (no entry: no
    children). ``name`` holds whatever the reading depends on besides the
    parent (an argument such as ``last``), so one loader serves one reading."""
    loaders = _loaders(info)
    found: DataLoader[P, list[V]] | None = loaders.get(name)
    if found is None:

        async def load(parents: list[P]) -> list[list[V]]:
            got = await read(parents)
            return [got.get(key(p), []) for p in parents]

        found = loaders[name] = DataLoader(load_fn=load, cache_key_fn=key)
    return found


def one(
    info: Info,
    name: str,
    read: Callable[[list[P]], Awaitable[Mapping[Any, V]]],
    key: Callable[[P], Hashable] = _itself,
) -> DataLoader[P, V | None]:
    """The loader ``name`` of the object each key refers to (a company, a
    contract): ``read`` for a whole batch at once, answered by ``key(k)``; no
    entry (gone, or not the caller's to see) is None."""
    loaders = _loaders(info)
    found: DataLoader[P, V | None] | None = loaders.get(name)
    if found is None:

        async def load(keys: list[P]) -> list[V | None]:
            got = await read(keys)
            return [got.get(key(k)) for k in keys]

        found = loaders[name] = DataLoader(load_fn=load, cache_key_fn=key)
    return found
