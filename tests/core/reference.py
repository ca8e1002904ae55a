"""A reference model of the ledger: plain dicts and straight-line rules, for the stateful test.

Written from the rules (docs/the issue), not from the core's code: no postings, no undo log,
no handlers table. Instruments are dicts, records are dicts, and the other side of every
movement is a dict of account totals. A linked chain is a deep copy taken before it and put
back if it fails. It only needs to handle well-typed transactions: the fuzz test covers the rest.
"""

from __future__ import annotations

import copy
from typing import Any

from cardsvc.core import AMOUNT_MAX, InstrumentKind, Policy, ResultCode, Transaction

R = ResultCode
K = InstrumentKind
Outcome = tuple[ResultCode, int | None]
Inst = dict[str, Any]


def fails(code: ResultCode) -> Outcome:
    return code, None


class ReferenceBase:
    """Batches, exactly once, chains and movements; the operations are in ReferenceLedger."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.now = 0
        self.instruments: dict[str, Inst] = {}
        self.records: dict[str, dict[str, Any]] = {}
        self.accounts: dict[str, int] = {}  # every account but the instruments'
        self._moves: dict[str, int] = {}  # what the transaction being applied moved
        self._inst_moves: dict[str, int] = {}

    # --- batches, exactly once, chains ----------------------------------------------------
    def apply(self, batch: list[Transaction], now: int) -> list[Outcome]:
        self.now = now
        out: list[Outcome] = []
        i = 0
        while i < len(batch):
            if not batch[i].linked:
                out.append(self._one(batch[i]))
                i += 1
                continue
            end = next((j + 1 for j in range(i, len(batch)) if not batch[j].linked), None)
            if end is None:
                out += [fails(R.LINKED_CHAIN_OPEN)] * (len(batch) - i)
                break
            out += self._chain(batch[i:end])
            i = end
        return out

    def _chain(self, members: list[Transaction]) -> list[Outcome]:
        saved = copy.deepcopy((self.instruments, self.records, self.accounts))
        first = [self._one(tx) for tx in members]
        bad = [k for k, (code, _) in enumerate(first) if code not in (R.OK, R.EXISTS)]
        if not bad:
            return first
        self.instruments, self.records, self.accounts = saved
        out = []
        for k, tx in enumerate(members):
            if tx.id in self.records:
                out.append(self._resent(tx))
            else:
                code = first[k][0] if k == bad[0] else R.LINKED_EVENT_FAILED
                self._record(tx, code, None, {}, {})
                out.append(fails(code))
        return out

    def _resent(self, tx: Transaction) -> Outcome:
        rec = self.records[tx.id]
        if rec["tx"] != tx:
            return fails(R.EXISTS_WITH_DIFFERENT_FIELDS)
        if rec["code"] is R.OK:
            return R.EXISTS, rec["balance_after"]
        return rec["code"], rec["balance_after"]

    def _one(self, tx: Transaction) -> Outcome:
        if tx.id in self.records:
            return self._resent(tx)
        self._moves, self._inst_moves = {}, {}
        code, balance_after = getattr(self, "_" + tx.op.value)(tx)
        if code is not R.OK:
            assert not self._moves and not self._inst_moves
            balance_after = None
        self._record(tx, code, balance_after, self._moves, self._inst_moves)
        return code, balance_after

    def _record(
        self, tx: Transaction, code: ResultCode, balance_after: int | None,
        moves: dict[str, int], inst_moves: dict[str, int],
    ) -> None:
        self.records[tx.id] = {
            "tx": tx, "code": code, "balance_after": balance_after, "at": self.now,
            "moves": moves, "inst_moves": inst_moves, "refunded": 0, "voided": False,
        }

    # --- movements --------------------------------------------------------------------------
    def _move(self, inst: Inst, delta: int, other: str) -> None:
        """Change an instrument's balance; the account `other` takes the opposite."""
        inst["balance"] += delta
        self._inst_moves[inst["id"]] = self._inst_moves.get(inst["id"], 0) + delta
        self._other(other, -delta)

    def _other(self, account: str, delta: int) -> None:
        self.accounts[account] = self.accounts.get(account, 0) + delta
        self._moves[account] = self._moves.get(account, 0) + delta

    # --- shared rules -------------------------------------------------------------------------
    @staticmethod
    def holds_value(inst: Inst) -> bool:
        return inst["kind"] is not K.ETICKET and not inst["discount_bp"]

    def can_reload(self, inst: Inst) -> bool:
        return inst["kind"] in (K.PREPAID, K.MEMBER) or (
            inst["kind"] is K.GIFT and inst["reloadable"]
        )

    def available(self, inst: Inst) -> int:
        live = [amount for amount, until in inst["holds"].values() if until > self.now]
        return int(inst["balance"] - sum(live))

    @staticmethod
    def amount_problem(amount: int) -> ResultCode | None:
        if amount <= 0:
            return R.INVALID_AMOUNT
        return R.LIMIT_EXCEEDED if amount > AMOUNT_MAX else None

    def use_problem(self, inst: Inst, store: str, terminal: str) -> ResultCode | None:
        if inst["status"] == "blocked":
            return R.INSTRUMENT_BLOCKED
        if inst["status"] == "expired":
            return R.EXPIRED
        if inst["valid_from"] is not None and self.now < inst["valid_from"]:
            return R.NOT_YET_VALID
        if inst["valid_until"] is not None and self.now >= inst["valid_until"]:
            return R.EXPIRED
        if inst["stores"] and store not in inst["stores"]:
            return R.NOT_ACCEPTED_HERE
        if inst["terminals"] and terminal not in inst["terminals"]:
            return R.NOT_ACCEPTED_HERE
        return None
