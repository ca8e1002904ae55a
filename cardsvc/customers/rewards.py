"""Rewards to customers (referral, birthday, feedback), each granted exactly once.

A reward is first recorded under its key (referral:<new>:referrer, birthday:<customer>:<year>,
feedback:<receipt>): a second attempt finds the key and stops. It is then credited as points to
the customer's member card through the ledger, with a transaction id made from the key, so a
retry after a crash between the two steps is answered `exists` by the ledger and never pays
twice. A customer without a member card keeps the reward pending until one is linked; the
rewards run settles pending ones.

Points are awarded through loyalty's service API (`award_points`: a new lot, exactly once per
key; a reversal is a `deduct`, which loyalty turns into debt when the points were spent). A
member program without loyalty rules gets a promotion-funded top-up instead (and a reversal
takes back what is left on the card with a service redemption).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from cardsvc.customers.records import current
from cardsvc.customers.service import Customers
from cardsvc.services import loyalty
from cardsvc.services.ingest import Actor, Submission
from cardsvc.services.instructions import ServiceInstruction
from cardsvc.storage.customer_rewards import RewardRow

log = logging.getLogger(__name__)

REWARDS_TERMINAL = "customers"  # the journal's terminal id for rewards the service makes
HQ_STORE = "hq"
SETTLE_BATCH = 200
TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Granted:
    key: str
    status: str  # granted, pending, reversed, exists
    code: str = ""  # the ledger's answer when it was asked


def tx_id(prefix: str, key: str) -> str:
    return prefix + hashlib.sha256(key.encode()).hexdigest()[:40]


def _submit(c: Customers, msg: ServiceInstruction) -> str:
    actor = Actor(REWARDS_TERMINAL, HQ_STORE)
    outcome = c.committer.submit(Submission(actor, [msg])).result(timeout=TIMEOUT_S)
    return outcome.results[0].code


def _credit(c: Customers, card: str, points: int, kind: str, key: str) -> tuple[str, str]:
    """(transaction id, ledger code) of crediting `points` for the reward `key`."""
    award = loyalty.adjustment("award", card, points, kind, tx_id("rw-", key))
    code = _submit(c, award)
    if code != "no_loyalty_rules":
        return award.id, code
    top_up = ServiceInstruction(id=tx_id("rw-", key), op="top_up", instrument=card,
                                amount=points, funding="promotion")  # fmt: skip
    return top_up.id, _submit(c, top_up)


def member_card(c: Customers, customer_id: str) -> tuple[str | None, int]:
    """The customer's member card (the first active one linked) and its balance."""
    with c.db.read() as uow:
        row = current(uow, customer_id)
        for inst in uow.customers.instruments_of(row.id):
            if inst.kind == "member" and inst.status == "active":
                return inst.id, inst.balance
    return None, 0


def grant(
    c: Customers, key: str, customer_id: str, kind: str, points: int, period: str = ""
) -> Granted:
    """Record the reward under `key` (once) and credit it if the customer has a member card."""
    with c.db.write() as uow:
        fresh = uow.customer_rewards.add_reward(key, customer_id, kind, period, points, c.clock())
    if not fresh:
        return Granted(key, "exists")
    return settle(c, key)


def settle(c: Customers, key: str) -> Granted:
    """Credit a pending reward (again: the ledger's transaction id makes it once)."""
    with c.db.read() as uow:
        reward = uow.customer_rewards.reward(key)
    assert reward is not None, key
    if reward.status != "pending":
        return Granted(key, reward.status)
    card, _ = member_card(c, reward.customer_id)
    if card is None:
        return Granted(key, "pending")
    txid, code = tx_id("rw-", key), "ok"
    if reward.points > 0:
        txid, code = _credit(c, card, reward.points, reward.kind, key)
    if code not in ("ok", "exists"):
        log.warning("reward %s for %s refused by the ledger: %s", key, reward.customer_id, code)
        return Granted(key, "pending", code)
    with c.db.write() as uow:
        uow.customer_rewards.mark_granted(key, card, txid, c.clock())
        uow.customers.event(reward.customer_id, "rewarded",
                            {"key": key, "points": reward.points, "tx": txid}, None, c.clock())
    return Granted(key, "granted", code)


def reverse(c: Customers, key: str) -> Granted:
    """Take a reward back (a refunded referral purchase): points still on the card go back;
    what was spent already stays spent (recorded in the trail as the shortfall)."""
    with c.db.read() as uow:
        reward = uow.customer_rewards.reward(key)
    if reward is None or reward.status == "reversed":
        return Granted(key, "reversed" if reward else "missing")
    code, shortfall = "", 0
    if reward.status == "granted" and reward.instrument_id and reward.points:
        awarded = (reward.tx_id or "").startswith("award:")
        code, shortfall = _deduct(c, reward) if awarded else _claw_back(c, reward)
        if code not in ("ok", "exists", ""):
            return Granted(key, reward.status, code)
    with c.db.write() as uow:
        uow.customer_rewards.mark_reversed(key, c.clock())
        uow.customers.event(reward.customer_id, "reward_reversed",
                            {"key": key, "shortfall": shortfall}, None, c.clock())
    return Granted(key, "reversed", code)


def _claw_back(c: Customers, reward: RewardRow) -> tuple[str, int]:
    assert reward.instrument_id is not None
    with c.db.read() as uow:
        owned = {i.id: i.balance for i in uow.customers.instruments_of(reward.customer_id)}
    take = min(reward.points, owned.get(reward.instrument_id, 0))
    if take <= 0:
        return "", reward.points
    code = _submit(c, ServiceInstruction(id=tx_id("rv-", reward.key), op="redeem",
                                         instrument=reward.instrument_id, amount=take))
    return code, reward.points - take


def _deduct(c: Customers, reward: RewardRow) -> tuple[str, int]:
    """Take an awarded reward back through loyalty (spent points become the member's debt)."""
    assert reward.instrument_id is not None
    msg = loyalty.adjustment("deduct", reward.instrument_id, reward.points, reward.kind,
                             tx_id("rv-", reward.key))  # fmt: skip
    return _submit(c, msg), 0


def settle_pending(c: Customers) -> int:
    """Credit every pending reward whose customer now has a member card; how many were."""
    done, after = 0, ""
    while True:
        with c.db.read() as uow:
            batch = uow.customer_rewards.pending_rewards(after, SETTLE_BATCH)
        for reward in batch:
            done += settle(c, reward.key).status == "granted"
        if len(batch) < SETTLE_BATCH:
            return done
        after = batch[-1].key
