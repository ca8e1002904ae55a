"""The code and QR of a voucher bought with points (a loyalty reward).

The reward transaction issued the voucher instrument in the ledger, atomically with the points
it cost. Its code is a bearer secret the core cannot make (no randomness there), so it is
derived here from the transaction id under the server's code pepper: the same reward always
gets the same code, a resend or a reprint shows it again, and nobody without the pepper can
compute it. Its hash is stored, as a printed code's is, the first time it is asked for.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from cardsvc.protocol.qr import encode
from cardsvc.services.errors import NotFound
from cardsvc.storage.campaigns import CodeRow
from cardsvc.vouchers.campaigns import get_campaign
from cardsvc.vouchers.codes import ALPHABET, RANDOM_CHARS, check_char, code_hash, display
from cardsvc.vouchers.generate import claims_for
from cardsvc.vouchers.service import Vouchers

_BITS = RANDOM_CHARS * 5


@dataclass(frozen=True, slots=True)
class RewardVoucher:
    tx_id: str
    member: str
    instrument: str
    campaign: str
    code: str  # displayed: XXXX-XXXX-XXXX-XXXX-C
    payload: str  # the signed QR text
    value: int
    valid_until: int | None


def reward_code(pepper: bytes, tx_id: str) -> str:
    """The canonical code of reward `tx_id`: 80 bits of HMAC-SHA256(pepper, tx id) in the
    codes' alphabet, with its check character."""
    digest = hmac.new(pepper, b"reward:" + tx_id.encode(), hashlib.sha256).digest()
    value = int.from_bytes(digest[: _BITS // 8], "big")
    body = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in range(RANDOM_CHARS))
    return body + check_char(body)


def _batch_id(tx_id: str) -> str:
    """A code batch per reward (the codes table names one); short whatever the tx id's length."""
    return "RW-" + hashlib.sha256(tx_id.encode()).hexdigest()[:24]


def reward_voucher(
    v: Vouchers, tx_id: str, by_user: str | None, terminal: str | None = None
) -> RewardVoucher:
    """The voucher reward `tx_id` issued, with its code and signed QR; NotFound unless the
    ledger applied it (and, for a terminal, unless that terminal sent it: a code is a bearer
    secret, given only to the till that sold it and to staff)."""
    signer = v.signer  # checked first: without keys nothing is stored
    code = reward_code(v.pepper, tx_id)
    hashed = code_hash(code, v.pepper)
    with v.db.write() as uow:
        found = uow.reports.reward(tx_id)
        if found is None or (terminal is not None and found[4] != terminal):
            raise NotFound(f"no reward {tx_id}")
        member, instrument, campaign_id, at, _ = found
        # Locked (PostgreSQL): two first asks for one reward cannot both store its code.
        campaign = get_campaign(uow, campaign_id, for_update=True)
        if uow.campaigns.code(hashed) is None:
            batch, cost = _batch_id(tx_id), campaign.worst_case_per_code()
            uow.campaigns.add_batch(batch, campaign_id, 1, cost, at, by_user)
            uow.campaigns.add_codes(campaign_id, batch, [CodeRow(hashed, instrument)], at)
            uow.campaigns.finish_batch(batch, 1, 0)
            if cost:  # what the voucher may cost is counted against the campaign, as printed
                uow.campaigns.commit_budget(campaign_id, cost)
    payload = encode(claims_for(campaign, instrument, at), signer)
    return RewardVoucher(tx_id, member, instrument, campaign_id, display(code), payload,
                         campaign.face_value, campaign.spec.valid_until)  # fmt: skip
