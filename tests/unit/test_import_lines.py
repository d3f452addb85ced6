"""Import streams: lines cut from arbitrary chunks, and the line length limit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.bulk import LineTooLong, limit_lines
from services.imports import _line_batches

texts = st.text(alphabet=st.sampled_from("ab\n\u00e9\u20ac"), max_size=60)
cuts = st.lists(st.integers(min_value=0, max_value=200), max_size=8)


def chunked(data: bytes, at: list[int]) -> list[bytes]:
    points = sorted({min(p, len(data)) for p in at})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in zip(edges, edges[1:], strict=False)]


async def stream(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def lines_of(chunks: list[bytes], newlines: bool = True) -> list[str]:
    batches = _line_batches(stream(chunks), newlines=newlines)
    return [line async for batch in batches for line in batch]


async def passed(chunks: list[bytes], limit: int) -> bytes:
    return b"".join([chunk async for chunk in limit_lines(stream(chunks), limit)])


@given(texts, cuts)
def test_lines_come_out_whole_however_the_bytes_are_cut(text: str, at: list[int]) -> None:
    # Multi-byte characters are cut too: the decoder is incremental.
    lines = asyncio.run(lines_of(chunked(text.encode(), at)))
    assert "".join(lines) == text
    assert lines == text.splitlines(keepends=True)


@given(texts, cuts)
def test_ndjson_lines_come_out_whole_without_their_newlines(text: str, at: list[int]) -> None:
    assert asyncio.run(lines_of(chunked(text.encode(), at), newlines=False)) == text.splitlines()


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
