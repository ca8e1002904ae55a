"""Loyalty at the till: a purchase for a member (tap the member card: the sale earns points, and
may spend some as a tender) and staff adjustments of a member's points.

The member card only names the member (its instrument, from the UID): points live in the
ledger. A purchase that spends no points may be queued when the ledger is away (it earns when
it syncs, judged at the time it happened); spending or adjusting points needs the ledger, since
only the ledger knows what can be spent. Each goes through the durable outbox, exactly once.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from cardsvc.protocol.client import LedgerRefused
from cardsvc.protocol.messages import Tender, TransactionMsg
from reader_agent.agent.instruments import instrument_for_uid, uid_hex
from reader_agent.agent.outbox import OutboxFull, State
from reader_agent.agent.results import AgentCode, Mode, TapResult
from reader_agent.agent.sync import LedgerUnavailable

if TYPE_CHECKING:
    from reader_agent.agent.agent import Agent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PointsRequest:
    op: str  # purchase, award, deduct
    points: int  # purchase: spent as a tender; award / deduct: moved
    total: int = 0  # purchase: the receipt total (đồng)
    excluded: int = 0
    tenders: dict[Tender, int] | None = None
    reason: str | None = None
    request_id: str | None = None
    item: str | None = None  # reward: the catalog item ...
    campaign: str | None = None  # ... and the voucher campaign it issues

    @property
    def needs_ledger(self) -> bool:
        return self.op != "purchase" or self.points > 0

    def message(self, tx_id: str, seq: int, instrument: str, at: int) -> TransactionMsg:
        if self.op == "purchase":
            return TransactionMsg(
                id=tx_id, seq=seq, op="purchase", instrument=instrument, amount=self.points,
                purchase_amount=self.total, excluded=self.excluded, tenders=self.tenders,
                occurred_at=at,
            )  # fmt: skip
        if self.op == "reward":
            return TransactionMsg(
                id=tx_id, seq=seq, op="reward", instrument=instrument, amount=self.points,
                ref=self.item, counterparty=reward_voucher_id(tx_id), program=self.campaign,
                occurred_at=at,
            )  # fmt: skip
        return TransactionMsg(id=tx_id, seq=seq, op=self.op, instrument=instrument,
                              amount=self.points, reason=self.reason, occurred_at=at)  # fmt: skip


def reward_voucher_id(tx_id: str) -> str:
    """The voucher a reward issues, named from its transaction (a resend names the same one),
    short whatever the transaction id's length."""
    return "RV-" + hashlib.sha256(tx_id.encode()).hexdigest()[:24].upper()


def reward_voucher(agent: Agent, tx_id: str) -> dict[str, Any] | None:
    """The voucher a reward the ledger applied issued (code and signed QR), for the receipt;
    None when the ledger cannot say now (the counter can ask again by the transaction)."""
    try:
        return agent.client.reward_voucher(tx_id)
    except (LedgerRefused, httpx.HTTPError) as exc:
        log.warning("reward %s: no voucher yet: %s", tx_id, exc)
        return None


def _refusal(req: PointsRequest, uid: bytes, code: str, detail: str) -> TapResult:
    return TapResult(code, req.op, Mode.LOCAL, instrument_for_uid(uid), uid_hex(uid),
                     req.points, detail=detail)  # fmt: skip


def points_operation(agent: Agent, req: PointsRequest, timeout: float) -> TapResult:
    """Wait for the member card; a retried request answers its first result."""
    if req.op == "purchase" and req.total <= 0:
        raise ValueError("the receipt total must be a positive number of đồng")
    with agent.station.card(timeout) as (reader, info):
        uid = agent._uid(reader, info)
        if req.request_id is not None:
            entry = agent.outbox.by_request(req.request_id)
            if entry is not None and entry.state not in (State.CANCELLED, State.UNRESOLVED):
                from reader_agent.agent.agent import result_of

                return result_of(entry)
        return _send(agent, uid, req)


def _send(agent: Agent, uid: bytes, req: PointsRequest) -> TapResult:
    instrument = instrument_for_uid(uid)
    if agent.flows.risk.blocked(instrument) is not None:
        return _refusal(req, uid, "instrument_blocked", "on the hotlist")
    if req.needs_ledger and not agent.syncer.available():
        return _refusal(req, uid, AgentCode.LEDGER_UNAVAILABLE, "points need the ledger")
    now = agent.clock()
    try:
        entry = agent.outbox.reserve(lambda tx_id, seq: req.message(tx_id, seq, instrument, now),
                                     request_id=req.request_id)  # fmt: skip
    except OutboxFull as exc:
        return _refusal(req, uid, AgentCode.QUEUE_FULL, str(exc))
    try:
        agent.syncer.flush()
    except LedgerUnavailable as exc:
        log.warning("%s %s not answered yet: %s", req.op, entry.id, exc)
    from reader_agent.agent.agent import result_of

    answered = agent.outbox.get(entry.id)
    return result_of(answered if answered is not None else entry)
