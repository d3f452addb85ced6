from decimal import Decimal

import pypdfium2

from domain.reports.document import Chart, ChartKind, ReportDocument, ReportKind, Series, Table
from domain.reports.pdf import render_pdf

D = Decimal


def pages_text(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        out = []
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            out.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return out
    finally:
        document.close()


def test_a_long_table_spans_pages_with_its_header_repeated() -> None:
    rows: list[tuple[str | Decimal | int | None, ...]] = [
        (f"2024-01-{i % 28 + 1:02d}", D(i) / 4, None) for i in range(300)
    ]
    document = ReportDocument(
        ReportKind.USAGE,
        "Long & <odd> title",
        "a subtitle",
        Table("Rows", ("day", "value", "note"), rows),
        {},
        facts=[("total", "1,234")],
        charts=[
            Chart(
                "over time",
                ChartKind.LINE,
                [f"d{i}" for i in range(60)],
                [Series("a", [D(i) for i in range(60)]), Series("b", [D(1)] * 60)],
            ),
            Chart("empty", ChartKind.BAR, [], []),
            Chart(
                "two series",
                ChartKind.BAR,
                ["x", "y"],
                [Series("r", [D(1), D(2)]), Series("c", [D(2), D(1)])],
            ),
        ],
    )
    pdf = render_pdf(document)
    texts = pages_text(pdf)
    assert len(texts) >= 3
    assert "Long & <odd> title" in texts[0]
    assert all("day" in t and "value" in t for t in texts[1:])  # the header on every page
    assert "74.75" in "".join(texts)  # 299 / 4, right where it belongs


def test_an_empty_report_still_renders() -> None:
    document = ReportDocument(
        ReportKind.PROFITABILITY, "Nothing", "", Table("Rows", ("a",), []), {}
    )
    assert pages_text(render_pdf(document)) != []
