"""Arbitrary and malformed transactions thrown at `apply`: it never raises, never breaks the
ledger's invariants, and never records what it refused as malformed."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cardsvc.core import (
    AMOUNT_MAX,
    Funding,
    InstrumentKind,
    InstrumentSpec,
    Op,
    ResultCode,
    Transaction,
    Unit,
)
from cardsvc.core.checks import malformed_fields, malformed_id
from tests.core.helpers import NOW, Harness, spec

IDS = ("a", "b", "c", "d", "e", "f", "tx-1", "tx-5", "tx-9", "tx-12")

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.binary(max_size=4),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
    st.frozensets(st.text(max_size=2), max_size=2),
)
KNOWN = st.sampled_from(IDS)


def maybe_junk(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a value of the right type, sometimes anything at all (each of a transaction's
    13 fields is junk about one time in sixteen, so some transactions are all well-typed).
    (A plain one_of would flatten JUNK's branches and draw junk nine times in ten.)"""
    return st.integers(0, 15).flatmap(lambda n: JUNK if n == 0 else good)


AMOUNTS = maybe_junk(
    st.one_of(
        st.integers(-5, 5_000),
        st.sampled_from([0, -1, AMOUNT_MAX, AMOUNT_MAX + 1, 2**63, -(2**63), 10**40]),
    )
)


SPEC_FIELDS = {
    "kind": maybe_junk(st.sampled_from(list(InstrumentKind))),
    "unit": maybe_junk(st.sampled_from(list(Unit))),
    "program": maybe_junk(st.sampled_from(["p", ""])),
    "valid_from": maybe_junk(st.one_of(st.none(), st.integers(NOW - 100, NOW + 100))),
    "valid_until": maybe_junk(st.one_of(st.none(), st.integers(NOW - 100, NOW + 10_000))),
    "reloadable": maybe_junk(st.booleans()),
    "partial": maybe_junk(st.booleans()),
    "max_balance": maybe_junk(st.integers(-1, 10**14)),
    "uses": maybe_junk(st.one_of(st.none(), st.integers(-1, 3))),
    "discount_bp": maybe_junk(st.integers(-1, 10_001)),
    "discount_cap": maybe_junk(st.integers(-1, 10**13)),
    "min_spend": maybe_junk(st.integers(-1, 10**13)),
    "passback_s": maybe_junk(st.integers(-1, 100)),
    "accepted_stores": maybe_junk(st.frozensets(st.sampled_from(["s1", "s2"]))),
    "accepted_terminals": maybe_junk(st.frozensets(st.sampled_from(["t1", "t2"]))),
}


def arbitrary_specs() -> st.SearchStrategy[Any]:
    """Mostly none (most operations carry none), often a spec of doubtful fields, rarely junk."""
    specs = st.builds(InstrumentSpec, **SPEC_FIELDS)
    return maybe_junk(st.integers(0, 2).flatmap(lambda n: specs if n == 0 else st.none()))


TRANSACTIONS = st.builds(
    Transaction,
    id=maybe_junk(st.one_of(KNOWN, st.text(min_size=1, max_size=6))),
    op=maybe_junk(st.sampled_from(list(Op))),
    instrument=maybe_junk(KNOWN),
    amount=AMOUNTS,
    store=maybe_junk(st.sampled_from(["s1", "s2", ""])),
    terminal=maybe_junk(st.just("t")),
    ref=maybe_junk(st.one_of(st.none(), KNOWN)),
    counterparty=maybe_junk(st.one_of(st.none(), KNOWN)),
    purchase_amount=AMOUNTS,
    expires_at=maybe_junk(st.integers(NOW - 10, NOW + 10_000)),
    funding=maybe_junk(st.sampled_from(list(Funding))),
    spec=arbitrary_specs(),
    linked=maybe_junk(st.integers(0, 3).map(lambda n: n == 0)),  # chains, but not always
)


def _populated() -> Harness:
    """A ledger with one instrument of each kind and a few transactions to refer to."""
    h = Harness()
    h.issue("a", amount=5_000)
    h.issue("b", InstrumentKind.GIFT, 5_000, reloadable=True)
    h.issue("c", InstrumentKind.MEMBER, 900)
    h.issue("d", InstrumentKind.VOUCHER, 1_000, uses=1, partial=False)
    h.issue("e", InstrumentKind.ETICKET, uses=2, passback_s=5)
    h.issue("f", InstrumentKind.VOUCHER, discount_bp=500, valid_until=NOW + 50)
    h.do(Op.REDEEM, "a", 700, id="tx-9")  # ids the fuzzer also draws
    h.do(Op.HOLD, "b", 300, expires_at=NOW + 30, id="tx-12")
    h.do(Op.REDEEM, "e", id="tx-5")
    return h


def _check_outcome(h: Harness, batch: list[Transaction], codes: list[ResultCode]) -> None:
    assert len(codes) == len(batch)
    assert all(type(code) is ResultCode for code in codes)
    for tx, code in zip(batch, codes, strict=True):
        if malformed_id(tx) is not None:  # refused, or swept up in a malformed open chain
            assert code in (ResultCode.INVALID_OPERATION, ResultCode.LINKED_CHAIN_OPEN), code
    for tx_id, rec in h.state.records.items():
        assert malformed_id(rec.tx) is None and malformed_fields(rec.tx) is None, rec
        assert rec.tx.id == tx_id


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    batches=st.lists(
        st.tuples(st.integers(0, 100), st.lists(TRANSACTIONS, min_size=1, max_size=6)),
        min_size=1,
        max_size=4,
    )
)
def test_apply_survives_anything(batches: list[tuple[int, list[Transaction]]]) -> None:
    h = _populated()
    for seconds, batch in batches:
        h.now += seconds
        results = h.run(*batch)  # Harness.run checks the ledger invariants after each batch
        _check_outcome(h, batch, [r.code for r in results])


def test_fuzzer_reaches_the_handlers() -> None:
    """The strategy is not all junk: well-formed transactions get through and succeed."""
    h = _populated()
    good = Transaction("ok-1", Op.TOP_UP, "a", 100, store="s1")
    weird_floats = [math.nan, math.inf, -0.0]
    batch = [good, *(Transaction(f"w{i}", Op.TOP_UP, "a", x) for i, x in enumerate(weird_floats))]  # type: ignore[arg-type]
    codes = [r.code for r in h.run(*batch)]
    assert codes == [ResultCode.OK] + [ResultCode.INVALID_AMOUNT] * 3
    assert h.code(Op.ISSUE, "z", spec=spec()) is ResultCode.OK
