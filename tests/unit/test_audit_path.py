"""The audit log has one way in: storage.audit.insert_entries and its one statement."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("api", "jobs", "metergraph", "services", "storage")


def test_one_named_statement_writes_the_audit_log() -> None:
    writers = [
        match.group(1)
        for path in sorted((REPO / "storage" / "sql").glob("*.sql"))
        for match in re.finditer(
            r"-- name: (\w+)\n(?:--[^\n]*\n)*INSERT INTO audit_log\b", path.read_text()
        )
    ]
    assert writers == ["insert_audit_rows"]


def test_only_the_audit_repository_runs_it() -> None:
    users = sorted(
        path.relative_to(REPO).as_posix()
        for top in PACKAGES
        for path in (REPO / top).rglob("*.py")
        if 'q("insert_audit_rows")' in path.read_text()
    )
    assert users == ["storage/audit.py"]
