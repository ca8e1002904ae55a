"""Turning submissions (signed terminal requests, staff actions) into one ledger batch, applying
it with the core and persisting it: everything one group commit does inside one unit of work.
The committer (committer.py) decides which submissions form a group.

Per group: keep the signed requests (replays refused), decide what the protocol refuses before
the core (sequence reuse, unknown program, open chains), judge purse-card reports against the
card mirror (one load for the group; a replayed card's instrument is blocked in the same batch),
then one `apply` and one write.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from cardsvc.core import (
    Earning,
    Funding,
    LedgerState,
    Op,
    Policy,
    Posting,
    Result,
    ResultCode,
    Transaction,
    apply,
)
from cardsvc.core.accounts import instrument_account
from cardsvc.core.card_mirror import CardReport, judge
from cardsvc.core.media import (
    MediaCode,
    Medium,
    MediumState,
    Seen,
    TornOutcome,
    route,
    torn_outcome,
    uid_named,
)
from cardsvc.protocol.codes import ProtocolCode
from cardsvc.protocol.messages import TransactionMsg
from cardsvc.protocol.signing import SignatureRejected
from cardsvc.protocol.wire import WireLoyalty, WireResult
from cardsvc.services.instructions import Instruction, staff_instruction
from cardsvc.storage.evidence import Evidence
from cardsvc.storage.ledger import TxMeta
from cardsvc.storage.media import UpdateRow
from cardsvc.storage.unit_of_work import UnitOfWork

__all__ = ["Actor", "Evidence", "Submission", "SubmissionResult", "commit_group"]

# Enum members by value: a dict look-up per message instead of EnumType.__call__ (10x dearer).
_OP = {op.value: op for op in Op}
_FUNDING = {f.value: f for f in Funding}
_CARD_MIRROR = "card-mirror"  # the journal's by_user for blocks the card mirror decides
_ADJUSTMENTS = frozenset({"award", "deduct"})


@dataclass(frozen=True, slots=True)
class Actor:
    """Who submits: a terminal (and its store), or a person acting through the API."""

    terminal_id: str
    store_id: str
    by_user: str | None = None


@dataclass(frozen=True, slots=True)
class SubmissionResult:
    request_id: int | None
    results: list[WireResult]  # msgspec structs: ~20x cheaper to build than the pydantic ResultMsg


@dataclass(slots=True)
class Submission:
    actor: Actor
    txs: Sequence[Instruction]
    evidence: Evidence | None = None
    future: Future[SubmissionResult] = field(default_factory=Future)


def commit_group(
    uow: UnitOfWork, group: Sequence[Submission], now: int, policy: Policy
) -> list[SubmissionResult | Exception]:
    """Apply every submission of the group in one batch; the caller commits the unit of work."""
    outcomes: list[SubmissionResult | Exception | None] = [None] * len(group)
    request_ids = _keep_evidence(uow, group, now)
    for i, sub in enumerate(group):
        if sub.evidence is not None and request_ids[i] is None:
            outcomes[i] = SignatureRejected("replay", "this request (key id, nonce) was seen")
    live = [i for i in range(len(group)) if outcomes[i] is None]
    plan = _BatchPlan(uow, now)
    plan.read_journals([group[i] for i in live])
    for i in live:
        plan.add(group[i], request_ids[i])
    results = plan.run(policy)
    for k, i in enumerate(live):  # results come per added submission, replays left out
        outcomes[i] = SubmissionResult(request_ids[i], results[k])
    return [o for o in outcomes if o is not None]


def _keep_evidence(uow: UnitOfWork, group: Sequence[Submission], now: int) -> list[int | None]:
    """Per submission the id of its kept signed request; None when it carries no signature
    or its (key id, nonce) was already kept (a replay)."""
    ids: list[int | None] = [None] * len(group)
    signed = [i for i, sub in enumerate(group) if sub.evidence is not None]
    kept = uow.evidence.keep(
        [(group[i].actor.terminal_id, ev) for i in signed if (ev := group[i].evidence)], now
    )
    for i, request_id in zip(signed, kept, strict=True):
        ids[i] = request_id
    return ids


@dataclass(slots=True)
class _Added:
    """One submission in the plan: its messages and, per message, a code decided before the
    core (None: the core decides) and whether it resends a journalled transaction."""

    sub: Submission
    request_id: int | None
    msgs: list[Instruction]
    decided: list[str | None]
    resend: list[bool]
    slots: list[int | str] = field(default_factory=list)  # index into the batch, or a code
    # The instrument each message applies to once its card is routed through the media
    # table (None: the one it names).
    routed: list[str | None] = field(default_factory=list)
    silent: bool = False  # a torn operation applied for its till: nobody waits for an answer

    def instrument(self, k: int) -> str:
        return self.routed[k] or self.msgs[k].instrument


class _BatchPlan:
    """Collects the group's instructions; decides protocol-level outcomes; runs the core."""

    def __init__(self, uow: UnitOfWork, now: int) -> None:
        self.uow, self.now = uow, now
        self.added: list[_Added] = []
        self.claimed: dict[tuple[str, int], str] = {}  # (terminal, seq) -> tx id, this group
        self._updates: dict[str, UpdateRow] | None = None
        self.journals: dict[str, tuple[dict[int, str], dict[str, int]]] = {}  # per terminal

    def read_journals(self, subs: Sequence[Submission]) -> None:
        """The journal rows every submission's sequence checks need: one look-up per terminal
        for the whole group, not one per submission (online, a group is ~60 one-transaction
        requests, mostly from a few terminals: each look-up is a round trip on PostgreSQL)."""
        wanted: dict[str, tuple[list[int], list[str]]] = {}
        for sub in subs:
            seqs, ids = wanted.setdefault(sub.actor.terminal_id, ([], []))
            for m in sub.txs:
                if m.seq:
                    seqs.append(m.seq)
                    ids.append(m.id)
        for terminal, (seqs, ids) in wanted.items():
            self.journals[terminal] = self.uow.evidence.journal_of(terminal, seqs, ids)

    def add(self, sub: Submission, request_id: int | None) -> None:
        msgs = list(sub.txs)
        decided: list[str | None] = [None] * len(msgs)
        terminal = sub.actor.terminal_id
        if terminal not in self.journals:
            numbered = [m for m in msgs if m.seq]
            self.journals[terminal] = self.uow.evidence.journal_of(
                terminal, [m.seq for m in numbered], [m.id for m in numbered]
            )
        by_seq, by_id = self.journals[terminal]
        for k, m in enumerate(msgs):
            if not m.seq:
                continue  # made by the service for a person (block, expire): no terminal sequence
            decided[k] = self._check_sequence(sub.actor, m, by_seq, by_id) or self._check_program(m)
        resend = [by_id.get(m.id) == m.seq for m in msgs]
        routed: list[str | None] = [None] * len(msgs)
        self.added.append(_Added(sub, request_id, msgs, decided, resend, routed=routed))

    def _check_sequence(
        self, actor: Actor, m: Instruction, by_seq: dict[int, str], by_id: dict[str, int]
    ) -> str | None:
        known_seq = by_id.get(m.id)
        if known_seq is not None and known_seq != m.seq:
            return ResultCode.EXISTS_WITH_DIFFERENT_FIELDS  # a resend must repeat its sequence
        owner = by_seq.get(m.seq) or self.claimed.get((actor.terminal_id, m.seq))
        self.claimed.setdefault((actor.terminal_id, m.seq), m.id)
        if owner is not None and owner != m.id:
            return ProtocolCode.SEQUENCE_REUSED
        return None

    def _check_program(self, m: Instruction) -> str | None:
        if m.op != "issue" and m.op != "reward":
            return None
        if m.program is None:
            return ProtocolCode.PROGRAM_REQUIRED
        if not self.uow.programs.exists(m.program):
            return ProtocolCode.UNKNOWN_PROGRAM
        return None

    def run(self, policy: Policy) -> list[list[WireResult]]:
        injected = self._settle_torn()
        new_media = self._route_media()
        self._same_write_elsewhere()
        to_block = self._judge_cards()
        writes = self._check_card_updates()
        for a in self.added:
            _limit_adjustments(a.msgs, a.decided, policy.terminal_adjust_max)
            _close_chains(a.msgs, a.decided)
        batch: list[Transaction] = []
        meta: dict[str, TxMeta] = {}
        for a in self.added:
            for k, (m, code) in enumerate(zip(a.msgs, a.decided, strict=True)):
                a.slots.append(code if code is not None else len(batch))
                if code is None:
                    batch.append(self._to_core(a.sub.actor, m, a.routed[k]))
                    meta[m.id] = _meta(m, a.request_id, a.sub.actor.by_user)
        self._add_blocks(to_block, batch, meta)
        core_results: list[Result] = []
        loyalty: dict[str, Earning] = {}
        if batch:
            repo = self.uow.ledger
            state, existed = repo.load(batch, self.now)
            outcome = apply(state, batch, self.now, policy)
            repo.persist(state, existed, outcome.postings, meta, self.now)
            core_results = outcome.results
            if state.loyalty:  # only batches with loyalty members have anything to say
                loyalty = _loyalty_of(state, batch)
            self._queue_expiries(batch, outcome.results, outcome.postings)
        self._add_media(new_media, core_results)
        self._mark_written(writes, core_results)
        self._torn_refused(injected, core_results)
        return [self._answers(a, core_results, loyalty) for a in self.added if not a.silent]

    def _queue_expiries(
        self, batch: Sequence[Transaction], results: Sequence[Result], postings: Sequence[Posting]
    ) -> None:
        """An expired instrument's purse card still holds the value the ledger just moved to
        breakage: a debit is queued for it, written at its next tap before it is refused."""
        expired = {tx.id: tx.instrument for tx, r in zip(batch, results, strict=True)
                   if tx.op is Op.EXPIRE and r.code is ResultCode.OK}  # fmt: skip
        for tx_id, instrument in expired.items():
            own = instrument_account(instrument)
            amount = -sum(p.amount for p in postings if p.tx_id == tx_id and p.account == own)
            purse = any(r.medium.card_type == "desfire" for r in
                        self.uow.media.of_instrument(instrument))  # fmt: skip
            if amount > 0 and purse:
                self.uow.media.add_update({
                    "id": "cu-" + tx_id, "instrument_id": instrument, "amount": -amount,
                    "reason": "expiry", "source_tx": tx_id, "note": None,
                    "created_at": self.now, "by_user": None, "state": "pending",
                })  # fmt: skip

    def _settle_torn(self) -> list[tuple[_Added, str]]:
        """Torn operations tills reported (their card left and did not come back) are settled
        from this group's reports of the same cards (cardsvc.core.media.torn_outcome). One that
        happened on the card is applied here, ahead of the report that revealed it, as its
        till would have sent it (the signed report is its evidence)."""
        seen: dict[str, list[Seen]] = {}
        for a in self.added:
            for k, m in enumerate(a.msgs):
                if m.card is not None and a.decided[k] is None:
                    seen.setdefault(m.card.uid, []).append(Seen(m.id, m.card.counter,
                                                                m.card.before))  # fmt: skip
        torn = self.uow.media.open_torn(seen) if seen else []
        if not torn:
            return []
        journalled = self.uow.card_mirror.journalled({(t.uid, t.counter) for t, _, _, _ in torn})
        sent = self.uow.media.journalled_instruments([t.tx_id for t, _, _, _ in torn])
        injected = []
        for t, terminal, body, request_id in torn:
            outcome = torn_outcome(t, seen[t.uid], (t.uid, t.counter) in journalled)
            if t.tx_id in sent:
                outcome = TornOutcome.SENT
            if outcome is TornOutcome.OPEN:
                continue
            if outcome is TornOutcome.COMMITTED:
                injected.append((self._inject(terminal, body, request_id), t.tx_id))
            self.uow.media.settle_torn(t.tx_id, str(outcome), self.now, seen[t.uid][0].tx_id)
        return injected

    def _inject(self, terminal: str, body: str, request_id: int | None) -> _Added:
        msg = TransactionMsg.model_validate_json(body)
        by_seq, by_id = self.uow.evidence.journal_of(terminal, [msg.seq], [msg.id])
        known = self.journals.setdefault(terminal, ({}, {}))
        known[0].update(by_seq)
        known[1].update(by_id)
        row = self.uow.terminals.get(terminal)
        self.add(Submission(Actor(terminal, row.store_id if row else "hq"), [msg]), request_id)
        added = self.added.pop()
        added.silent = True
        self.added.insert(0, added)  # before the report that revealed it: counters in order
        return added

    def _torn_refused(
        self, injected: list[tuple[_Added, str]], core_results: Sequence[Result]
    ) -> None:
        """A torn operation the card did but the ledger refuses: left to finance."""
        for a, tx_id in injected:
            slot = a.slots[0]
            code = core_results[slot].code if isinstance(slot, int) else slot
            if code not in (ResultCode.OK, ResultCode.EXISTS):
                self.uow.media.settle_torn(tx_id, "refused", self.now, None)

    def _update_rows(self) -> dict[str, UpdateRow]:
        """The queued updates the group's card writes name (locked; loaded once)."""
        if self._updates is None:
            refs = {m.ref for a in self.added for m in a.msgs
                    if m.op == "card_update" and m.ref is not None}  # fmt: skip
            self._updates = self.uow.media.updates(refs, lock=True) if refs else {}
        return self._updates

    def _same_write_elsewhere(self) -> None:
        """A till whose write of an update was torn cannot tell, when the card comes back, its
        own write from another till's write of the same update at the same counter (the card
        looks the same). It was the other's: the card's counter takes one operation only. So
        such a report is answered `card_update_applied`, not judged a replay."""
        if not any(m.op == "card_update" for a in self.added for m in a.msgs):
            return
        rows = self._update_rows()
        for a in self.added:
            for k, m in enumerate(a.msgs):
                row = rows.get(m.ref) if m.op == "card_update" and m.ref else None
                if row is None or m.card is None or a.decided[k] is not None or a.resend[k]:
                    continue
                same_place = (row.written_uid, row.written_counter) == (m.card.uid, m.card.counter)
                if row.state == "written" and same_place and row.written_tx != m.id:
                    a.decided[k] = ProtocolCode.CARD_UPDATE_APPLIED

    def _check_card_updates(self) -> list[tuple[_Added, int, str]]:
        """A `card_update` reports a queued update written to the card: accepted once per
        update (a second tap that wrote it too is refused, and the agent sets its card back),
        and only when the card changed by exactly the update. Judged after the mirror, which
        follows the card either way."""
        found: list[tuple[_Added, int, str]] = []
        for a in self.added:
            for k, m in enumerate(a.msgs):
                if m.op == "card_update" and a.decided[k] is None and not a.resend[k]:
                    if m.ref is None or m.card is None:
                        a.decided[k] = ProtocolCode.CARD_UPDATE_MISMATCH
                    else:
                        found.append((a, k, m.ref))
        if not found:
            return []
        updates = self._update_rows()
        claimed: set[str] = set()
        accepted = []
        for a, k, ref in found:
            code = _update_refusal(updates.get(ref), a.msgs[k], a.instrument(k), ref in claimed)
            if code is not None:
                a.decided[k] = code
            else:
                claimed.add(ref)
                accepted.append((a, k, ref))
        return accepted

    def _mark_written(
        self, writes: list[tuple[_Added, int, str]], core_results: Sequence[Result]
    ) -> None:
        rows = []
        for a, k, ref in writes:
            slot, card = a.slots[k], a.msgs[k].card
            if isinstance(slot, int) and core_results[slot].code is ResultCode.OK:
                assert card is not None
                rows.append((ref, a.msgs[k].id, card.uid, card.counter))
        if rows:
            self.uow.media.mark_written(rows, self.now)

    def _route_media(self) -> dict[str, tuple[_Added, int]]:
        """Terminals name a card's instrument by the card (`card-<UID>`); route each terminal
        message on a known card to the instrument its medium belongs to, or refuse it (a
        blocked or foreign card). One locked read of the group's media. Returns the cards
        without a medium that this group issues (their medium is added once issued)."""
        uids: list[tuple[_Added, int, str]] = []
        for a in self.added:
            for k, m in enumerate(a.msgs):
                if not m.seq or a.decided[k] is not None:
                    continue  # made by the service: it names the instrument itself
                uid = m.card.uid if m.card is not None else uid_named(m.instrument)
                if uid is not None:
                    uids.append((a, k, uid))
        if not uids:
            return {}
        media = self.uow.media.for_uids({uid for _, _, uid in uids}, lock=True)
        first = self._resent_instruments([(a, k) for a, k, uid in uids if uid in media])
        issued: dict[str, tuple[_Added, int]] = {}
        for a, k, uid in uids:
            m = a.msgs[k]
            medium = media.get(uid)
            if medium is None:
                if m.op == "issue" and uid_named(m.instrument) == uid:
                    issued.setdefault(uid, (a, k))
                continue
            if a.resend[k]:  # a resend is judged as it first was: same instrument
                a.routed[k] = first.get(m.id)
                continue
            target = route(medium, m.instrument, uid, m.op, self.now)
            if isinstance(target, MediaCode):
                a.decided[k] = ProtocolCode(target.value)
            elif target != m.instrument:
                a.routed[k] = target
        return issued

    def _resent_instruments(self, resent: list[tuple[_Added, int]]) -> dict[str, str]:
        ids = [a.msgs[k].id for a, k in resent if a.resend[k]]
        return self.uow.media.journalled_instruments(ids) if ids else {}

    def _add_media(
        self, issued: dict[str, tuple[_Added, int]], core_results: Sequence[Result]
    ) -> None:
        """A card issued by a terminal gets its medium (purse cards report evidence)."""
        for uid, (a, k) in issued.items():
            slot = a.slots[k]
            if not isinstance(slot, int) or core_results[slot].code is not ResultCode.OK:
                continue
            m = a.msgs[k]
            kind = "desfire" if m.card is not None else "uid"
            medium = Medium(uid, m.instrument, kind, MediumState.ACTIVE)
            self.uow.media.add(medium, self.now, None)

    def _judge_cards(self) -> list[str]:
        """Judge every purse-card report of the group at once (one load); a replay refuses
        its transaction. Returns the instruments to block."""
        reports: list[CardReport] = []
        where: list[tuple[_Added, int]] = []
        for a in self.added:
            for k, m in enumerate(a.msgs):
                card = m.card
                if card is not None and a.decided[k] is None and not a.resend[k]:
                    reports.append(
                        CardReport(m.id, a.instrument(k), card.uid, card.counter, card.before,
                                   card.after)
                    )  # fmt: skip
                    where.append((a, k))
        if not reports:
            return []
        mirror = self.uow.card_mirror
        verdict = judge(
            mirror.load({r.uid for r in reports}),
            mirror.journalled({(r.uid, r.counter) for r in reports}),
            reports,
        )
        for (a, k), replayed in zip(where, verdict.replayed, strict=True):
            if replayed:
                a.decided[k] = ProtocolCode.CARD_REPLAY
        mirror.save(verdict.mirror, verdict.alerts, self.now)
        return list(verdict.to_block)

    def _add_blocks(
        self, instruments: list[str], batch: list[Transaction], meta: dict[str, TxMeta]
    ) -> None:
        """A restored or cloned purse card: block its instrument so terminals refuse it, at the
        end of the same batch. Each block stands in for at least one refused replay, so the
        batch never grows past the group's size."""
        actor = Actor("ledger", "hq", by_user=_CARD_MIRROR)
        for instrument in instruments:
            block = staff_instruction("block", instrument)
            batch.append(self._to_core(actor, block))
            meta[block.id] = TxMeta(None, None, None, _CARD_MIRROR)

    def _to_core(self, actor: Actor, m: Instruction, routed: str | None = None) -> Transaction:
        spec = None
        if (m.op == "issue" or m.op == "reward") and m.program is not None:
            spec = self.uow.programs.spec_for_issue(m.program, self.now)
        return Transaction(
            id=m.id,
            op=_OP[m.op],
            instrument=routed or m.instrument,
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
            excluded=m.excluded,
            tenders=() if m.tenders is None else tuple(sorted(m.tenders.items())),
            reason=m.reason,
        )

    @staticmethod
    def _answers(
        a: _Added, core_results: Sequence[Result], loyalty: dict[str, Earning]
    ) -> list[WireResult]:
        out = []
        for m, slot in zip(a.msgs, a.slots, strict=True):
            if isinstance(slot, int):
                r = core_results[slot]
                done = loyalty.get(m.id) if loyalty else None
                points = None if done is None else loyalty_msg(done)
                out.append(WireResult(m.id, m.seq, str(r.code), r.balance_after, points))
            else:
                out.append(WireResult(m.id, m.seq, slot))
        return out


def _update_refusal(
    update: UpdateRow | None, m: Instruction, instrument: str, claimed: bool
) -> ProtocolCode | None:
    """Why a card write of `update` is refused (None: it is the write the ledger waits for)."""
    if update is None or update.state == "cancelled" or update.instrument != instrument:
        return ProtocolCode.CARD_UPDATE_UNKNOWN
    if update.state != "pending" or claimed:
        return ProtocolCode.CARD_UPDATE_APPLIED
    card = m.card
    assert card is not None
    if abs(update.amount) != m.amount or card.after - card.before != update.amount:
        return ProtocolCode.CARD_UPDATE_MISMATCH
    return None


def _meta(m: Instruction, request_id: int | None, by_user: str | None) -> TxMeta:
    card = m.card
    return TxMeta(
        m.seq or None,
        request_id,
        m.occurred_at,
        by_user,
        card.uid if card else None,
        card.counter if card else None,
    )


def _loyalty_of(state: LedgerState, batch: Sequence[Transaction]) -> dict[str, Earning]:
    """What each loyalty transaction of the batch did (a resend: what it did the first time)."""
    found = {}
    for tx in batch:
        rec = state.records.get(tx.id)
        if rec is not None and rec.loyalty is not None:
            found[tx.id] = rec.loyalty
    return found


def loyalty_msg(done: Earning) -> WireLoyalty:
    lot = done.lot
    return WireLoyalty(
        earned=done.earned, debt_paid=done.debt_paid, rules=list(done.rules),
        spent=sum(n for _, _, n in done.spent), available_at=lot[1] or None if lot else None,
        expires_at=lot[0] if lot else None, clawed=done.clawed, returned=done.returned,
        debt_added=done.debt_added, cash_deducted=done.cash_deducted, tier=done.tier,
    )  # fmt: skip


def _limit_adjustments(msgs: list[Instruction], decided: list[str | None], most: int) -> None:
    """A till may adjust a member's points by at most `most` in one go; more needs a person
    with the role for it (the API, audited by name)."""
    for k, m in enumerate(msgs):
        if m.seq and decided[k] is None and m.op in _ADJUSTMENTS and m.amount > most:
            decided[k] = ResultCode.LIMIT_EXCEEDED


def _close_chains(msgs: list[Instruction], decided: list[str | None]) -> None:
    """A chain the request never closed fails whole; a member decided before the core fails
    its whole chain: all or nothing."""
    if msgs and msgs[-1].linked:
        for j in range(_chain_start(msgs, len(msgs) - 1), len(msgs)):
            decided[j] = ResultCode.LINKED_CHAIN_OPEN
    start = 0
    for end, m in enumerate(msgs):
        if m.linked:
            continue
        members = range(start, end + 1)
        if end > start and any(decided[j] is not None for j in members):
            for j in members:
                decided[j] = decided[j] or ResultCode.LINKED_EVENT_FAILED
        start = end + 1


def _chain_start(msgs: list[Instruction], k: int) -> int:
    """Index of the first member of the chain that contains index k."""
    j = k
    while j > 0 and msgs[j - 1].linked:
        j -= 1
    return j
