"""The checked-in GraphQL SDL and the layering of the code base."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOMAIN = REPO / "domain"
FORBIDDEN = {"api", "storage", "jobs", "metergraph"}


def test_the_checked_in_schema_matches_the_code() -> None:
    from api.schema import schema

    checked_in = (REPO / "schema.graphql").read_text()
    assert checked_in == schema.as_str() + "\n", (
        "schema.graphql is out of date with api/schema.py; regenerate it with"
        " `metergraph export-schema` (from the repository root) and commit the result"
    )


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``path``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # Relative: climb ``level - 1`` packages up from this module's package
                # (climbing out of ``domain`` lands on the top-level packages).
                base = package.split(".")
                base = base[: max(len(base) - (node.level - 1), 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # ``from . import storage``-style imports name modules too.
            found.extend((node.lineno, f"{target}.{alias.name}") for alias in node.names)
    return found


def test_the_domain_imports_nothing_from_api_storage_jobs_or_the_service() -> None:
    files = sorted(DOMAIN.rglob("*.py"))
    assert files, "no domain modules found"
    offences = [
        f"{path.relative_to(REPO)}:{line}: imports {name}"
        for path in files
        for line, name in _imported_modules(path)
        if name.split(".")[0] in FORBIDDEN
    ]
    assert offences == [], "domain/ must stay free of I/O layers:\n" + "\n".join(offences)
