"""The core against the reference model over random sequences of every operation.

Each step sends one batch (single transactions, resends of earlier ids with the same or other
content, unknown references, linked chains, sometimes left open) or moves time forward. After
every step: the results and all balances agree with the model, postings balance per unit per
transaction, no liability is negative, every instrument's balance is the sum of the postings
ever emitted on its account, no id ever posts twice, and the other accounts agree too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from cardsvc.core import (
    AMOUNT_MAX,
    Funding,
    InstrumentKind,
    InstrumentSpec,
    LedgerState,
    Op,
    Policy,
    Posting,
    Transaction,
    Unit,
    apply,
)
from tests.core.helpers import NOW, check_invariants
from tests.core.reference_ops import ReferenceLedger

K = InstrumentKind
POLICY = Policy(void_window_s=900, max_holds=3)
INSTRUMENTS = ("a", "b", "c", "d", "e", "f", "g", "h")
NEW_INSTRUMENTS = ("n1", "n2")
STORES = ("s1", "s2")
AMOUNTS = st.one_of(
    st.integers(1, 3_000),
    st.integers(1, 3_000),
    st.sampled_from([0, -1, 4_999, 5_000, 20_000, AMOUNT_MAX + 1]),
)
# Operations weighted towards the ones that move value.
OPS = st.sampled_from([
    *[Op.REDEEM] * 4, *[Op.TOP_UP] * 2, *[Op.REFUND] * 2, *[Op.VOID] * 2, Op.TRANSFER,
    *[Op.HOLD] * 2, *[Op.CAPTURE] * 2, Op.RELEASE, Op.BLOCK, *[Op.UNBLOCK] * 2, Op.EXPIRE,
    Op.ISSUE,
])
FRIENDLY_OPS = st.sampled_from([Op.REDEEM, Op.TOP_UP, Op.TRANSFER, Op.REFUND, Op.CAPTURE])
REFERRED = {
    Op.REFUND: (Op.REDEEM, Op.CAPTURE),
    Op.VOID: (Op.TOP_UP, Op.REDEEM, Op.TRANSFER, Op.CAPTURE, Op.REFUND, Op.ISSUE),
    Op.CAPTURE: (Op.HOLD,),
    Op.RELEASE: (Op.HOLD,),
}


@st.composite
def specs(draw: st.DrawFn, now: int) -> InstrumentSpec | None:
    """The kinds of instrument a program issues, with windows around `now`."""
    kind = draw(st.sampled_from(list(K)))
    window = draw(st.sampled_from([(None, None), (None, 1800), (600, 4000), (-100, 300)]))
    start, end = (None if w is None else now + w for w in window)
    base: dict[str, Any] = {
        "kind": kind,
        "unit": Unit.POINTS if kind is K.MEMBER else Unit.VND,
        "program": draw(st.sampled_from(["p1", "p2"])),
        "valid_from": start,
        "valid_until": end,
        "max_balance": draw(st.sampled_from([5_000, 40_000, 40_000, 10**9, 0])),
        "accepted_stores": draw(st.sampled_from([frozenset(), frozenset({"s1"})])),
        "accepted_terminals": draw(st.sampled_from([frozenset(), frozenset({"term"}),
                                                    frozenset({"gate-2"})])),
    }
    if kind is K.GIFT:
        base["reloadable"] = draw(st.booleans())
    elif kind is K.VOUCHER:
        base.update(draw(st.sampled_from([
            {"partial": False, "uses": 1},
            {"uses": 2},
            {"discount_bp": 1_000, "discount_cap": 300, "min_spend": 500, "uses": 2},
        ])))
    elif kind is K.ETICKET:
        base.update(uses=draw(st.sampled_from([None, 2])), passback_s=120)
    if draw(st.integers(0, 20)) == 0:
        return None
    return InstrumentSpec(**base)


class LedgerVersusModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.core = LedgerState()
        self.model = ReferenceLedger(POLICY)
        self.now = NOW
        self.postings: list[Posting] = []
        self.posted_by: dict[str, int] = {}  # tx id -> the step whose batch posted it
        self.sent: list[Transaction] = []
        self.serial = 0
        self.step = 0

    # --- building transactions --------------------------------------------------------------
    def _fresh_id(self) -> str:
        self.serial += 1
        return f"t{self.serial}"

    def _instrument(self, data: st.DataObject) -> str:
        known = sorted(self.model.instruments)
        usually = data.draw(st.integers(0, 9)) > 0
        if known and usually:
            return data.draw(st.sampled_from(known))
        return data.draw(st.sampled_from([*INSTRUMENTS, "zz"]))

    def _referring(self, data: st.DataObject, op: Op) -> Transaction | None:
        """Mostly an earlier success this op can refer to; None for anything else."""
        fitting = [
            rec["tx"] for rec in self.model.records.values()
            if rec["tx"].op in REFERRED[op] and rec["code"] == "ok"
        ]
        usually = data.draw(st.integers(0, 5)) > 0
        if fitting and usually:
            earlier: Transaction = data.draw(st.sampled_from(fitting[-5:]))
            return earlier
        return None

    def _edges(self, instrument: str) -> st.SearchStrategy[int]:
        """Amounts at the boundaries: all that is available, the room left, one more."""
        inst = self.model.instruments.get(instrument)
        if inst is None:
            return st.just(1)
        free, room = self.model.available(inst), inst["max"] - inst["balance"]
        return st.sampled_from([v for v in (free, free + 1, room, room + 1) if v > 0] or [1])

    def _new_tx(self, data: st.DataObject, friendly: bool = False) -> Transaction:
        """A transaction; `friendly` ones are value movements likely to succeed."""
        op = data.draw(FRIENDLY_OPS if friendly else OPS)
        instrument = self._instrument(data)
        amount = data.draw(st.integers(1, 2_000) if friendly else AMOUNTS)
        if data.draw(st.integers(0, 3)) == 0:
            amount = data.draw(self._edges(instrument))
        referred = self._referring(data, op) if op in REFERRED else None
        fields: dict[str, Any] = {
            "store": data.draw(st.sampled_from(STORES)),
            "terminal": "term",
            "funding": data.draw(st.sampled_from(list(Funding))),
        }
        if op is Op.ISSUE:
            instrument = data.draw(st.sampled_from([*INSTRUMENTS, *NEW_INSTRUMENTS]))
            fields["spec"] = data.draw(specs(self.now))
            amount = data.draw(st.sampled_from([0, 1_000, 4_000, 30_000, -1]))
        elif op is Op.TRANSFER:
            fields["counterparty"] = self._instrument(data)
        elif op is Op.HOLD:
            fields["expires_at"] = self.now + data.draw(st.sampled_from([600, 3000, 60, 0, -1]))
        elif op is Op.REDEEM:
            ticket = self.model.instruments.get(instrument, {}).get("kind") is K.ETICKET
            if ticket and data.draw(st.integers(0, 4)):
                amount = 0  # an entry
            fields["purchase_amount"] = data.draw(st.sampled_from([10_000, 2_000, 499, 0]))
            if data.draw(st.integers(0, 19)) == 0:
                fields["purchase_amount"] = -1
        if op in REFERRED and referred is None:  # an unknown, missing or arbitrary reference
            recent = [tx.id for tx in self.sent[-5:]]
            fields["ref"] = data.draw(st.sampled_from([None, "unknown", *recent]))
        elif referred is not None:  # on its own instrument, mostly at its store, within it
            instrument, fields["ref"] = referred.instrument, referred.id
            if data.draw(st.integers(0, 3)):
                fields["store"] = referred.store
            if op in (Op.REFUND, Op.CAPTURE) and data.draw(st.integers(0, 3)):
                amount = data.draw(st.integers(1, max(1, referred.amount // 2)))
        return Transaction(self._fresh_id(), op, instrument, amount, **fields)

    def _tx(self, data: st.DataObject) -> Transaction:
        """A new transaction, or a resend of an earlier one (sometimes with changed content)."""
        kind = data.draw(st.integers(0, 11))
        if kind >= 3 or not self.sent:
            return self._new_tx(data)
        earlier = data.draw(st.sampled_from(self.sent[-20:]))
        if kind < 2:
            return earlier
        return replace(earlier, amount=earlier.amount + 1)

    # --- steps ------------------------------------------------------------------------------
    @initialize(data=st.data())
    def issue_portfolio(self, data: st.DataObject) -> None:
        """One of each kind to work on, and two drawn at random."""
        value, now = 20_000, self.now
        portfolio: list[tuple[str, InstrumentKind, int, dict[str, Any]]] = [
            ("a", K.PREPAID, value, {}),
            ("b", K.GIFT, value, {"reloadable": True, "valid_until": now + 5_000}),
            ("c", K.MEMBER, value, {}),
            ("d", K.VOUCHER, value, {"partial": False, "uses": 1}),
            ("e", K.VOUCHER, 0, {"discount_bp": 1_000, "discount_cap": 300, "min_spend": 500,
                                 "uses": 3}),
            ("f", K.ETICKET, 0, {"uses": 3, "passback_s": 120, "valid_from": now}),
        ]
        batch = [
            Transaction(self._fresh_id(), Op.ISSUE, inst, amount, store="s1", spec=InstrumentSpec(
                kind, Unit.POINTS if kind is K.MEMBER else Unit.VND, "p1", max_balance=40_000,
                **fields,
            ))
            for inst, kind, amount, fields in portfolio
        ]
        batch += [
            Transaction(self._fresh_id(), Op.ISSUE, inst, 10_000, store="s2",
                        spec=data.draw(specs(now)))
            for inst in ("g", "h")
        ]
        self._send(batch)

    @rule(data=st.data())
    def send(self, data: st.DataObject) -> None:
        """Mostly single transactions; now and then a batch of several or a linked chain."""
        shape = data.draw(st.sampled_from(["one"] * 8 + ["batch", "chain", "chain", "open chain"]))
        if shape == "one":
            self._send([self._tx(data)])
        elif shape == "batch":
            self._send([self._tx(data) for _ in range(data.draw(st.integers(2, 4)))])
        else:
            self._send_chain(data, closed=shape == "chain")

    def _send_chain(self, data: st.DataObject, closed: bool) -> None:
        """A linked chain of likely-good members (and a random one); maybe left open."""
        members = [self._new_tx(data, friendly=True) for _ in range(data.draw(st.integers(1, 3)))]
        members.insert(data.draw(st.integers(0, len(members))), self._tx(data))
        members = [replace(tx, linked=True) for tx in members]
        if closed:
            members[-1] = replace(members[-1], linked=False)
        self._send(members)

    @rule(seconds=st.sampled_from([1, 59, 60, 119, 120, 300, 899, 900, 901, 2_000]))
    def time_passes(self, seconds: int) -> None:
        self.now += seconds

    def _send(self, batch: list[Transaction]) -> None:
        self.step += 1
        expected = self.model.apply(batch, self.now)
        outcome = apply(self.core, batch, self.now, POLICY)
        got = [(r.code, r.balance_after) for r in outcome.results]
        assert got == expected, list(zip(batch, got, expected, strict=True))
        for p in outcome.postings:
            first = self.posted_by.setdefault(p.tx_id, self.step)
            assert first == self.step, f"{p.tx_id} posted again in a later batch"
        self.postings.extend(outcome.postings)
        self.sent.extend(batch)

    # --- after every step -----------------------------------------------------------------
    @invariant()
    def ledger_invariants(self) -> None:
        check_invariants(self.core, self.postings)

    @invariant()
    def agrees_with_the_model(self) -> None:
        core, model = self.core.instruments, self.model.instruments
        assert set(core) == set(model)
        for inst_id, inst in core.items():
            ref = model[inst_id]
            assert (inst.balance, inst.status.value, inst.uses_left) == (
                ref["balance"], ref["status"], ref["uses_left"]
            ), inst_id
        assert set(self.core.records) == set(self.model.records)
        for tx_id, rec in self.core.records.items():
            ref = self.model.records[tx_id]
            assert (rec.code, rec.refunded, rec.voided) == (
                ref["code"], ref["refunded"], ref["voided"]
            ), tx_id

    @invariant()
    def other_accounts_agree(self) -> None:
        totals: dict[str, int] = defaultdict(int)
        for p in self.postings:
            if not p.account.startswith("i:"):
                totals[p.account] += p.amount
        nonzero = {k: v for k, v in self.model.accounts.items() if v}
        assert {k: v for k, v in totals.items() if v} == nonzero


LedgerVersusModel.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
test_ledger_against_the_model = LedgerVersusModel.TestCase
