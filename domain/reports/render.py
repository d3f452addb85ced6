"""CSV and JSON bodies of a report.

CSV: the report's table, one header row, columns in the table's fixed
order, RFC 4180 quoting (fields with commas, quotes or line breaks quoted,
quotes doubled, CRLF line ends), and text that a spreadsheet would read as
a formula (``=``, ``+``, ``-``, ``@``, TAB, CR first) prefixed with ``'``.
JSON: the report's ``data``, with every number written as a string so no
amount passes through a binary float, and times in ISO 8601 with their
offset. Numbers follow ``domain.numbers`` in both: quantities plain without
trailing zeros, money in its currency's minor units (the currency is in its
own column or field), never an exponent.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from domain.numbers import Money, quantity_text
from domain.reports.document import Cell, ReportDocument, ReportFormat


def text_of(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, Decimal):
        return quantity_text(cell)
    if isinstance(cell, Money):
        return cell.text()
    return str(cell)


# A spreadsheet reads a cell starting with one of these as a formula (TAB and
# CR start one in some of them too): OWASP's CSV injection guidance.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def csv_text(cell: Cell) -> str:
    """A cell as CSV text; text that a spreadsheet would run as a formula gets a leading '.

    Numbers stay numbers (``-5.00`` is not a formula); names, keys and labels
    (which tenants choose) are neutralised.
    """
    value = text_of(cell)
    if isinstance(cell, str) and value.startswith(_FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


def render_csv(document: ReportDocument) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([csv_text(c) for c in document.table.columns])
    for row in document.table.rows:
        writer.writerow([csv_text(c) for c in row])
    return out.getvalue().encode("utf-8")


def plain(value: Any) -> Any:
    """``value`` with Decimals, times, UUIDs and enums as JSON-ready text."""
    if isinstance(value, Decimal):
        return quantity_text(value)
    if isinstance(value, Money):
        return value.text()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def render_json(document: ReportDocument) -> bytes:
    return json.dumps(plain(document.data), indent=2, ensure_ascii=False).encode("utf-8")


def render(document: ReportDocument, fmt: ReportFormat) -> bytes:
    if fmt is ReportFormat.CSV:
        return render_csv(document)
    if fmt is ReportFormat.JSON:
        return render_json(document)
    from domain.reports.pdf import render_pdf  # matplotlib loads only when a PDF is asked for

    return render_pdf(document)
