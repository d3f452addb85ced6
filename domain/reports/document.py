"""A report as data: what every output format (CSV, JSON, PDF) is made from.

A builder (usage, cost allocation, profitability) fills a ``ReportDocument``;
the renderers turn it into bytes. ``table`` is the report's one tabular body
(the CSV is exactly that table); ``data`` is the JSON body, in the shape
documented for the report's kind; ``facts``, ``charts`` and ``sections`` are
what the PDF shows besides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any

from domain.numbers import Money


class ReportKind(Enum):
    USAGE = "USAGE"
    COST_ALLOCATION = "COST_ALLOCATION"
    PROFITABILITY = "PROFITABILITY"


class ReportFormat(Enum):
    CSV = "CSV"
    JSON = "JSON"
    PDF = "PDF"

    @property
    def media_type(self) -> str:
        return {
            ReportFormat.CSV: "text/csv; charset=utf-8",
            ReportFormat.JSON: "application/json",
            ReportFormat.PDF: "application/pdf",
        }[self]

    @property
    def extension(self) -> str:
        return self.value.lower()


# A Decimal cell is a quantity; money is a Money (written in its currency's minor units).
Cell = str | Decimal | Money | int | None


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]]


class ChartKind(Enum):
    LINE = "LINE"  # a value over time: one line per series
    BAR = "BAR"  # a breakdown: one bar per category (side by side when several series)


@dataclass(frozen=True)
class Series:
    name: str
    values: list[Decimal]


@dataclass(frozen=True)
class Chart:
    title: str
    kind: ChartKind
    categories: list[str]  # x-axis labels (periods for LINE, names for BAR)
    series: list[Series]
    y_label: str = ""


@dataclass
class ReportDocument:
    kind: ReportKind
    title: str
    subtitle: str
    table: Table
    data: dict[str, Any]
    facts: list[tuple[str, str]] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    sections: list[Table] = field(default_factory=list)
