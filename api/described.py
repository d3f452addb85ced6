"""GraphQL enums and scalars with the text a client's tooltip shows.

The domain's enums stay plain Python (``domain/`` knows nothing of GraphQL);
this is where their values get descriptions: ``enum`` registers a domain
enum with strawberry as ``strawberry.enum`` does, then writes each value's
description into the registered definition. ``metergraph export-schema`` and
the server both read that one definition, so the SDL and introspection say
the same.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

import strawberry
from strawberry.schema.types.base_scalars import UUIDDefinition

E = TypeVar("E", bound=Enum)


def enum(
    cls: type[E], values: Mapping[E, str], *, description: str, name: str | None = None
) -> type[E]:
    """``cls`` as a GraphQL enum named ``name`` (default: the class's), each
    value described by ``values``; a value left out of ``values`` stays
    undescribed (the schema linter in the tests names it)."""
    registered = strawberry.enum(cls, name=name, description=description)
    definition = registered.__strawberry_definition__  # type: ignore[attr-defined]
    texts = {member.value: text for member, text in values.items()}
    definition.values = [
        dataclasses.replace(v, description=texts.get(v.value, v.description))
        for v in definition.values
    ]
    return registered


UUID = dataclasses.replace(
    UUIDDefinition,
    description="A UUID in its canonical text form (8-4-4-4-12 hex digits,"
    " 3f2b6c1e-9a4d-4c1b-8f0e-2d5a7b9c1e3f).",
)
