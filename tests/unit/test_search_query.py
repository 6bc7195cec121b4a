"""The query language's parser (src/storyline/search/query.py) against the table of cases the web client's
parser is checked against too (tests/search_query_cases.json): the same trees, the same error positions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from storyline.search.query import MAX_DEPTH, QueryError, parse

CASES = json.loads((Path(__file__).parent.parent / "search_query_cases.json").read_text())


def query_of(case: dict[str, Any]) -> str:
    q = case["q"]
    return q["repeat"] * q["times"] if isinstance(q, dict) else q


@pytest.mark.parametrize("case", CASES["accepted"], ids=lambda c: repr(query_of(c))[:40])
def test_accepted(case: dict[str, Any]) -> None:
    assert parse(query_of(case)).canonical() == {"tree": case["tree"], "sort": case["sort"]}


@pytest.mark.parametrize("case", CASES["refused"], ids=lambda c: repr(query_of(c))[:40])
def test_refused(case: dict[str, Any]) -> None:
    with pytest.raises(QueryError) as e:
        parse(query_of(case))
    assert (e.value.position, e.value.expected) == (case["position"], case["expected"])
    assert e.value.field == "q" and e.value.end >= e.value.position
    body = e.value.body()
    assert body["position"] == case["position"] and body["field"] == "q" and body["message"]


def test_nesting_limit_is_exact() -> None:
    deep = "(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH
    assert parse(deep).canonical()["tree"] == '(text "a")'
    assert parse("-" * MAX_DEPTH + "a").canonical()["tree"].count("(not") == MAX_DEPTH
    with pytest.raises(QueryError):
        parse("-" * (MAX_DEPTH + 1) + "a")


def test_positions_count_characters_not_bytes() -> None:
    with pytest.raises(QueryError) as e:
        parse("tag:été is:nope")
    assert e.value.position == 11
