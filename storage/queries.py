"""Named SQL queries, loaded once from ``storage/sql/*.sql``.

A file holds blocks that start with ``-- name: <query_name>``; the block's
text up to the next marker is the query. Values are always bind parameters.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

_SQL_DIR = Path(__file__).parent / "sql"
_MARKER = re.compile(r"^--\s*name:\s*(?P<name>[a-z_][a-z0-9_]*)\s*$", re.MULTILINE)


@cache
def _load() -> dict[str, str]:
    queries: dict[str, str] = {}
    for path in sorted(_SQL_DIR.glob("*.sql")):
        text = path.read_text()
        marks = list(_MARKER.finditer(text))
        for mark, following in zip(marks, [*marks[1:], None], strict=True):
            end = following.start() if following else len(text)
            name = mark.group("name")
            if name in queries:
                raise RuntimeError(f"query {name!r} defined twice ({path.name})")
            queries[name] = text[mark.end() : end].strip()
    return queries


def q(name: str) -> str:
    """The text of the named query."""
    return _load()[name]
