"""Import streams: lines cut from arbitrary chunks, and the line length limit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.bulk import LineTooLong, limit_lines
from services.imports import _csv_records, _line_batches

texts = st.text(alphabet=st.sampled_from("ab\n\u00e9\u20ac"), max_size=60)
cuts = st.lists(st.integers(min_value=0, max_value=200), max_size=8)


def chunked(data: bytes, at: list[int]) -> list[bytes]:
    points = sorted({min(p, len(data)) for p in at})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in zip(edges, edges[1:], strict=False)]


async def stream(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def lines_of(chunks: list[bytes]) -> list[str]:
    return [line async for batch in _line_batches(stream(chunks)) for line in batch]


async def passed(chunks: list[bytes], limit: int) -> bytes:
    return b"".join([chunk async for chunk in limit_lines(stream(chunks), limit)])


@given(texts, cuts)
def test_lines_come_out_whole_however_the_bytes_are_cut(text: str, at: list[int]) -> None:
    # Multi-byte characters are cut too: the decoder is incremental.
    assert asyncio.run(lines_of(chunked(text.encode(), at))) == text.splitlines()


csv_texts = st.text(alphabet=st.sampled_from('a,"\n\u00e9'), max_size=60)


async def records_of(chunks: list[bytes]) -> list[tuple[int, str]]:
    records = _csv_records(_line_batches(stream(chunks)), start_line=2)
    return [record async for batch in records for record in batch]


@given(csv_texts, cuts)
def test_a_csv_record_runs_on_while_its_quotes_are_open(text: str, at: list[int]) -> None:
    records = asyncio.run(records_of(chunked(text.encode(), at)))
    # every line, in order, in one record; each record numbered by its first line
    assert "\n".join(r for _, r in records) == "\n".join(text.splitlines())
    expected_first = 2
    for first, record in records:
        assert first == expected_first
        expected_first += record.count("\n") + 1
        lines = record.split("\n")
        # a record ends at the first of its lines that closes its quotes
        opened = [line.count('"') for line in lines]
        assert all(sum(opened[: n + 1]) % 2 for n in range(len(lines) - 1))
    assert all(record.count('"') % 2 == 0 for _, record in records[:-1])


def test_a_long_line_without_a_newline_is_one_line() -> None:
    chunks = [b"x" * 1000] * 500
    assert asyncio.run(lines_of(chunks)) == ["x" * 500_000]


@given(texts, cuts, st.integers(min_value=1, max_value=12))
def test_the_first_line_over_the_limit_is_named(text: str, at: list[int], limit: int) -> None:
    data = text.encode()
    over = [n for n, line in enumerate(data.split(b"\n"), 1) if len(line) > limit]
    chunks = chunked(data, at)
    if not over:
        assert asyncio.run(passed(chunks, limit)) == data
        return
    with pytest.raises(LineTooLong) as refused:
        asyncio.run(passed(chunks, limit))
    assert refused.value.line == over[0]
