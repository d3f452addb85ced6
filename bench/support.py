"""What the benchmarks share: a PostgreSQL to measure against."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from storage.embedded import EmbeddedPostgres


@contextmanager
def postgres() -> Iterator[str]:
    """DATABASE_URL when set; else an embedded server in a temporary directory."""
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    with tempfile.TemporaryDirectory(prefix="metergraph-bench-") as tmp:
        server = EmbeddedPostgres(Path(tmp))
        server.start()
        try:
            yield server.dsn("metergraph_bench")
        finally:
            server.stop()
