"""Sort ranks worked out at import agree with SQLite's own ORDER BY, value for value."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from scrutiny_app.importing.sort_keys import SortKeyBuilder

TEXT = st.one_of(st.none(), st.text(max_size=6), st.sampled_from(["", "a", "B", "é", "Z9"]))
JSON_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-1000, 1000),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.text(max_size=5),
)


def sqlite_ranks(values: list, as_json: bool) -> list[int]:
    """Dense ranks of ``values`` as SQLite orders them (json_extract for JSON texts)."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (v TEXT)")
    conn.executemany("INSERT INTO t VALUES (?)", [(v,) for v in values])
    expr = "json_extract(v, '$.k')" if as_json else "v"
    rows = conn.execute(f"SELECT rowid, DENSE_RANK() OVER (ORDER BY {expr}) FROM t").fetchall()
    ranks = dict(rows)
    return [ranks[i + 1] - 1 for i in range(len(values))]


def built_ranks(chunks: list[list], as_json: bool) -> list[int]:
    builder = SortKeyBuilder()
    for chunk in chunks:
        codes, uniques = pd.factorize(
            np.array([*chunk, None], dtype=object)[:-1], use_na_sentinel=False
        )
        builder.add("k", np.asarray(uniques, dtype=object), codes, is_json=as_json)
        builder.end_chunk(len(chunk))
    return builder.finish()["k"].array().tolist()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(TEXT, max_size=40), min_size=1, max_size=4))
def test_text_ranks_are_sqlites_order(chunks: list[list]) -> None:
    values = [v for c in chunks for v in c]
    assert built_ranks(chunks, False) == sqlite_ranks(values, False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(JSON_VALUE, max_size=40), min_size=1, max_size=4))
def test_json_field_ranks_are_sqlites_order(chunks: list[list]) -> None:
    """Numbers (and true/false as 1/0) by value before text; a missing member is NULL."""
    texts = [[None if v is None else json.dumps(v) for v in c] for c in chunks]
    objects = [None if t is None else '{"k":' + t + "}" for c in texts for t in c]
    assert built_ranks(texts, True) == sqlite_ranks(objects, True)


def test_columns_of_all_different_values_rank_the_same_way() -> None:
    """Dates and references (a new value on nearly every row) take the bulk path."""
    rng = np.random.default_rng(7)
    days = rng.integers(0, 10**6, 5000)
    values = [None if d % 97 == 0 else f"2025-01-01 {d:09d}" for d in days.tolist()]
    chunks = [values[:2500], values[2500:]]
    assert built_ranks(chunks, False) == sqlite_ranks(values, False)


def test_a_column_missing_from_some_chunks_is_null_there() -> None:
    builder = SortKeyBuilder()
    builder.add("a", np.array(["x", "y"], dtype=object), np.array([1, 0, 1]), is_json=False)
    builder.end_chunk(3)
    builder.add("b", np.array(['"q"'], dtype=object), np.array([0, 0]), is_json=True)
    builder.end_chunk(2)
    ranks = builder.finish()
    assert ranks["a"].array().tolist() == [2, 1, 2, 0, 0]
    assert ranks["b"].array().tolist() == [0, 0, 0, 1, 1]


def test_a_json_text_with_a_nul_ranks_as_sqlite_reads_it() -> None:
    """SQLite's json_extract stops a string at its first NUL: "" and "\\u0000" sort equal."""
    chunks = [[json.dumps(""), json.dumps("\x00"), json.dumps("a\x00b"), json.dumps("a")]]
    objects = ['{"k":' + t + "}" for t in chunks[0]]
    assert built_ranks(chunks, True) == sqlite_ranks(objects, True)
