"""Ledger-to-card updates at a tap: value changed at the ledger (a top-up paid online or at
another store, a staff adjustment, a refund) written to the purse, exactly once.

At a tap of a purse card, online, before anything else happens to it:
  1. ask the ledger for the card's pending updates and the counter it last saw from the card;
  2. write them only when the card's counter is that counter: a card with taps the ledger has
     not seen (a tear at another till, offline taps not yet synced) may already carry one, so
     it waits until they have reached the ledger (the card's next tap, here or anywhere);
  3. each write goes through the purse flows like any other operation: journalled before the
     card changes, a Credit or Debit with the counter, then a `card_update` transaction (ref:
     the update id, with the card evidence) sent at once; a refusal (another till wrote it
     first) sets the card back, as any refused operation is.
The ledger accepts each update once (its id), and the anchor on the card's counter stops two
tills from writing the same update to the card; together: exactly once.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from cardsvc.protocol.client import LedgerClient, LedgerRefused
from reader_agent.agent.instruments import instrument_for_uid, uid_hex
from reader_agent.agent.outbox import Entry, OutboxFull, State
from reader_agent.agent.purse_flows import CARD_FAILURES, PurseFlows, ValueRequest, run_kind
from reader_agent.agent.results import OK_CODES, AgentCode, TapResult
from reader_agent.cards.purse import PendingOperation, PurseOutcome
from reader_agent.cards.purse_recovery import PurseOperationKind
from reader_agent.drivers.base import Reader

log = logging.getLogger(__name__)
UPDATES_MAX = 8  # per tap; the ledger sends at most this many, the rest wait for the next


def pending_for(client: LedgerClient, uid: bytes) -> dict[str, Any] | None:
    """The ledger's view of the card at this tap, or None when it cannot be asked now."""
    try:
        return client.card(uid_hex(uid))
    except (httpx.HTTPError, LedgerRefused) as exc:
        log.info("card updates for %s not fetched: %s", uid_hex(uid), exc)
        return None


def write_updates(flows: PurseFlows, client: LedgerClient, reader: Reader,
                  uid: bytes) -> list[TapResult]:  # fmt: skip
    """Write the card's pending updates (see the module docstring); what each write did."""
    name = instrument_for_uid(uid)
    if not flows.risk.hotlist.has_updates(name) or not flows.online():
        return []  # the list the sync loop fetches says which cards to ask about
    seen = pending_for(client, uid)
    if seen is None:
        return []
    if seen.get("state") != "active" or not seen.get("updates"):
        flows.risk.hotlist.updates_written(name)
        return []
    card = flows.purse(reader).balance()
    if card.counter_after != seen["card_counter"] or card.value_after != seen["card_value"]:
        log.info("card %s has taps the ledger has not seen: its updates wait", uid_hex(uid))
        return []
    done: list[TapResult] = []
    for update in seen["updates"][:UPDATES_MAX]:
        result = write_one(flows, reader, uid, str(update["id"]), int(update["amount"]))
        done.append(result)
        if result.code not in OK_CODES:
            return done  # a refusal or a tear: the rest wait for the next tap
    if len(seen["updates"]) < UPDATES_MAX:
        flows.risk.hotlist.updates_written(name)
    return done


def write_one(flows: PurseFlows, reader: Reader, uid: bytes, update_id: str,
              amount: int) -> TapResult:  # fmt: skip
    """Write one update (credit > 0, debit < 0) to the purse and report it."""
    kind = PurseOperationKind.CREDIT if amount > 0 else PurseOperationKind.DEBIT
    req = ValueRequest("card_update", abs(amount), ref=update_id)
    instrument = instrument_for_uid(uid)
    base = TapResult("", req.op, instrument=instrument, uid=uid_hex(uid), amount=abs(amount))
    reserved: list[Entry] = []

    def journal(pending: PendingOperation) -> None:
        build = flows.builder(req, instrument, pending)
        reserved.append(flows.outbox.reserve(build, on_card=pending))

    try:
        result = run_kind(flows.purse(reader), kind, abs(amount), journal)
    except OutboxFull as exc:
        return TapResult(AgentCode.QUEUE_FULL, req.op, detail=str(exc))
    except CARD_FAILURES as exc:
        if not reserved:
            return TapResult(AgentCode.CARD_ERROR, req.op, uid=uid_hex(uid), detail=str(exc))
        return flows.torn(reader, reserved[0], base, exc)
    if result.outcome is not PurseOutcome.OK:
        return TapResult(result.outcome.value, req.op, uid=uid_hex(uid), amount=abs(amount),
                         detail="the card cannot take this change")  # fmt: skip
    entry = reserved[0]
    flows.outbox.settle_card(entry.seq, State.READY)
    return flows.deliver(reader, entry, result, base, online=True)
