"""Splitting a CSV record: the quick split agrees with the csv module."""

from __future__ import annotations

import csv

from hypothesis import given
from hypothesis import strategies as st

from domain.bulk import split_csv_record

fields = st.text(alphabet=st.sampled_from('ab 1,.-:+"\r\n\t\u00e9'), max_size=8)


@given(st.lists(fields, min_size=1, max_size=6))
def test_a_record_splits_as_the_csv_module_splits_it(parts: list[str]) -> None:
    text = ",".join(parts)
    try:
        expected: list[str] | None = next(csv.reader([text]))
    except csv.Error:
        expected = None
    got = split_csv_record(text)
    if expected is None:
        assert isinstance(got, str) and got
    else:
        assert got == expected


def test_quoted_fields_keep_their_commas_and_quotes() -> None:
    assert split_csv_record('a,"b,c","d ""e"""') == ["a", "b,c", 'd "e"']
    assert split_csv_record("a,,b,") == ["a", "", "b", ""]
