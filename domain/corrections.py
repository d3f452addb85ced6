"""Voiding and correcting stored usage: what may be, and what is written down.

A void removes a record from every total; a correction is a void plus a
corrected copy. Both need a reason, and neither may reach back past raw
retention: before that instant the record's rollups are final (its raw
neighbours may be gone), so removing it could no longer be reflected exactly.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from uuid import UUID

from domain import limits as lim
from domain.field_errors import ErrorCode, FieldError

# Why a record was voided or corrected: a sentence or a ticket, not a file.
MAX_REASON = 2_000


class CorrectionAction(Enum):
    """What usage_corrections records (its CHECK holds the same two)."""

    VOID = "VOID"
    CORRECT = "CORRECT"

    @classmethod
    def of(cls, *, replaced: bool) -> CorrectionAction:
        return cls.CORRECT if replaced else cls.VOID


def reason_errors(reason: str) -> list[FieldError]:
    """A reason must say something, and not too much."""
    if not reason.strip():
        return [
            FieldError("reason", ErrorCode.REQUIRED, "say why the record is voided or corrected")
        ]
    return lim.text_errors("reason", reason, MAX_REASON)


def missing_correction() -> FieldError:
    return FieldError("value", ErrorCode.REQUIRED, "give a corrected value or timestamp")


def not_found(record_id: UUID) -> FieldError:
    return FieldError("id", ErrorCode.NOT_FOUND, f"no usage record {record_id}")


def retention_error(at: datetime, horizon: datetime | None) -> FieldError | None:
    """Refuses a record at ``at`` when raw records before ``horizon`` may be gone."""
    if horizon is None or at >= horizon:
        return None
    return FieldError(
        "id",
        ErrorCode.TIMESTAMP_TOO_OLD,
        f"usage before {horizon.isoformat()} is past raw retention; its rollups are"
        " final and it can no longer be voided or corrected",
    )
