"""The Relay ``Node`` interface: every object with an identity of its own."""

from __future__ import annotations

from typing import Any

import strawberry

ID_DESCRIPTION = (
    "The global id: unique across every type, what node(id:) and nodes(ids:) take back;"
    " for a type stored under a UUID it is that UUID. Treat it as an opaque string."
)


@strawberry.interface(
    description="An object with a global id, refetched with node(id:) or nodes(ids:)."
)
class Node:
    id: Any = strawberry.field(graphql_type=strawberry.ID, description=ID_DESCRIPTION)
