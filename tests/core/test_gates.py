"""An event's allowed gates: a ticket enters only at the terminals its program names, online or
synced from an offline gate; the program without gates admits at any terminal."""

from __future__ import annotations

from cardsvc.core import InstrumentKind, Op, ResultCode
from tests.core.helpers import NOW, Harness

K = InstrumentKind


def _ticket(h: Harness, gates: frozenset[str]) -> None:
    h.issue("t", K.ETICKET, uses=3, partial=False, accepted_terminals=gates)


def test_a_ticket_enters_at_its_own_gates_only() -> None:
    h = Harness()
    _ticket(h, frozenset({"G1", "G2"}))
    assert h.code(Op.REDEEM, "t", terminal="G9") is ResultCode.NOT_ACCEPTED_HERE
    assert h.state.instruments["t"].uses_left == 3  # a refusal uses no entry
    assert h.code(Op.REDEEM, "t", terminal="G2") is ResultCode.OK
    late = h.tx(Op.REDEEM, "t", terminal="G9", occurred_at=NOW - 60)  # synced from offline
    assert h.one(late).code is ResultCode.NOT_ACCEPTED_HERE


def test_without_gates_any_terminal_admits() -> None:
    h = Harness()
    _ticket(h, frozenset())
    assert h.code(Op.REDEEM, "t", terminal="anywhere") is ResultCode.OK


def test_gates_are_part_of_a_well_formed_spec() -> None:
    h = Harness()
    from tests.core.helpers import spec

    bad = spec(K.ETICKET, accepted_terminals=frozenset({1}))  # type: ignore[arg-type]
    assert h.code(Op.ISSUE, "x", spec=bad) is ResultCode.INVALID_SPEC
