"""Log lines: masked secrets, JSON shape, request context."""

from __future__ import annotations

import json
import logging
import sys
from uuid import uuid4

import pytest

from services.config import ConfigError, Settings
from services.logs import JsonFormatter, RedactFilter, begin_request, bind_principal, redact


def _record(msg: str, *args: object, exc: bool = False) -> logging.LogRecord:
    info = None
    if exc:
        try:
            raise ValueError("mail bob@example.org")
        except ValueError:
            info = sys.exc_info()
    return logging.LogRecord("metergraph.test", logging.ERROR, __file__, 1, msg, args, info)


def test_key_secrets_addresses_and_user_ids_are_masked() -> None:
    said = redact(
        'token mgk_AbC-12_xyz to ann@example.com, bob%40example.org; user_id=42 {"userId": "u 7"}'
    )
    assert said == 'token mgk_*** to ***, ***; user_id=*** {"userId": ***}'


def test_a_json_line_carries_the_request_context_and_the_exception() -> None:
    request_id = begin_request()
    key_id, company_id = uuid4(), uuid4()
    bind_principal(key_id, company_id)
    record = _record("key %s for userId=%s", "mgk_secret", "u-1", exc=True)
    assert RedactFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "key mgk_*** for userId=***"
    assert (line["request_id"], line["key_id"], line["company_id"]) == (
        request_id,
        str(key_id),
        str(company_id),
    )
    assert line["level"] == "ERROR" and line["logger"] == "metergraph.test"
    assert line["time"].endswith("+00:00")
    assert "ValueError: mail ***" in line["exc_info"]


def test_a_line_outside_a_request_names_no_request() -> None:
    line = json.loads(JsonFormatter().format(_record("idle")))
    assert "request_id" not in line and "exc_info" not in line


def test_the_log_format_is_text_json_or_a_config_error_naming_the_variable() -> None:
    assert Settings.from_env({}).log_format == "text"
    assert Settings.from_env({"METERGRAPH_LOG_FORMAT": "json"}).log_format == "json"
    with pytest.raises(ConfigError, match="METERGRAPH_LOG_FORMAT"):
        Settings.from_env({"METERGRAPH_LOG_FORMAT": "xml"})
