"""Turning submissions (signed terminal requests, staff actions) into one ledger batch, applying
it with the core and persisting it: everything one group commit does inside one database
transaction. The committer (committer.py) decides which submissions form a group.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from sqlalchemy import Connection

from cardsvc.core import BATCH_MAX, Funding, Op, Policy, ResultCode, Transaction, apply
from cardsvc.protocol.codes import ProtocolCode
from cardsvc.protocol.messages import ResultMsg, TransactionMsg
from cardsvc.protocol.signing import SignatureRejected
from cardsvc.services.card_mirror import CardMirror
from cardsvc.services.programs import ProgramCache
from cardsvc.storage.db import driver_cursor, marker, markers, select_in
from cardsvc.storage.ledger_repo import LedgerRepository, TxMeta

# Enum members by value: a dict look-up per message instead of EnumType.__call__ (10x dearer).
_OP = {op.value: op for op in Op}
_FUNDING = {f.value: f for f in Funding}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who submits: a terminal (and its store), or a person acting through the API."""

    terminal_id: str
    store_id: str
    by_user: str | None = None


@dataclass(frozen=True, slots=True)
class Evidence:
    """The signed request as received, kept for non-repudiation (and replay refusal)."""

    key_id: str
    created: int
    nonce: str
    method: str
    path: str
    signature_input: str
    signature: str
    content_digest: str
    body: bytes


@dataclass(frozen=True, slots=True)
class SubmissionResult:
    request_id: int | None
    results: list[ResultMsg]


@dataclass(slots=True)
class Submission:
    actor: Actor
    txs: Sequence[TransactionMsg]
    evidence: Evidence | None = None
    future: Future[SubmissionResult] = field(default_factory=Future)


def commit_group(
    conn: Connection, programs: ProgramCache, group: Sequence[Submission], now: int, policy: Policy
) -> list[SubmissionResult | Exception]:
    """Apply every submission of the group in one batch; the caller commits the transaction."""
    outcomes: list[SubmissionResult | Exception | None] = [None] * len(group)
    request_ids = _store_evidence(conn, group, now)
    for i, sub in enumerate(group):
        if sub.evidence is not None and request_ids[i] is None:
            outcomes[i] = SignatureRejected("replay", "this request (key id, nonce) was seen")
    live = [i for i in range(len(group)) if outcomes[i] is None]
    plan = _BatchPlan(conn, programs, now)
    for i in live:
        plan.add(group[i], request_ids[i])
    results = plan.run(policy)
    for k, i in enumerate(live):  # results come per added submission, replays left out
        outcomes[i] = SubmissionResult(request_ids[i], results[k])
    return [o for o in outcomes if o is not None]


_EVIDENCE_COLS = (
    "terminal_id, key_id, created, nonce, method, path, signature_input, signature,"
    " content_digest, body, received_at"
)
_EVIDENCE_CHUNK = 500  # rows per INSERT: 11 parameters each, under SQLite's 32766


def _store_evidence(conn: Connection, group: Sequence[Submission], now: int) -> list[int | None]:
    """Keep the group's signed requests; per submission the stored id, or None when its
    (key id, nonce) was already kept (a replay, also of an earlier one in this group) or it
    carries no signature. One multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING per chunk,
    not one statement per request: the same SQL text on SQLite (>= 3.35) and PostgreSQL."""
    mark, cur = marker(conn), driver_cursor(conn)
    ids: list[int | None] = [None] * len(group)
    signed = [i for i, sub in enumerate(group) if sub.evidence is not None]
    for start in range(0, len(signed), _EVIDENCE_CHUNK):
        part = signed[start : start + _EVIDENCE_CHUNK]
        rows = ", ".join([f"({markers(mark, 11)})"] * len(part))
        cur.execute(
            f"INSERT INTO signed_requests ({_EVIDENCE_COLS}) VALUES {rows}"
            " ON CONFLICT (key_id, nonce) DO NOTHING RETURNING id, key_id, nonce",
            [value for i in part for value in _evidence_row(group[i], now)],
        )
        kept = {(key_id, nonce): int(rid) for rid, key_id, nonce in cur.fetchall()}
        for i in part:
            ev = group[i].evidence
            assert ev is not None
            ids[i] = kept.pop((ev.key_id, ev.nonce), None)  # the first of duplicates wins
    return ids


def _evidence_row(sub: Submission, now: int) -> tuple[object, ...]:
    ev = sub.evidence
    assert ev is not None
    return (
        sub.actor.terminal_id,
        ev.key_id,
        ev.created,
        ev.nonce,
        ev.method,
        ev.path,
        ev.signature_input,
        ev.signature,
        ev.content_digest,
        ev.body,
        now,
    )


class _BatchPlan:
    """Collects the group's transactions; decides protocol-level outcomes; runs the core."""

    def __init__(self, conn: Connection, programs: ProgramCache, now: int) -> None:
        self.conn, self.programs, self.now = conn, programs, now
        self.batch: list[Transaction] = []
        self.meta: dict[str, TxMeta] = {}
        # Per submission: per message, an index into `batch` or an already decided code.
        self.slots: list[list[tuple[TransactionMsg, int | str]]] = []
        self.claimed: dict[tuple[str, int], str] = {}  # (terminal, seq) -> tx id, this group
        self.cards = CardMirror(conn, now)
        self.replayed_cards: dict[str, None] = {}  # instruments to block (ordered set)

    def add(self, sub: Submission, request_id: int | None) -> None:
        msgs = list(sub.txs)
        decided = self._predecide(sub.actor, msgs)
        slots: list[tuple[TransactionMsg, int | str]] = []
        for msg, code in zip(msgs, decided, strict=True):
            if code is not None:
                slots.append((msg, code))
                continue
            slots.append((msg, len(self.batch)))
            self.batch.append(self._to_core(sub.actor, msg))
            self.meta[msg.id] = TxMeta(
                msg.seq or None,
                request_id,
                msg.occurred_at,
                sub.actor.by_user,
                msg.card.uid if msg.card else None,
                msg.card.counter if msg.card else None,
            )
        self.slots.append(slots)

    def _predecide(self, actor: Actor, msgs: list[TransactionMsg]) -> list[str | None]:
        """Outcomes decided before the core: protocol-level refusals, not recorded, so the
        terminal may correct and resend. A refused member fails its whole linked chain."""
        decided: list[str | None] = [None] * len(msgs)
        by_seq, by_id = _journal_of(self.conn, actor.terminal_id, msgs)
        for k, m in enumerate(msgs):
            if not m.seq:
                continue  # made by the service for a person (block, expire): no terminal sequence
            decided[k] = self._check_sequence(actor, m, by_seq, by_id) or self._check_program(m)
        for k, m in enumerate(msgs):
            resend = by_id.get(m.id) == m.seq
            if m.card is not None and decided[k] is None and not resend and not self.cards.judge(m):
                decided[k] = ProtocolCode.CARD_REPLAY
                self.replayed_cards[m.instrument] = None
        if msgs and msgs[-1].linked:  # a chain the request never closed
            for j in range(_chain_start(msgs, len(msgs) - 1), len(msgs)):
                decided[j] = ResultCode.LINKED_CHAIN_OPEN
        return _fail_chain_mates(msgs, decided)

    def _check_sequence(
        self, actor: Actor, m: TransactionMsg, by_seq: dict[int, str], by_id: dict[str, int]
    ) -> str | None:
        known_seq = by_id.get(m.id)
        if known_seq is not None and known_seq != m.seq:
            return ResultCode.EXISTS_WITH_DIFFERENT_FIELDS  # a resend must repeat its sequence
        owner = by_seq.get(m.seq) or self.claimed.get((actor.terminal_id, m.seq))
        self.claimed.setdefault((actor.terminal_id, m.seq), m.id)
        if owner is not None and owner != m.id:
            return ProtocolCode.SEQUENCE_REUSED
        return None

    def _check_program(self, m: TransactionMsg) -> str | None:
        if m.op != "issue":
            return None
        if m.program is None:
            return ProtocolCode.PROGRAM_REQUIRED
        if self.programs.get(self.conn, m.program) is None:
            return ProtocolCode.UNKNOWN_PROGRAM
        return None

    def _to_core(self, actor: Actor, m: TransactionMsg) -> Transaction:
        spec = None
        if m.op == "issue" and m.program is not None:
            spec = self.programs.spec_for_issue(self.conn, m.program, self.now)
        return Transaction(
            id=m.id,
            op=_OP[m.op],
            instrument=m.instrument,
            amount=m.amount,
            store=actor.store_id,
            terminal=actor.terminal_id,
            ref=m.ref,
            counterparty=m.counterparty,
            purchase_amount=m.purchase_amount,
            expires_at=m.expires_at,
            funding=_FUNDING[m.funding],
            spec=spec,
            linked=m.linked,
            occurred_at=m.occurred_at,
        )

    def run(self, policy: Policy) -> list[list[ResultMsg]]:
        repo = LedgerRepository(self.conn, self.programs)
        core_results = []
        if self.batch:
            state, existed = repo.load(self.batch, self.now)
            outcome = apply(state, self.batch, self.now, policy)
            repo.persist(state, existed, outcome.postings, self.meta, self.now)
            core_results = outcome.results
        self.cards.persist()
        self._block_replayed_cards(repo, policy)
        out = []
        for slots in self.slots:
            msgs = []
            for msg, slot in slots:
                if isinstance(slot, int):
                    r = core_results[slot]
                    msgs.append(
                        ResultMsg(
                            id=msg.id, seq=msg.seq, code=r.code, balance_after=r.balance_after
                        )
                    )
                else:
                    msgs.append(ResultMsg(id=msg.id, seq=msg.seq, code=slot))
            out.append(msgs)
        return out

    def _block_replayed_cards(self, repo: LedgerRepository, policy: Policy) -> None:
        """A restored or cloned purse card: block its instrument so terminals refuse it.

        Applied as batches of their own after the group's batch, so the group never exceeds
        BATCH_MAX however many cards replayed."""
        actor = Actor("ledger", "hq", by_user="card-mirror")
        instruments = list(self.replayed_cards)
        for i in range(0, len(instruments), BATCH_MAX):
            blocks, meta = [], {}
            for instrument in instruments[i : i + BATCH_MAX]:
                msg = service_instruction("block", instrument)
                blocks.append(self._to_core(actor, msg))
                meta[msg.id] = TxMeta(None, None, None, actor.by_user)
            state, existed = repo.load(blocks, self.now)
            outcome = apply(state, blocks, self.now, policy)
            repo.persist(state, existed, outcome.postings, meta, self.now)


def service_instruction(op: str, instrument: str) -> TransactionMsg:
    """A transaction the service makes for a person (block, unblock, expire): no terminal
    sequence (seq 0), an id of its own. Built without validation: `op` is not a terminal op."""
    return TransactionMsg.model_construct(
        id="svc-" + uuid.uuid4().hex,
        seq=0,
        op=op,  # type: ignore[arg-type]  # staff ops are not terminal ops
        instrument=instrument,
        amount=0,
        ref=None,
        counterparty=None,
        purchase_amount=0,
        expires_at=0,
        funding="cash",
        program=None,
        linked=False,
        occurred_at=None,
    )


def _chain_start(msgs: list[TransactionMsg], k: int) -> int:
    """Index of the first member of the chain that contains index k."""
    j = k
    while j > 0 and msgs[j - 1].linked:
        j -= 1
    return j


def _fail_chain_mates(msgs: list[TransactionMsg], decided: list[str | None]) -> list[str | None]:
    """A member decided before the core fails its whole chain: all or nothing."""
    start = 0
    for end, m in enumerate(msgs):
        if m.linked:
            continue
        members = range(start, end + 1)
        if end > start and any(decided[j] is not None for j in members):
            for j in members:
                decided[j] = decided[j] or ResultCode.LINKED_EVENT_FAILED
        start = end + 1
    return decided


def _journal_of(
    conn: Connection, terminal_id: str, msgs: Sequence[TransactionMsg]
) -> tuple[dict[int, str], dict[str, int]]:
    """This terminal's journal rows sharing a sequence number or an id with `msgs`:
    (seq -> id, id -> seq)."""
    mark, cur = marker(conn), driver_cursor(conn)
    numbered = [m for m in msgs if m.seq]
    head = f"FROM transactions WHERE terminal_id = {mark}"
    by_seq = select_in(
        cur,
        mark,
        f"SELECT seq, id {head} AND seq {{in_ids}}",
        [m.seq for m in numbered],
        terminal_id,
    )
    # By id alone, the terminal filtered here: given `terminal_id = ? AND id IN (500 ids)`,
    # SQLite's planner walks every journal row of the terminal through the (terminal_id, seq)
    # index instead of 500 primary-key look-ups, a cost that grows with the journal.
    by_id = select_in(
        cur, mark, "SELECT id, seq, terminal_id FROM transactions WHERE id {in_ids}",
        [m.id for m in numbered],
    )  # fmt: skip
    return dict(by_seq), {i: seq for i, seq, term in by_id if term == terminal_id}
