"""E-ticket admission at a gate (or a kiosk's self check-in), with or without the ledger.

A QR ticket is checked here first, always: signature and key against the stored key set,
validity window, revocation list, kind, the event's gates, and this terminal's own record of
entries and anti-passback (its outbox). An admission is then an outbox entry (a redemption of
one entry, amount 0), committed before anything is sent, with its sequence number: online the
ledger's answer decides; with the ledger down the gate decides and the entry waits in the
outbox, synced exactly once like every other transaction. A restart or kill -9 loses nothing:
what was admitted is in the outbox before the green screen shows.

A ticket card (a card whose instrument is a ticket) is admitted online only: no signed claims
travel with it, so without the ledger nothing says it is a ticket at all.

Every decision is logged (gate_log) for the gate's counters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from cardsvc.protocol import qr
from cardsvc.protocol.client import LedgerRefused
from cardsvc.protocol.messages import TransactionMsg
from reader_agent.agent.localdb import LocalDb
from reader_agent.agent.outbox import Entry, Outbox, OutboxFull, State
from reader_agent.agent.qr_kit import QrKit
from reader_agent.agent.sync import LedgerUnavailable, Syncer

ADMITTED_CODES = frozenset({"ok", "exists"})
# the ledger's refusal of a ticket used at a terminal its event does not list, said for a gate
LEDGER_CODES = {"not_accepted_here": "wrong_gate"}
LOG_KEPT = 200_000


@dataclass(frozen=True)
class Admission:
    ok: bool
    code: str  # ok, a QrReason, wrong_kind, wrong_gate, already_redeemed, passback, ...
    mode: str  # online (the ledger decided), offline (queued, decided here), local (refused here)
    source: str  # qr | card
    at: int
    instrument: str | None = None
    program: str | None = None
    entries_left: int | None = None
    tx_id: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class Checked:
    """A QR payload checked offline: the reason, and the claims when it could be read."""

    code: str
    claims: qr.QrClaims | None


class Gatekeeper:
    def __init__(
        self, terminal_id: str, db: LocalDb, kit: QrKit, outbox: Outbox, syncer: Syncer,
        clock: Callable[[], int],
    ) -> None:  # fmt: skip
        self.terminal_id, self.db, self.kit = terminal_id, db, kit
        self.outbox, self.syncer, self.clock = outbox, syncer, clock

    # --- checks ------------------------------------------------------------------------------
    def check(self, payload: str) -> Checked:
        """Signature, key, window, revocation list (nothing of this terminal's own record)."""
        ring = self.kit.keyring()
        if ring is None:
            return Checked("no_keyset", None)
        found = qr.verify(qr.normalise_scan(payload), ring, self.clock(), _Revoked(self.kit))
        return Checked(str(found.reason), found.claims)

    def allowed_here(self, program: str) -> bool:
        gates = self.kit.gates(program)
        return not gates or self.terminal_id in gates

    def _local_refusal(self, c: qr.QrClaims, now: int) -> str | None:
        if c.kind is not qr.QrKind.ETICKET:
            return "wrong_kind"
        if not self.allowed_here(c.program):
            return "wrong_gate"
        used, last = self.outbox.admissions(c.instrument)
        if c.entries is not None and used >= c.entries:
            return "already_redeemed"
        if last is not None and now < last + c.passback_s:
            return "passback"
        return None

    # --- admissions --------------------------------------------------------------------------
    def admit_qr(self, payload: str) -> Admission:
        now = self.clock()
        checked = self.check(payload)
        c = checked.claims
        if checked.code != "ok" or c is None:
            return self._log(Admission(False, checked.code, "local", "qr", now,
                                       c.instrument if c else None, c.program if c else None))
        base = Admission(False, "ok", "local", "qr", now, c.instrument, c.program)
        refusal = self._local_refusal(c, now)
        if refusal is not None:
            return self._log(replace(base, code=refusal))
        used, _ = self.outbox.admissions(c.instrument)
        left = None if c.entries is None else c.entries - used - 1
        return self._log(self._enter(replace(base, entries_left=left), offline_ok=True))

    def admit_card(self, instrument: str) -> Admission:
        """A tapped ticket card: the ledger decides, or nobody does."""
        base = Admission(False, "ok", "local", "card", self.clock(), instrument)
        if not self.syncer.available():
            return self._log(replace(base, code="card_needs_ledger"))
        try:  # the ledger answers now, before an entry is reserved that it might apply later
            self.syncer.flush()  # what waits ahead of this entry goes first
            self.syncer.lookup(instrument)
        except LedgerUnavailable as exc:
            return self._log(replace(base, code="card_needs_ledger", detail=str(exc)))
        except LedgerRefused as exc:  # not_found: a card that is no ticket (or nothing at all)
            return self._log(replace(base, code=exc.code, detail=exc.detail))
        return self._log(self._enter(base, offline_ok=False))

    def _enter(self, a: Admission, *, offline_ok: bool) -> Admission:
        assert a.instrument is not None

        def build(tx_id: str, seq: int) -> TransactionMsg:
            return TransactionMsg(id=tx_id, seq=seq, op="redeem", instrument=str(a.instrument),
                                  occurred_at=a.at)  # fmt: skip

        try:
            entry = self.outbox.reserve(build, offline=not self.syncer.available())
        except OutboxFull as exc:
            return replace(a, code="queue_full", detail=str(exc))
        if self.syncer.available():
            try:
                self.syncer.flush()
            except LedgerUnavailable as exc:
                a = replace(a, detail=str(exc))
        answered = self.outbox.get(entry.id) or entry
        return self._outcome(a, answered, offline_ok)

    def _outcome(self, a: Admission, entry: Entry, offline_ok: bool) -> Admission:
        a = replace(a, tx_id=entry.id)
        if entry.state is State.DONE:
            code = entry.code or ""
            ok = code in ADMITTED_CODES
            left = entry.balance_after if ok else a.entries_left
            return replace(a, ok=ok, code="ok" if ok else LEDGER_CODES.get(code, code),
                           mode="online", entries_left=left)  # fmt: skip
        if offline_ok:
            return replace(a, ok=True, code="ok", mode="offline")
        # a card the ledger did not answer for: its entry is sent again until answered (the
        # answer is final then), but nobody here can say now that it is a valid ticket
        return replace(a, code="ledger_no_answer", mode="offline")

    # --- the log and the counters ------------------------------------------------------------
    def _log(self, a: Admission) -> Admission:
        with self.db.write(fsync=False) as conn:  # counters only: the outbox holds the entry
            conn.execute(
                "INSERT INTO gate_log (at, source, instrument, code, admitted, mode, tx_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (a.at, a.source, a.instrument, a.code, int(a.ok), a.mode, a.tx_id),
            )
            conn.execute(
                "DELETE FROM gate_log WHERE id <= (SELECT max(id) FROM gate_log) - ?", (LOG_KEPT,)
            )
        return a

    def counts(self, since: int) -> tuple[int, int]:
        """(admitted, refused) since `since`."""
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT coalesce(sum(admitted), 0), count(*) - coalesce(sum(admitted), 0) "
                "FROM gate_log WHERE at >= ?",
                (since,),
            ).fetchone()
        return int(row[0]), int(row[1])


class _Revoked:
    """The stored revocation list as the verifier's `in` test (one indexed look-up)."""

    def __init__(self, kit: QrKit) -> None:
        self.kit = kit

    def __contains__(self, instrument: object) -> bool:
        return isinstance(instrument, str) and self.kit.revoked(instrument)
