"""The reference model's operations: one method per Op, straight from the rules."""

from __future__ import annotations

from typing import Any

from cardsvc.core import AMOUNT_MAX, InstrumentKind, Op, ResultCode, Transaction
from tests.core.reference import Inst, Outcome, ReferenceBase, fails

R = ResultCode
K = InstrumentKind


class ReferenceLedger(ReferenceBase):
    """The whole model: ReferenceBase applies batches, these methods are the operations."""

    # --- operations: issue, top-up, redeem ---------------------------------------------------
    def _issue(self, tx: Transaction) -> Outcome:
        s = tx.spec
        if s is None or s.max_balance <= 0 or not s.program:
            return fails(R.INVALID_SPEC)
        if tx.instrument in self.instruments:
            return fails(R.INSTRUMENT_EXISTS)
        value = s.kind is not K.ETICKET and not s.discount_bp
        if tx.amount < 0 or (tx.amount and not value):
            return fails(R.INVALID_AMOUNT)
        if tx.amount > min(s.max_balance, AMOUNT_MAX):
            return fails(R.LIMIT_EXCEEDED)
        if tx.amount and s.unit == "PTS" and tx.funding == "cash":
            return fails(R.POINTS_NOT_FOR_SALE)
        inst: Inst = {
            "id": tx.instrument, "kind": s.kind, "unit": s.unit, "program": s.program,
            "valid_from": s.valid_from, "valid_until": s.valid_until,
            "reloadable": s.reloadable, "partial": s.partial, "max": s.max_balance,
            "discount_bp": s.discount_bp, "cap": s.discount_cap, "min_spend": s.min_spend,
            "passback": s.passback_s, "stores": s.accepted_stores,
            "terminals": s.accepted_terminals, "uses_limited": s.uses,
            "balance": 0, "status": "active", "uses_left": s.uses, "last_entry": None,
            "holds": {},
        }
        self.instruments[tx.instrument] = inst
        if tx.amount:
            self._move(inst, tx.amount, self._funding(tx, inst))
        return R.OK, tx.amount

    def _funding(self, tx: Transaction, inst: Inst) -> str:
        return f"promo:{inst['program']}" if tx.funding == "promotion" else f"cash:{tx.store}"

    def _top_up(self, tx: Transaction) -> Outcome:
        inst = self.instruments.get(tx.instrument)
        if inst is None:
            return fails(R.NOT_FOUND)
        problem = self.amount_problem(tx.amount) or self.use_problem(inst, tx.store, tx.terminal)
        if problem:
            return fails(problem)
        if not self.can_reload(inst):
            return fails(R.NOT_RELOADABLE)
        if inst["unit"] == "PTS" and tx.funding == "cash":
            return fails(R.POINTS_NOT_FOR_SALE)
        if inst["balance"] + tx.amount > inst["max"]:
            return fails(R.LIMIT_EXCEEDED)
        self._move(inst, tx.amount, self._funding(tx, inst))
        return R.OK, inst["balance"]

    def _redeem(self, tx: Transaction) -> Outcome:
        inst = self.instruments.get(tx.instrument)
        if inst is None:
            return fails(R.NOT_FOUND)
        problem = self.use_problem(inst, tx.store, tx.terminal)
        if problem:
            return fails(problem)
        if inst["uses_left"] == 0:
            return fails(R.ALREADY_REDEEMED)
        if inst["kind"] is K.ETICKET:
            return self._entry(tx, inst)
        if tx.purchase_amount < 0 or tx.purchase_amount > AMOUNT_MAX:
            return fails(R.INVALID_AMOUNT)
        if tx.purchase_amount < inst["min_spend"]:
            return fails(R.MIN_SPEND_NOT_MET)
        problem = self.amount_problem(tx.amount)
        if problem:
            return fails(problem)
        if inst["discount_bp"]:
            return self._discount(tx, inst)
        if self.available(inst) < tx.amount:
            return fails(R.INSUFFICIENT_FUNDS)
        self._move(inst, -tx.amount, f"settle:{tx.store}")
        if not inst["partial"]:
            rest = inst["balance"]
            if rest:
                self._move(inst, -rest, f"breakage:{inst['program']}")
        self._count_use(inst)
        return R.OK, inst["balance"]

    def _count_use(self, inst: Inst) -> None:
        if inst["uses_left"] is not None:
            inst["uses_left"] -= 1

    def _entry(self, tx: Transaction, inst: Inst) -> Outcome:
        if tx.amount != 0:
            return fails(R.INVALID_AMOUNT)
        last = inst["last_entry"]
        if last is not None and self.now - last < inst["passback"]:
            return fails(R.PASSBACK)
        inst["last_entry"] = self.now
        self._count_use(inst)
        return R.OK, inst["uses_left"]

    def _discount(self, tx: Transaction, inst: Inst) -> Outcome:
        most = tx.purchase_amount * inst["discount_bp"] // 10_000
        if inst["cap"]:
            most = min(most, inst["cap"])
        if tx.amount > most:
            return fails(R.LIMIT_EXCEEDED)
        self._count_use(inst)
        self._other(f"settle:{tx.store}", tx.amount)
        self._other(f"promo:{inst['program']}", -tx.amount)
        return R.OK, 0

    # --- transfer, holds, status ----------------------------------------------------------------
    def _transfer(self, tx: Transaction) -> Outcome:
        src = self.instruments.get(tx.instrument)
        dst = self.instruments.get(tx.counterparty or "")
        if src is None or dst is None:
            return fails(R.NOT_FOUND)
        if src is dst or not self.holds_value(src) or not self.holds_value(dst):
            return fails(R.INVALID_OPERATION)
        if src["unit"] != dst["unit"]:
            return fails(R.UNIT_MISMATCH)
        problem = (
            self.amount_problem(tx.amount)
            or self.use_problem(src, tx.store, tx.terminal)
            or self.use_problem(dst, tx.store, tx.terminal)
        )
        if problem:
            return fails(problem)
        if not self.can_reload(dst):
            return fails(R.NOT_RELOADABLE)
        if self.available(src) < tx.amount:
            return fails(R.INSUFFICIENT_FUNDS)
        if dst["balance"] + tx.amount > dst["max"]:
            return fails(R.LIMIT_EXCEEDED)
        src["balance"] -= tx.amount
        dst["balance"] += tx.amount
        self._inst_moves = {dst["id"]: tx.amount, src["id"]: -tx.amount}
        return R.OK, src["balance"]

    def _hold(self, tx: Transaction) -> Outcome:
        inst = self.instruments.get(tx.instrument)
        if inst is None:
            return fails(R.NOT_FOUND)
        if not self.holds_value(inst) or not inst["partial"] or inst["uses_limited"]:
            return fails(R.INVALID_OPERATION)
        problem = self.amount_problem(tx.amount) or self.use_problem(inst, tx.store, tx.terminal)
        if problem:
            return fails(problem)
        if tx.expires_at <= self.now:
            return fails(R.HOLD_EXPIRED)
        live = {k: v for k, v in inst["holds"].items() if v[1] > self.now}
        if len(live) >= self.policy.max_holds:
            return fails(R.TOO_MANY_HOLDS)
        if self.available(inst) < tx.amount:
            return fails(R.INSUFFICIENT_FUNDS)
        live[tx.id] = (tx.amount, tx.expires_at)
        inst["holds"] = live
        return R.OK, inst["balance"]

    def _open_hold(self, tx: Transaction, inst: Inst) -> ResultCode | None:
        rec = self.records.get(tx.ref or "")
        if rec is None or rec["code"] is not R.OK:
            return R.REFERENCE_NOT_FOUND
        if rec["tx"].op is not Op.HOLD or rec["tx"].instrument != inst["id"]:
            return R.REFERENCE_MISMATCH
        if rec["tx"].expires_at <= self.now:
            return R.HOLD_EXPIRED
        return None if tx.ref in inst["holds"] else R.HOLD_CLOSED

    def _capture(self, tx: Transaction) -> Outcome:
        inst = self.instruments.get(tx.instrument)
        if inst is None:
            return fails(R.NOT_FOUND)
        problem = self._open_hold(tx, inst) or self.amount_problem(tx.amount)
        if problem:
            return fails(problem)
        if tx.amount > inst["holds"][tx.ref][0]:
            return fails(R.LIMIT_EXCEEDED)
        problem = self.use_problem(inst, tx.store, tx.terminal)
        if problem:
            return fails(problem)
        del inst["holds"][tx.ref]
        self._move(inst, -tx.amount, f"settle:{tx.store}")
        return R.OK, inst["balance"]

    def _release(self, tx: Transaction) -> Outcome:
        inst = self.instruments.get(tx.instrument)
        if inst is None:
            return fails(R.NOT_FOUND)
        problem = self._open_hold(tx, inst)
        if problem:
            return fails(problem)
        del inst["holds"][tx.ref]
        return R.OK, inst["balance"]

    def _status(self, tx: Transaction, status: str) -> Outcome:
        inst = self.instruments.get(tx.instrument)
        if inst is None:
            return fails(R.NOT_FOUND)
        if inst["status"] == "expired":
            return fails(R.EXPIRED)
        inst["status"] = status
        return R.OK, inst["balance"]

    def _block(self, tx: Transaction) -> Outcome:
        return self._status(tx, "blocked")

    def _unblock(self, tx: Transaction) -> Outcome:
        return self._status(tx, "active")

    def _card_update(self, tx: Transaction) -> Outcome:
        inst = self.instruments.get(tx.instrument)
        if inst is None:
            return fails(R.NOT_FOUND)
        if not self.holds_value(inst):
            return fails(R.INVALID_OPERATION)
        problem = self.amount_problem(tx.amount)
        if problem:
            return fails(problem)
        return R.OK, inst["balance"]

    def _write_off(self, tx: Transaction) -> Outcome:
        inst = self.instruments.get(tx.instrument)
        if inst is None:
            return fails(R.NOT_FOUND)
        if not self.holds_value(inst):
            return fails(R.INVALID_OPERATION)
        if inst["status"] == "expired":
            return fails(R.EXPIRED)
        problem = self.amount_problem(tx.amount)
        if problem:
            return fails(problem)
        target = tx.purchase_amount
        if target < 0:
            return fails(R.INVALID_AMOUNT)
        if target > inst["max"]:
            return fails(R.LIMIT_EXCEEDED)
        if abs(target - inst["balance"]) != tx.amount:
            return fails(R.INVALID_AMOUNT)
        if target < inst["balance"] - self.available(inst):
            return fails(R.INSUFFICIENT_FUNDS)
        self._move(inst, target - inst["balance"], f"writeoff:{inst['program']}")
        return R.OK, target

    def _expire(self, tx: Transaction) -> Outcome:
        inst = self.instruments.get(tx.instrument)
        if inst is None:
            return fails(R.NOT_FOUND)
        if inst["status"] == "expired":
            return fails(R.EXPIRED)
        if inst["valid_until"] is None or self.now < inst["valid_until"]:
            return fails(R.NOT_YET_EXPIRED)
        inst["holds"] = {}
        if inst["balance"]:
            self._move(inst, -inst["balance"], f"breakage:{inst['program']}")
        inst["status"] = "expired"
        return R.OK, 0

    # --- refund and void --------------------------------------------------------------------------
    def _earlier(self, tx: Transaction, ops: tuple[Op, ...]) -> dict[str, Any] | ResultCode:
        rec = self.records.get(tx.ref or "")
        if rec is None or rec["code"] is not R.OK:
            return R.REFERENCE_NOT_FOUND
        if rec["tx"].op not in ops or rec["tx"].instrument != tx.instrument:
            return R.REFERENCE_MISMATCH
        return R.ALREADY_VOIDED if rec["voided"] else rec

    def _refund(self, tx: Transaction) -> Outcome:
        rec = self._earlier(tx, (Op.REDEEM, Op.CAPTURE))
        if isinstance(rec, ResultCode):
            return fails(rec)
        inst = self.instruments[tx.instrument]
        if not rec["inst_moves"].get(inst["id"]):
            return fails(R.REFERENCE_MISMATCH)
        problem = self.amount_problem(tx.amount) or self.use_problem(inst, tx.store, tx.terminal)
        if problem:
            return fails(problem)
        if rec["refunded"] + tx.amount > rec["tx"].amount:
            return fails(R.REFUND_EXCEEDS_REDEMPTION)
        if inst["balance"] + tx.amount > inst["max"]:
            return fails(R.LIMIT_EXCEEDED)
        rec["refunded"] += tx.amount
        self._move(inst, tx.amount, f"settle:{tx.store}")
        return R.OK, inst["balance"]

    def _void(self, tx: Transaction) -> Outcome:
        voidable = (Op.TOP_UP, Op.REDEEM, Op.TRANSFER, Op.CAPTURE, Op.REFUND)
        rec = self._earlier(tx, voidable)
        if isinstance(rec, ResultCode):
            return fails(rec)
        if rec["refunded"]:
            return fails(R.ALREADY_REFUNDED)
        if rec["tx"].store != tx.store or self.now - rec["at"] > self.policy.void_window_s:
            return fails(R.VOID_NOT_ALLOWED)
        involved = [self.instruments[i] for i in (tx.instrument, *rec["inst_moves"])]
        for inst in involved:
            if inst["status"] != "active":
                blocked = inst["status"] == "blocked"
                return fails(R.INSTRUMENT_BLOCKED if blocked else R.EXPIRED)
        back = {i: -d for i, d in rec["inst_moves"].items()}
        if any(d < 0 and self.available(self.instruments[i]) + d < 0 for i, d in back.items()):
            return fails(R.INSUFFICIENT_FUNDS)
        if any(d > 0 and self.instruments[i]["balance"] + d > self.instruments[i]["max"]
               for i, d in back.items()):
            return fails(R.LIMIT_EXCEEDED)
        self._undo(rec)
        return R.OK, self.instruments[tx.instrument]["balance"]

    def _undo(self, rec: dict[str, Any]) -> None:
        for inst_id, delta in rec["inst_moves"].items():
            self.instruments[inst_id]["balance"] -= delta
            self._inst_moves[inst_id] = -delta
        for account, delta in rec["moves"].items():
            self._other(account, -delta)
        earlier = rec["tx"]
        if earlier.op is Op.REDEEM:
            inst = self.instruments[earlier.instrument]
            if inst["uses_left"] is not None:
                inst["uses_left"] += 1
        if earlier.op is Op.REFUND:
            self.records[earlier.ref]["refunded"] -= earlier.amount
        rec["voided"] = True
