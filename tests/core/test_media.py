"""Card media rules (cardsvc.core.media): routing a terminal's transaction on a card, the
holding window, and the value a replacement holds and moves; with the ledger core, late taps
of a replaced card never spend more than was held, and what was held is either spent or moved."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cardsvc.core import LedgerState, Op, ResultCode, Transaction, apply
from cardsvc.core.media import (
    CardReading,
    MediaCode,
    Medium,
    MediumState,
    closing,
    held_value,
    route,
    uid_named,
    window_s,
)
from tests.core.helpers import NOW, STORE, check_invariants, spec

UID, NEW = "04A1B2C3D4E5F6", "04B7C8D9E0F102"
INST = "card-" + UID
HELD = "held-" + UID


def lost(until: int) -> Medium:
    return Medium(UID, INST, "desfire", MediumState.LOST, HELD, until)


def test_a_card_is_routed_to_its_instrument() -> None:
    new = Medium(NEW, INST, "desfire", MediumState.ACTIVE)
    assert route(new, "card-" + NEW, NEW, "redeem", NOW) == INST
    assert route(new, INST, NEW, "redeem", NOW) == INST
    assert route(new, "card-0A0B0C0D", NEW, "redeem", NOW) is MediaCode.CARD_MEDIUM_MISMATCH
    assert route(None, "card-" + NEW, NEW, "issue", NOW) == "card-" + NEW


def test_a_lost_card_spends_its_held_value_only_inside_the_window() -> None:
    m = lost(NOW + 10)
    assert route(m, INST, UID, "redeem", NOW) == HELD
    assert route(m, INST, UID, "void", NOW + 9) == HELD
    assert route(m, INST, UID, "top_up", NOW) is MediaCode.CARD_MEDIUM_BLOCKED
    assert route(m, INST, UID, "redeem", NOW + 10) is MediaCode.CARD_MEDIUM_BLOCKED
    nothing_held = Medium(UID, INST, "uid", MediumState.STOLEN, None, NOW + 10)
    assert route(nothing_held, INST, UID, "redeem", NOW) is MediaCode.CARD_MEDIUM_BLOCKED
    retired = Medium(UID, INST, "desfire", MediumState.REPLACED, HELD, NOW + 10)
    assert route(retired, INST, UID, "redeem", NOW) is MediaCode.CARD_MEDIUM_BLOCKED


def test_names_values_and_windows() -> None:
    assert uid_named("card-" + UID) == UID
    assert uid_named("card-04a1b2c3") is None and uid_named("GIFT-1") is None
    assert held_value(80_000, INST, INST, 100_000) == 80_000
    assert held_value(120_000, INST, INST, 100_000) == 100_000  # never more than it has
    assert held_value(80_000, "held-X", INST, 100_000) == 0
    assert held_value(None, None, INST, 100_000) == 0
    same = CardReading(80_000, 4)
    assert window_s(MediumState.DAMAGED, same, 4, 80_000, 600) == 0
    assert window_s(MediumState.DAMAGED, CardReading(70_000, 5), 4, 80_000, 600) == 600
    assert window_s(MediumState.LOST, None, 4, 80_000, 600) == 600
    assert closing(80_000, 30_000).spent_late == 50_000


def _tx(tx_id: str, op: Op, instrument: str, amount: int = 0, **kw: object) -> Transaction:
    return Transaction(tx_id, op, instrument, amount, store=STORE, terminal="T", **kw)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(
    balance=st.integers(0, 500_000),
    on_card=st.integers(0, 600_000),
    taps=st.lists(st.tuples(st.integers(1, 200_000), st.booleans()), max_size=8),
    now_offsets=st.lists(st.integers(0, 20), min_size=8, max_size=8),
)
def test_late_taps_spend_at_most_what_was_held(
    balance: int, on_card: int, taps: list[tuple[int, bool]], now_offsets: list[int]
) -> None:
    state = LedgerState()
    p = spec(max_balance=10_000_000)
    postings = list(apply(state, [_tx("i", Op.ISSUE, INST, balance, spec=p)], NOW).postings)
    held = held_value(on_card, INST, INST, balance)
    out = apply(state, [_tx("h0", Op.ISSUE, HELD, spec=p, linked=True),
                        _tx("h1", Op.TRANSFER, INST, held, counterparty=HELD)],
                NOW)  # fmt: skip
    assert held == 0 or [r.code for r in out.results] == [ResultCode.OK, ResultCode.OK]
    postings += out.postings
    medium = lost(NOW + 10)
    accepted = 0
    for k, (amount, void) in enumerate(taps):
        at = NOW + now_offsets[k]
        target = route(medium, INST, UID, "redeem", at)
        if isinstance(target, MediaCode) or target not in state.instruments:
            continue
        r = apply(state, [_tx(f"t{k}", Op.REDEEM, target, amount)], at)
        postings += r.postings
        if r.results[0].code is ResultCode.OK:
            accepted += amount
            if void:
                v = apply(state, [_tx(f"v{k}", Op.VOID, target, ref=f"t{k}")], at)
                postings += v.postings
                accepted -= amount if v.results[0].code is ResultCode.OK else 0
    left = state.instruments[HELD].balance if HELD in state.instruments else 0
    result = closing(held, left)
    assert result.spent_late == accepted
    if result.moved:
        back = apply(state, [_tx("b", Op.TRANSFER, HELD, result.moved, counterparty=INST)],
                     NOW + 11)  # fmt: skip
        assert back.results[0].code is ResultCode.OK
        postings += back.postings
    assert state.instruments[INST].balance == balance - accepted
    check_invariants(state, postings)
