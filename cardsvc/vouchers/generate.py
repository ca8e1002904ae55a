"""Bulk generation: reserve the budget, make unique codes, store their hashes, issue the
instruments through the ledger, sign a QR payload for each.

Steps, each its own database transaction so a crash leaves a readable trail:
1. reserve: lock the campaign, commit the worst case to its budget, record the batch;
2. store: the code hashes -> instrument ids (the codes themselves are never stored);
3. issue (vouchers, tickets): issue transactions through the group committer, promotion-funded,
   in ledger-sized chunks. Gift cards are issued later, at the till, when sold for cash;
4. sign: one QR payload per code; finish: mark the batch issued and give back the budget of any
   code the ledger refused (its mapping is deleted, so it can never be found).
The codes and payloads are returned once, to be written out; nobody can ask for them again.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from cardsvc.protocol.qr import QrClaims, QrSigner, encode
from cardsvc.services.errors import Invalid
from cardsvc.services.ingest import Actor, Submission
from cardsvc.services.instructions import ServiceInstruction
from cardsvc.services.loyalty_catalog import tier_only
from cardsvc.storage.campaigns import CodeRow
from cardsvc.vouchers.campaigns import Campaign, get_campaign, reserve_budget
from cardsvc.vouchers.codes import code_hash, new_code, new_instrument_id
from cardsvc.vouchers.service import Vouchers

MAX_COUNT = 1_000_000
STORE_CHUNK = 5_000
ISSUE_CHUNK = 4_096
ISSUER_TERMINAL = "vouchers"  # the journal's terminal id for issues made by generation
HQ_STORE = "hq"
ID_PREFIX = {"gift": "G", "voucher": "V", "eticket": "T"}

Progress = Callable[[str, int, int], None]  # stage, done, total


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True, slots=True)
class IssuedCode:
    code: str  # canonical form; print with codes.display()
    instrument: str
    payload: str  # the signed QR text


@dataclass
class Generated:
    batch_id: str
    campaign: Campaign
    issued_at: int
    codes: list[IssuedCode]
    reserved: int
    refused: list[tuple[str, str]] = field(default_factory=list)  # (instrument, ledger code)


def generate(
    v: Vouchers,
    campaign_id: str,
    count: int,
    by_user: str | None,
    progress: Progress = _no_progress,
) -> Generated:
    """Make `count` codes for a campaign.

    Raises Conflict (budget_exceeded), NotFound, ValueError or VouchersNotConfigured (no
    active QR key); nothing is reserved then.
    """
    if not 1 <= count <= MAX_COUNT:
        raise ValueError(f"count must be 1..{MAX_COUNT}")
    signer = v.signer  # the newest active key now, one for the whole batch; checked first
    now = v.clock()
    batch_id = "B-" + secrets.token_hex(8)
    with v.db.write() as uow:
        campaign = get_campaign(uow, campaign_id, for_update=True)
        tier = tier_only(uow, campaign.id, now)
        if tier is not None:
            raise Invalid(f"campaign {campaign.id} is for the {tier} tier only: its vouchers are"
                          " bought with points in the rewards catalog, never printed")  # fmt: skip
        reserved = reserve_budget(uow, campaign, count)
        uow.campaigns.add_batch(batch_id, campaign.id, count, reserved, now, by_user)
    pairs = _unique_codes(campaign, count, progress)
    _store(v, campaign, batch_id, pairs, now, progress)
    refused: list[tuple[str, str]] = []
    if campaign.issued_at_generation:
        refused = _issue(v, campaign, [inst for _, inst in pairs], by_user, progress)
    bad = {inst for inst, _ in refused}
    issued = [IssuedCode(c, i, "") for c, i in pairs if i not in bad]
    signed = _sign(signer, campaign, issued, now, progress)
    _finish(v, campaign, batch_id, len(signed), refused)
    return Generated(batch_id, campaign, now, signed, reserved, refused)


def _unique_codes(campaign: Campaign, count: int, progress: Progress) -> list[tuple[str, str]]:
    seen: set[str] = set()
    pairs: list[tuple[str, str]] = []
    prefix = ID_PREFIX[campaign.kind]
    while len(pairs) < count:  # bounded: a repeat among 2**80 values is vanishingly rare
        code = new_code()
        if code not in seen:
            seen.add(code)
            pairs.append((code, new_instrument_id(prefix)))
            if len(pairs) % 10_000 == 0:
                progress("codes", len(pairs), count)
    progress("codes", count, count)
    return pairs


def _chunks(items: Sequence[tuple[str, str]] | Sequence[str], size: int) -> Iterator[int]:
    return iter(range(0, len(items), size))


def _store(
    v: Vouchers, campaign: Campaign, batch_id: str, pairs: list[tuple[str, str]], now: int,
    progress: Progress,
) -> None:
    pepper = v.pepper
    with v.db.write() as uow:
        for start in _chunks(pairs, STORE_CHUNK):
            rows = [CodeRow(code_hash(c, pepper), i) for c, i in pairs[start : start + STORE_CHUNK]]
            uow.campaigns.add_codes(campaign.id, batch_id, rows, now)
            progress("store", min(start + STORE_CHUNK, len(pairs)), len(pairs))


def issue_message(campaign: Campaign, instrument: str) -> ServiceInstruction:
    """The issue transaction for a printed voucher or ticket (promotion-funded: giving value
    away is the program's expense, never a store's cash)."""
    return ServiceInstruction(
        id="iss-" + instrument, op="issue", instrument=instrument,
        amount=campaign.face_value if campaign.kind == "voucher" else 0,
        funding="promotion", program=campaign.program_id,
    )  # fmt: skip


def _issue(
    v: Vouchers, campaign: Campaign, instruments: list[str], by_user: str | None,
    progress: Progress,
) -> list[tuple[str, str]]:
    actor = Actor(ISSUER_TERMINAL, HQ_STORE, by_user=by_user)
    chunk = min(ISSUE_CHUNK, v.committer.max_tx)
    refused: list[tuple[str, str]] = []
    for start in _chunks(instruments, chunk):
        msgs = [issue_message(campaign, i) for i in instruments[start : start + chunk]]
        result = v.committer.submit(Submission(actor, msgs)).result(timeout=300)
        refused += [(r.id[4:], r.code) for r in result.results if r.code not in ("ok", "exists")]
        progress("issue", min(start + chunk, len(instruments)), len(instruments))
    return refused


def claims_for(campaign: Campaign, instrument: str, issued_at: int) -> QrClaims:
    spec = campaign.spec
    return QrClaims(
        kind=campaign.qr_kind, instrument=instrument, program=campaign.program_id,
        issued_at=issued_at, valid_from=spec.valid_from, valid_until=spec.valid_until,
        value=campaign.face_value, discount_bp=spec.discount_bp,
        discount_cap=spec.discount_cap, min_spend=spec.min_spend, entries=spec.uses,
        passback_s=spec.passback_s,
    )


def _sign(
    signer: QrSigner, campaign: Campaign, codes: list[IssuedCode], now: int, progress: Progress
) -> list[IssuedCode]:
    out = []
    for n, c in enumerate(codes, 1):
        payload = encode(claims_for(campaign, c.instrument, now), signer)
        out.append(IssuedCode(c.code, c.instrument, payload))
        if n % 10_000 == 0:
            progress("sign", n, len(codes))
    progress("sign", len(codes), len(codes))
    return out


def _finish(
    v: Vouchers, campaign: Campaign, batch_id: str, issued: int, refused: list[tuple[str, str]]
) -> None:
    give_back = campaign.worst_case_per_code() * len(refused)
    with v.db.write() as uow:
        uow.campaigns.delete_codes_of([i for i, _ in refused])
        uow.campaigns.finish_batch(batch_id, issued, give_back)
        if give_back:
            uow.campaigns.commit_budget(campaign.id, -give_back)
