"""Members' lots and days as the database stores them: the hand-written encoder of the hot path
gives exactly json.dumps's text, and decoding then encoding a member's history keeps every
point (entries of one key add up, empty lots go)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from cardsvc.core.loyalty_model import Member, _encode

INTS = st.integers(min_value=-(2**62), max_value=2**62)
ROWS = st.lists(st.tuples(INTS, INTS, INTS), max_size=60)
SMALL = st.integers(min_value=0, max_value=5)
LOT_ROWS = st.lists(st.tuples(SMALL, SMALL, st.integers(min_value=-50, max_value=50)),
                    max_size=40)  # fmt: skip


@given(ROWS)
def test_encode_is_json_dumps(rows: list[tuple[int, int, int]]) -> None:
    assert _encode(rows) == json.dumps([list(r) for r in rows], separators=(",", ":"))


@given(LOT_ROWS, LOT_ROWS)
def test_lots_decoded_and_written_keep_every_point(
    stored: list[tuple[int, int, int]], added: list[tuple[int, int, int]]
) -> None:
    text = json.dumps([list(r) for r in stored], separators=(",", ":"))
    member = Member("m", "P", "t", "t", 0, None, lots_text=text)
    member.lots_added = list(added)
    expected: dict[tuple[int, int], int] = {}
    for e, a, n in [*stored, *added]:
        expected[(e, a)] = expected.get((e, a), 0) + n
    expected = {k: n for k, n in expected.items() if n}
    assert member.lots == expected
    written = json.loads(member.lots_out())
    assert written == [[e, a, n] for (e, a), n in sorted(expected.items())]


@given(LOT_ROWS)
def test_days_decoded_and_written_add_up(stored: list[tuple[int, int, int]]) -> None:
    text = json.dumps([list(r) for r in stored], separators=(",", ":"))
    member = Member("m", "P", "t", "t", 0, None, days_text=text)
    sums: dict[int, tuple[int, int]] = {}
    for d, s, p in stored:
        s0, p0 = sums.get(d, (0, 0))
        sums[d] = (s0 + s, p0 + p)
    assert member.days == sums
    assert json.loads(member.days_out()) == [[d, s, p] for d, (s, p) in sorted(sums.items())]
