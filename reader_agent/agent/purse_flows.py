"""Value operations on the DESFire purse, tear-safe, with the ledger kept in step.

Design: card first, then ledger, with compensation. The card is where a tap can be torn, the
ledger is where a message can be resent, so the card goes first and the ledger is told second:
  1. checks that need no card change: hotlist; offline, the risk limits (risk.py);
  2. the outbox entry is committed with its id, sequence and the card evidence the operation
     will produce (counter + 1, value before/after) while the card is untouched: it is the
     tear journal (reader_agent.cards.purse calls it after reading the card, before changing);
  3. the card does Debit/Credit + counter + CommitTransaction; the entry becomes `ready`;
  4. online, the outbox is sent (this entry last, behind anything older, so the card's
     counters reach the ledger in order); offline, or if the ledger does not answer, the
     entry waits for the sync loop, exactly once, whatever happens to the agent meanwhile;
  5. if the ledger refuses (blocked since the last hotlist, a divergent card, a program rule),
     the card is set back at once by the inverse operation (LimitedCredit after a debit, Debit
     after a credit), itself journalled and sent as a `void` of the refused transaction
     carrying the card evidence, so the ledger's mirror of the card follows every counter.
     A `card_replay` refusal is not compensated: the card is a restored copy and is blocked.
Why not ledger first: the ledger would mirror a counter the card may never reach (a tear after
the ledger's answer), and the card's next honest tap elsewhere would look like a replay.
A tear leaves the entry in `card`; the next tap of that card settles it from the card's
(value, counter) with the card side's recovery logic: committed -> sent; not committed ->
cancelled (or, for a compensation, done again); anything else -> unresolved, for an operator.
Front-ends pass a request id per sale: a retried sale whose first tap did commit gets the first
tap's result instead of a second debit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from cardsvc.protocol.codes import ProtocolCode
from cardsvc.protocol.messages import CardEvidence, TransactionMsg
from reader_agent.agent.instruments import instrument_for_uid, uid_hex
from reader_agent.agent.outbox import Entry, Outbox, OutboxFull, State
from reader_agent.agent.results import OK_CODES, AgentCode, Mode, TapResult
from reader_agent.agent.risk import Refusal, RiskGate
from reader_agent.agent.sync import LedgerUnavailable, Syncer
from reader_agent.cards.desfire import DesfireClient
from reader_agent.cards.desfire_protocol import DesfireError, DesfireProtocolError
from reader_agent.cards.purse import (
    CardKeyProvider,
    PendingOperation,
    Purse,
    PurseCardError,
    PurseLayout,
    PurseOutcome,
    PurseResult,
    RecoveryDecision,
)
from reader_agent.cards.purse_recovery import PurseOperationKind
from reader_agent.drivers.base import Reader
from reader_agent.drivers.errors import ReaderError

log = logging.getLogger(__name__)
CARD_FAILURES = (ReaderError, DesfireError, DesfireProtocolError, PurseCardError)
CARD_KIND = {
    "redeem": PurseOperationKind.DEBIT,
    "top_up": PurseOperationKind.CREDIT,
    "issue": PurseOperationKind.CREDIT,
    "refund": PurseOperationKind.CREDIT,
}
# Operations only the ledger may decide (cash in, value given back): never decided offline, and
# set back on the card (a void the ledger applies right after them) when the ledger cannot be
# told. Not a card sale: the ledger voids no issue, so a sold card keeps its queued issue.
NEEDS_LEDGER = frozenset({"top_up", "refund"})
INVERSE = {
    PurseOperationKind.DEBIT: PurseOperationKind.LIMITED_CREDIT,
    PurseOperationKind.CREDIT: PurseOperationKind.DEBIT,
    PurseOperationKind.LIMITED_CREDIT: PurseOperationKind.DEBIT,
}


@dataclass(frozen=True)
class ValueRequest:
    op: str  # redeem, top_up, issue, refund
    amount: int
    program: str | None = None
    ref: str | None = None
    funding: str = "cash"
    request_id: str | None = None


Journal = Callable[[PendingOperation], None]


def run_kind(purse: Purse, kind: PurseOperationKind, amount: int, journal: Journal) -> PurseResult:
    operation = {
        PurseOperationKind.DEBIT: purse.debit,
        PurseOperationKind.CREDIT: purse.credit,
        PurseOperationKind.LIMITED_CREDIT: purse.limited_credit,
    }[kind]
    return operation(amount, journal)


def evidence(pending: PendingOperation) -> CardEvidence:
    return CardEvidence(
        uid=uid_hex(pending.uid),
        counter=pending.counter_before + 1,
        before=pending.value_before,
        after=pending.value_after,
    )


class PurseFlows:
    def __init__(
        self,
        keys: CardKeyProvider,
        layout: PurseLayout,
        outbox: Outbox,
        syncer: Syncer,
        risk: RiskGate,
        clock: Callable[[], int],
        wake_sync: Callable[[], None],
        online_backlog_max: int,
    ) -> None:
        self.keys, self.layout, self.outbox, self.syncer = keys, layout, outbox, syncer
        self.risk, self.clock, self.wake_sync = risk, clock, wake_sync
        self.online_backlog_max = online_backlog_max

    def purse(self, reader: Reader) -> Purse:
        return Purse(DesfireClient(reader.transmit), self.keys, self.layout)

    def online(self) -> bool:
        """Decide a tap online: the ledger is worth trying and the queue ahead is short."""
        return (
            self.syncer.available()
            and self.outbox.count(State.READY) <= self.online_backlog_max
        )

    # --- the value operation ---------------------------------------------------------------
    def operate(self, reader: Reader, uid: bytes, req: ValueRequest) -> TapResult:
        instrument = instrument_for_uid(uid)
        base = TapResult("", req.op, instrument=instrument, uid=uid_hex(uid), amount=req.amount,
                         unit="VND")  # a purse holds đồng
        refused = self.risk.blocked(instrument)
        online = self.online()
        if refused is None and not online:
            refused = (
                self.risk.offline_spend(uid_hex(uid), instrument, req.amount)
                if req.op == "redeem"
                else Refusal.OFFLINE_NOT_ALLOWED
            )
        if refused is not None:
            return _with(base, code=refused.value)
        shift = None if online else self.risk.shifts.ensure().id
        reserved: list[Entry] = []

        def journal(pending: PendingOperation) -> None:
            build = self.builder(req, instrument, pending)
            reserved.append(
                self.outbox.reserve(
                    build, on_card=pending, offline=not online, shift_id=shift,
                    request_id=req.request_id,
                )
            )  # fmt: skip

        try:
            result = run_kind(self.purse(reader), CARD_KIND[req.op], req.amount, journal)
        except OutboxFull as exc:
            return _with(base, code=AgentCode.QUEUE_FULL, detail=str(exc))
        except CARD_FAILURES as exc:
            if not reserved:
                blank = isinstance(exc, PurseCardError)
                code = AgentCode.NOT_PERSONALISED if blank else AgentCode.CARD_ERROR
                return _with(base, code=code, detail=str(exc))
            return self.torn(reader, reserved[0], base, exc)
        if result.outcome is not PurseOutcome.OK:
            return _with(base, code=result.outcome.value, card_value=result.value_after,
                         card_counter=result.counter_after)  # fmt: skip
        entry = reserved[0]
        self.outbox.settle_card(entry.seq, State.READY)
        return self.deliver(reader, entry, result, base, online)

    def builder(
        self, req: ValueRequest, instrument: str, pending: PendingOperation
    ) -> Callable[[str, int], TransactionMsg]:
        def build(tx_id: str, seq: int) -> TransactionMsg:
            return TransactionMsg(
                id=tx_id, seq=seq, op=req.op, instrument=instrument,
                amount=req.amount, ref=req.ref, program=req.program, funding=req.funding,
                occurred_at=self.clock(), card=evidence(pending),
            )  # fmt: skip

        return build

    def torn(self, reader: Reader, entry: Entry, base: TapResult, exc: Exception) -> TapResult:
        """The card failed after the journal: settle now if it is still there, else next tap."""
        log.info("purse operation %s interrupted: %s", entry.id, exc)
        try:
            settled = self.settle_entry(reader, entry)
        except CARD_FAILURES:
            return _with(base, code=AgentCode.CARD_REMOVED, tx_id=entry.id,
                         detail="the card left during the operation: tap it again")  # fmt: skip
        if settled.state is State.READY:
            return self._after_ready(entry, base)
        why = f"the operation did not happen on the card ({settled.state})"
        return _with(base, code=AgentCode.CARD_REMOVED, tx_id=entry.id, detail=why)

    def _after_ready(self, entry: Entry, base: TapResult) -> TapResult:
        card = entry.msg.card
        assert card is not None
        ready = _with(base, code=AgentCode.OK, tx_id=entry.id, card_value=card.after,
                      card_counter=card.counter, mode=Mode.QUEUED)  # fmt: skip
        self.wake_sync()
        return ready

    def deliver(
        self, reader: Reader, entry: Entry, result: PurseResult, base: TapResult, online: bool
    ) -> TapResult:
        done = _with(base, tx_id=entry.id, card_value=result.value_after,
                     card_counter=result.counter_after)  # fmt: skip
        if not online:
            self.wake_sync()
            return _with(done, code=AgentCode.OK, mode=Mode.OFFLINE)
        try:
            self.syncer.flush()
        except LedgerUnavailable as exc:
            if entry.msg.op in NEEDS_LEDGER:
                # decided online, and the ledger went away: the card is set back and the
                # operation refused (the customer's cash is not taken), never left queued
                refused = _with(done, code=AgentCode.LEDGER_UNAVAILABLE, detail=str(exc))
                return self._compensate(reader, entry, refused)
            self.wake_sync()
            return _with(done, code=AgentCode.OK, mode=Mode.QUEUED, detail=str(exc))
        answered = self.outbox.get(entry.id)
        assert answered is not None and answered.code is not None
        done = _with(done, code=answered.code, mode=Mode.ONLINE,
                     ledger_balance=answered.balance_after)  # fmt: skip
        if answered.code in OK_CODES or answered.code == ProtocolCode.CARD_REPLAY:
            return done
        return self._compensate(reader, entry, done)

    # --- compensation ------------------------------------------------------------------------
    def _compensate(self, reader: Reader, refused: Entry, done: TapResult) -> TapResult:
        """The ledger refused what the card already did: undo it on the card, tell the ledger."""
        assert refused.pending is not None
        kind = INVERSE[refused.pending.kind]
        reserved: list[Entry] = []

        def journal(pending: PendingOperation) -> None:
            reserved.append(self.outbox.reserve(
                _void_builder(refused, pending, self.clock), on_card=pending, must_complete=True
            ))  # fmt: skip

        try:
            result = run_kind(self.purse(reader), kind, refused.msg.amount, journal)
        except CARD_FAILURES as exc:
            log.warning("compensation of %s interrupted (%s): next tap", refused.id, exc)
            return _with(done, detail="the card must be tapped again to be set back")
        if result.outcome is not PurseOutcome.OK or not reserved:
            log.error("compensation of %s refused by the card: %s", refused.id, result.outcome)
            return _with(done, detail=f"card not set back: {result.outcome}")
        self.outbox.settle_card(reserved[0].seq, State.READY)
        self._try_flush()
        return _with(done, compensated=True, card_value=result.value_after,
                     card_counter=result.counter_after)  # fmt: skip

    def _try_flush(self) -> None:
        try:
            self.syncer.flush()
        except LedgerUnavailable:
            self.wake_sync()

    # --- recovery ----------------------------------------------------------------------------
    def settle(self, reader: Reader, uid: bytes) -> list[Entry]:
        """Settle every torn operation of this card (the first thing on each of its taps)."""
        settled = [self.settle_entry(reader, e) for e in self.outbox.on_card(uid_hex(uid))]
        if any(e.state is State.READY for e in settled):
            if self.syncer.available():
                self._try_flush()
            else:
                self.wake_sync()
        return settled

    def settle_entry(self, reader: Reader, entry: Entry) -> Entry:
        pending = entry.pending
        assert pending is not None, "an entry in state card has its pending operation"
        decision, _ = self.purse(reader).recover(pending)
        if decision is RecoveryDecision.NOT_COMMITTED and entry.must_complete:
            decision = self._redo(reader, pending)
        state = {
            RecoveryDecision.COMMITTED: State.READY,
            RecoveryDecision.NOT_COMMITTED: State.CANCELLED,
            RecoveryDecision.INCONCLUSIVE: State.UNRESOLVED,
        }[decision]
        if state is State.UNRESOLVED:
            log.error("card %s moved on since %s: left for an operator", entry.uid, entry.id)
        self.outbox.settle_card(entry.seq, state)
        return _replace_state(entry, state)

    def _redo(self, reader: Reader, pending: PendingOperation) -> RecoveryDecision:
        """A compensation that did not happen must still happen: do it again, identically."""

        def journal(now: PendingOperation) -> None:
            if now != pending:
                raise PurseCardError("the card changed since the compensation was planned")

        result = run_kind(self.purse(reader), pending.kind, pending.amount, journal)
        if result.outcome is not PurseOutcome.OK:
            return RecoveryDecision.INCONCLUSIVE
        return RecoveryDecision.COMMITTED


def _void_builder(
    refused: Entry, pending: PendingOperation, clock: Callable[[], int]
) -> Callable[[str, int], TransactionMsg]:
    def build(tx_id: str, seq: int) -> TransactionMsg:
        return TransactionMsg(
            id=tx_id, seq=seq, op="void", instrument=refused.msg.instrument, ref=refused.id,
            occurred_at=clock(), card=evidence(pending),
        )  # fmt: skip

    return build


def _with(result: TapResult, **changes: object) -> TapResult:
    return replace(result, **changes)  # type: ignore[arg-type]


def _replace_state(entry: Entry, state: State) -> Entry:
    return replace(entry, state=state)
