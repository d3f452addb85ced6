"""The typed context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass

from domain.access import Principal
from metergraph.runtime import Runtime


@dataclass
class Context:
    runtime: Runtime
    principal: Principal
