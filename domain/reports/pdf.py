"""PDF reports: key figures, charts and tables on A4 pages.

Charts are drawn with matplotlib's object API (a ``Figure`` per chart, no
pyplot state, so several reports may render at once in worker threads) and
embedded as PNG images; reportlab lays out the page: title, the facts, the
charts, then each table, whose header row repeats on every page it spans.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Image,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from domain.numbers import Money, quantity_label
from domain.reports.document import Cell, Chart, ChartKind, ReportDocument
from domain.reports.document import Table as ReportTable

MARGIN = 15 * mm
FRAME_WIDTH = A4[0] - 2 * MARGIN
PALETTE = ("#1f6fd1", "#e8590c", "#2f9e44", "#c2255c", "#7048e8", "#f59f00")
MAX_TICKS = 12
HEADER_BG = colors.HexColor("#1f3b63")
STRIPE_BG = colors.HexColor("#f1f4f9")


ISO_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}):\d{2}(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, Money):
        return cell.label()  # 2,035.00 USD: an amount never stands without its currency
    if isinstance(cell, Decimal):
        return quantity_label(cell)
    if isinstance(cell, int):
        return f"{cell:,}"
    moment = ISO_TIME.match(cell)
    if moment:  # a time in a table: as short as it can be without losing anything
        day, clock, offset = moment.groups()
        utc = offset in ("Z", "+00:00")
        if clock == "00:00" and utc:
            return day
        return f"{day} {clock}" + ("" if utc else f" {offset}")
    return cell


def chart_png(chart: Chart) -> bytes:
    """The chart as a PNG image (150 dpi, 18 × 7.5 cm)."""
    figure = Figure(figsize=(7.1, 3.0), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(chart.categories)))
    if chart.kind is ChartKind.LINE:
        for index, series in enumerate(chart.series):
            axes.plot(
                positions,
                [float(v) for v in series.values],
                marker="o",
                markersize=3,
                linewidth=1.6,
                color=PALETTE[index % len(PALETTE)],
                label=series.name,
            )
        step = max(1, -(-len(positions) // MAX_TICKS))
        axes.set_xticks(positions[::step])
        axes.set_xticklabels(
            chart.categories[::step],
            rotation=30 if step > 1 or len(positions) > 6 else 0,
            ha="right" if len(positions) > 6 else "center",
            fontsize=7,
        )
    else:
        # Several series: side by side in each category.
        width = 0.7 / len(chart.series)
        for index, series in enumerate(chart.series):
            offset = (index - (len(chart.series) - 1) / 2) * width
            axes.bar(
                [p + offset for p in positions],
                [float(v) for v in series.values],
                width=width,
                color=PALETTE[index % len(PALETTE)],
                label=series.name,
            )
        long_labels = any(len(c) > 10 for c in chart.categories) or len(positions) > 8
        axes.set_xticks(positions)
        axes.set_xticklabels(
            chart.categories,
            rotation=30 if long_labels else 0,
            ha="right" if long_labels else "center",
            fontsize=7,
        )
    axes.set_title(chart.title, fontsize=9)
    if chart.y_label:
        axes.set_ylabel(chart.y_label, fontsize=8)
    axes.tick_params(axis="y", labelsize=7)
    axes.grid(axis="y", alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)
    if len(chart.series) > 1:
        axes.legend(fontsize=7, frameon=False)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _without_currency_column(table: ReportTable) -> ReportTable:
    """The table without its ``currency`` column when its amounts name their currency."""
    if "currency" not in table.columns or not any(
        isinstance(c, Money) for row in table.rows for c in row
    ):
        return table
    keep = [i for i, name in enumerate(table.columns) if name != "currency"]
    return ReportTable(
        table.title,
        tuple(table.columns[i] for i in keep),
        [tuple(row[i] for i in keep) for row in table.rows],
    )


def _table(table: ReportTable, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    table = _without_currency_column(table)
    cell_style = styles["cell"]
    numeric = [
        any(isinstance(row[i], Decimal | Money | int) for row in table.rows)
        for i in range(len(table.columns))
    ]
    header = [Paragraph(f"<b>{c}</b>", styles["head"]) for c in table.columns]
    body = [
        [
            _text(cell) if numeric[i] else Paragraph(_escape(_text(cell)), cell_style)
            for i, cell in enumerate(row)
        ]
        for row in table.rows
    ]
    width = FRAME_WIDTH / max(1, len(table.columns))
    grid = Table(
        [header, *body], colWidths=[width] * len(table.columns), repeatRows=1, hAlign="LEFT"
    )
    commands = [
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b8c2d1")),
        ("FONTSIZE", (0, 1), (-1, -1), 7),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for i, is_number in enumerate(numeric):
        if is_number:
            commands.append(("ALIGN", (i, 1), (i, -1), "RIGHT"))
    for r in range(2, len(body) + 1, 2):
        commands.append(("BACKGROUND", (0, r), (-1, r), STRIPE_BG))
    grid.setStyle(TableStyle(commands))
    return [Paragraph(_escape(table.title), styles["Heading3"]), grid, Spacer(1, 4 * mm)]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_pdf(document: ReportDocument) -> bytes:
    sheet = getSampleStyleSheet()
    styles = {
        "Heading3": sheet["Heading3"],
        "cell": ParagraphStyle("cell", parent=sheet["BodyText"], fontSize=7, leading=8.5),
        "head": ParagraphStyle(
            "head", parent=sheet["BodyText"], fontSize=7, leading=8.5, textColor=colors.white
        ),
    }
    story: list[Flowable] = [
        Paragraph(_escape(document.title), sheet["Title"]),
        Paragraph(_escape(document.subtitle), sheet["Italic"]),
        Spacer(1, 4 * mm),
    ]
    if document.facts:
        facts = Table(
            [
                [Paragraph(f"<b>{_escape(k)}</b>", styles["cell"]), _escape(v)]
                for k, v in document.facts
            ],
            colWidths=[FRAME_WIDTH * 0.3, FRAME_WIDTH * 0.7],
            hAlign="LEFT",
        )
        facts.setStyle(
            TableStyle(
                [
                    ("FONTSIZE", (0, 0), (-1, -1), 8),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d0d7e2")),
                ]
            )
        )
        story += [facts, Spacer(1, 4 * mm)]
    for chart in document.charts:
        if not chart.categories or not chart.series:
            continue
        image = Image(io.BytesIO(chart_png(chart)))
        image.drawWidth = FRAME_WIDTH
        image.drawHeight = FRAME_WIDTH * 3.0 / 7.1
        story += [image, Spacer(1, 3 * mm)]
    for table in [*document.sections, document.table]:
        story += _table(table, styles)
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=document.title,
        author="Metergraph",
    ).build(story)
    return out.getvalue()
