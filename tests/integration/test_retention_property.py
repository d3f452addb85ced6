"""Retention at any point between writes and invoice runs: every aggregate and
every invoice agrees with all the usage ever written, or is refused as no
longer answerable; never a wrong number."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.aggregation import Granularity, WindowNotAnswerable
from domain.invoicing import LineKind, active_window, period_of
from services import invoicing, retention
from storage import billing
from storage.aggregate import aggregate, totals
from tests.integration.test_aggregation import draft, store
from tests.integration.test_invoices import contract_for
from tests.integration.test_invoices_after_retention import ONE_EURO
from tests.integration.test_retention import NOW, months_back
from tests.integration.test_retention_coverage import total

# every record at least an hour old
LATEST = NOW.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
HOURS_BACK = 200 * 24
TODAY = NOW.replace(hour=0, minute=0, second=0, microsecond=0)

records = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=HOURS_BACK),  # hours before LATEST
        st.integers(min_value=0, max_value=59),  # minute
        st.integers(min_value=1, max_value=50),  # value
    ),
    min_size=1,
    max_size=6,
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("write"), records),
        # retention as if run this many days from now (the rollups' and raw
        # records' cutoffs move with it; an open draft stays answerable)
        st.tuples(st.just("retain"), st.integers(min_value=0, max_value=20)),
        st.tuples(st.just("invoice")),
    ),
    min_size=1,
    max_size=8,
)
windows = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=200),  # start, days before today
        st.sampled_from([timedelta(0), timedelta(0), timedelta(hours=5, minutes=30)]),
        st.integers(min_value=1, max_value=120),  # length in days
        st.sampled_from([Granularity.TOTAL, Granularity.DAY, Granularity.MONTH]),
    ),
    min_size=1,
    max_size=3,
)


def held(ledger: list[tuple[datetime, Decimal]], start: datetime, end: datetime) -> Decimal:
    return sum((v for ts, v in ledger if start <= ts < end), Decimal(0))


async def check_aggregates(
    runtime: Any, company: Any, ledger: list[tuple[datetime, Decimal]], queries: Any
) -> None:
    for days, offset, length, granularity in queries:
        start = TODAY - timedelta(days=days) + offset
        end = min(start + timedelta(days=length), NOW)
        if start >= end:
            continue
        try:
            async with runtime.pool.acquire() as conn:
                rows = await aggregate(conn, total(company, start, end, granularity))
        except WindowNotAnswerable:
            continue
        for row in rows:
            assert row.partial.total == held(ledger, row.period_start, row.period_end)
        # values are positive: a bucket left out held nothing
        assert sum((r.partial.total for r in rows), Decimal(0)) == held(ledger, start, end)


async def check_invoices(
    runtime: Any, terms: Any, ledger: list[tuple[datetime, Decimal]], run: Any
) -> None:
    assert run.failed == []
    async with runtime.pool.acquire() as conn:
        found = await billing.list_invoices(conn, terms.company_id, None, None, None, 100)
        settled: dict[datetime, Decimal] = {}
        for invoice in found:
            for line in invoice.draft.lines:
                if line.kind is LineKind.ADJUSTMENT and line.adjusts_period_start:
                    key = line.adjusts_period_start
                    settled[key] = settled.get(key, Decimal(0)) + line.amount
        for invoice in found:
            start, end = invoice.draft.period_start, invoice.draft.period_end
            begin, finish = active_window(terms, start, end)
            used = held(ledger, begin, finish)
            if invoice.status == "DRAFT":
                (usage,) = [x for x in invoice.draft.lines if x.kind is LineKind.USAGE]
                assert usage.quantity == used
                continue
            try:
                now_held = await totals(conn, terms.company_id, ["API_REQUESTS"], begin, finish)
            except WindowNotAnswerable:
                continue  # billed as it stood; no data left to re-rate it
            assert now_held.get("API_REQUESTS", Decimal(0)) == used
            # what the period was billed, plus every adjustment for it, is its usage
            assert invoice.draft.charged + settled.get(start, Decimal(0)) == used


@settings(
    max_examples=12,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(billing_day=st.sampled_from([1, 15]), ops=operations, queries=windows)
async def test_retention_between_writes_and_invoice_runs_never_gives_a_wrong_number(
    runtime: Any, billing_day: int, ops: Any, queries: Any
) -> None:
    company, terms = await contract_for(
        runtime, ONE_EURO, start_date=months_back(7).date(), billing_day=billing_day
    )
    # invoice runs happen just after the current period began: its
    # predecessor is the open draft, every earlier period is finalized
    invoice_time = period_of(NOW, billing_day)[0] + timedelta(hours=1)
    ledger: list[tuple[datetime, Decimal]] = []
    for op in ops:
        if op[0] == "write":
            written = [(LATEST - timedelta(hours=h, minutes=-m), Decimal(v)) for h, m, v in op[1]]
            await store(runtime, [draft(company, ts, v) for ts, v in written])
            ledger += written
        elif op[0] == "retain":
            async with runtime.pool.acquire() as conn:
                await retention.clean_up(conn, now=NOW + timedelta(days=op[1]))
        else:
            run = await invoicing.generate_invoices(runtime, now=invoice_time, company_id=company)
            await check_invoices(runtime, terms, ledger, run)
        await check_aggregates(runtime, company, ledger, queries)
