import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain.numbers import Money
from domain.reports.document import ReportDocument, ReportKind, Table
from domain.reports.render import render_csv, render_json
from services.report_delivery import cron_trigger, fire_times

D = Decimal


def document(rows: list[tuple[object, ...]]) -> ReportDocument:
    table = Table("t", ("name", "value", "note"), rows)  # type: ignore[arg-type]
    data = {"total": Money(D("0.1"), "USD"), "units": D("1.500"), "yen": Money(D("1E+3"), "JPY")}
    return ReportDocument(ReportKind.USAGE, "t", "", table, {**data, "rows": rows})


def test_csv_is_rfc_4180() -> None:
    body = render_csv(
        document([("a, b", Money(D("1.5"), "EUR"), 'say "hi"'), ("line\nbreak", D("1E+3"), None)])
    ).decode()
    assert body.startswith("name,value,note\r\n")
    assert '"a, b",1.50,"say ""hi"""\r\n' in body
    parsed = list(csv.reader(io.StringIO(body, newline="")))
    assert parsed[2] == ["line\nbreak", "1000", ""]


def test_json_keeps_decimals_exact_quantities_plain_and_money_in_minor_units() -> None:
    body = json.loads(render_json(document([])))
    assert (body["total"], body["units"], body["yen"]) == ("0.10", "1.5", "1000")


def test_six_field_cron_has_seconds_first() -> None:
    start = datetime(2026, 3, 2, tzinfo=UTC)
    (moment,) = fire_times(cron_trigger("15 0 9 * * *", "UTC"), start, start + timedelta(days=1))
    assert moment == datetime(2026, 3, 2, 9, 0, 15, tzinfo=UTC)


def test_csv_text_a_spreadsheet_would_run_gets_a_leading_apostrophe() -> None:
    formula = '=HYPERLINK("http://x","y")'
    body = render_csv(
        document(
            [
                (formula, Money(D("-5"), "USD"), "+1 more"),
                ("@SUM(A1)", D("2"), "-cmd"),
                ("\tTAB", -3, "\rCR"),
                ("-5.00", D("0"), "plain"),
            ]
        )
    ).decode()
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert rows[1] == ["'" + formula, "-5.00", "'+1 more"]
    assert rows[2] == ["'@SUM(A1)", "2", "'-cmd"]
    assert rows[3] == ["'\tTAB", "-3", "'\rCR"]
    assert rows[4] == ["-5.00", "0", "plain"]  # numbers, even written as text, stay numbers
