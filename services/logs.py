"""How the service's log lines look, what they say of the request, and what they never say.

``METERGRAPH_LOG_FORMAT=json`` writes one JSON object per line (time in UTC,
level, logger, message, the request id, key id and company id when known,
exc_info); ``text`` (the default) one readable line. Either way API key
secrets, e-mail addresses and user ids are masked before a line is written.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from services.keys import KEY_PREFIX

__all__ = [
    "JsonFormatter",
    "RedactFilter",
    "TextFormatter",
    "begin_request",
    "bind_principal",
    "logging_config",
    "redact",
]

MASK = "***"
_KEY = re.compile(re.escape(KEY_PREFIX) + r"[A-Za-z0-9_\-]+")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+(?:@|%40)[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_USER_ID = re.compile(
    r"""(["']?\b(?:userId|user_id)["']?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s,;}&)\]]+)"""
)

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_key_id: ContextVar[UUID | None] = ContextVar("key_id", default=None)
_company_id: ContextVar[UUID | None] = ContextVar("company_id", default=None)


def redact(text: str) -> str:
    """``text`` with API key secrets, e-mail addresses and user ids masked."""
    text = _KEY.sub(KEY_PREFIX + MASK, text)
    text = _EMAIL.sub(MASK, text)
    return _USER_ID.sub(lambda m: m.group(1) + MASK, text)


def begin_request() -> str:
    """Start a request's log context (no principal yet); its new request id."""
    request_id = uuid.uuid4().hex
    _request_id.set(request_id)
    _key_id.set(None)
    _company_id.set(None)
    return request_id


def bind_principal(key_id: UUID, company_id: UUID | None) -> None:
    """The key (and its company) the current request acts as, for its log lines."""
    _key_id.set(key_id)
    _company_id.set(company_id)


class RedactFilter(logging.Filter):
    """Masks secrets in a record's message and arguments; adds the request context."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: say what there is
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = redact(message), None
        record.request_id = _request_id.get()
        record.key_id = _key_id.get()
        record.company_id = _company_id.get()
        return True


class TextFormatter(logging.Formatter):
    """One readable line per record, masked."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per record, masked."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for name in ("request_id", "key_id", "company_id"):
            value = getattr(record, name, None)
            if value is not None:
                line[name] = str(value)
        if record.exc_info:
            line["exc_info"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exc_info"] = redact(record.exc_text)
        return json.dumps(line, ensure_ascii=False)


def logging_config(log_format: str, level: int) -> dict[str, Any]:
    """``logging.config.dictConfig``'s (and uvicorn's ``log_config``) for the service."""
    formatter = JsonFormatter if log_format == "json" else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": RedactFilter}},
        "formatters": {"metergraph": {"()": formatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "metergraph",
                "filters": ["redact"],
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        # uvicorn's own lines go through the same handler
        "loggers": {
            name: {"handlers": [], "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
