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


def test_every_amount_in_a_pdf_names_its_currency_and_quantities_are_plain() -> None:
    from domain.numbers import Money

    rows: list[tuple[str | Decimal | Money | int | None, ...]] = [
        ("customer_a", Money(D("2035"), "USD"), D("1000.000000")),
        ("customer_b", Money(D("1E+3"), "EUR"), D("8E+4")),
        ("customer_c", Money(D("1200"), "JPY"), D("0.500")),
    ]
    document = ReportDocument(
        ReportKind.PROFITABILITY,
        "Amounts",
        "",
        Table("Revenue", ("company", "revenue", "units"), rows),
        {},
    )
    text = "".join(pages_text(render_pdf(document)))
    for shown in ("2,035.00 USD", "1,000.00 EUR", "1,200 JPY", "1,000", "80,000", "0.5"):
        assert shown in text, (shown, text)
    assert "1,000.000000" not in text and "E+" not in text
