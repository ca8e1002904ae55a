"""Rewards at the counter ("Đổi quà / Rewards"): after a member card's tap, the catalog as that
member sees it (locked items name the tier they need), and buying one with points. The answer
carries the voucher it issued: its code and QR print on the receipt.

A reward spends points, so it needs the ledger; each form carries a sale id chosen when it is
drawn, so a double submit buys once (the counter's memory, then the agent's outbox).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse

from reader_agent.contract import OperationResult
from terminals.common.receipts import qr_svg
from terminals.counter.agent_client import AgentError
from terminals.counter.once import SaleIdReused
from terminals.counter.outcomes import Outcome, from_answer, from_error
from terminals.counter.pages import CounterDep, LangDep, same_origin
from terminals.counter.text import dong, grouped, t, when

router = APIRouter()
ID = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")
FieldText = Annotated[str, Form(max_length=200)]
QR_MAX = 1_000  # a signed voucher payload is a few hundred characters


def new_reward_id() -> str:
    return "reward-" + uuid.uuid4().hex


@dataclass(frozen=True)
class RewardLine:
    """One catalog item as staff read it."""

    item: str
    campaign: str
    name: str
    points: int
    price: str
    locked: bool
    note: str  # why it cannot be bought now, or what is left ("" when nothing to say)
    buyable: bool
    request_id: str


def _note(lang: str, offer: dict[str, Any]) -> str:
    if offer["locked"]:
        return t(lang, "loy_reward_needs", tier=offer["tier_needed"])
    if offer.get("stock_left") == 0:
        return t(lang, "loy_reward_out")
    if offer.get("left") == 0:
        return t(lang, "loy_reward_limit")
    if not offer["affordable"]:
        return t(lang, "loy_reward_short")
    if offer.get("left") is not None:
        return t(lang, "loy_reward_left", n=offer["left"])
    return ""


def reward_lines(lang: str, loyalty: dict[str, Any]) -> list[RewardLine]:
    lines = []
    for offer in loyalty.get("rewards") or []:
        buyable = (not offer["locked"] and offer["affordable"] and offer.get("left") != 0
                   and offer.get("stock_left") != 0)  # fmt: skip
        name = offer["name_vi"] if lang == "vi" else offer["name_en"]
        lines.append(RewardLine(
            offer["id"], offer["campaign"], name, int(offer["points"]),
            _points(lang, int(offer["points"])),
            bool(offer["locked"]), _note(lang, offer), buyable, new_reward_id(),
        ))  # fmt: skip
    return lines


@dataclass(frozen=True)
class VoucherPrint:
    """What the receipt prints of the voucher a reward issued."""

    code: str
    qr: str  # inline SVG
    rows: list[tuple[str, str]]


def voucher_print(lang: str, voucher: dict[str, Any] | None, offset_h: int) -> VoucherPrint | None:
    if not voucher:
        return None
    payload = str(voucher["payload"])
    rows = [(t(lang, "r_voucher_value"), dong(int(voucher["value"])))] if voucher["value"] else []
    if voucher.get("valid_until"):
        rows.append((t(lang, "r_voucher_until"), when(int(voucher["valid_until"]), offset_h)))
    return VoucherPrint(str(voucher["code"]), qr_svg(payload, most=QR_MAX), rows)


def _points(lang: str, points: int) -> str:
    return t(lang, "loy_points_value", points=grouped(points))


def reward_outcome(lang: str, answer: OperationResult, repeated: bool) -> Outcome:
    outcome = from_answer(lang, answer, repeated=repeated)
    outcome.refund_href = ""
    rows = [(t(lang, "r_points_spent"), _points(lang, answer.amount))]
    if answer.ledger_balance is not None:
        rows.append((t(lang, "r_points_balance"), _points(lang, answer.ledger_balance)))
    if answer.ok and not answer.voucher:
        outcome.notes.append(t(lang, "r_voucher_later"))
    outcome.rows = rows + [r for r in outcome.rows if r[0] == t(lang, "r_tx_id")]
    return outcome


@router.post("/loyalty/reward", response_class=HTMLResponse, dependencies=[Depends(same_origin)])
def loyalty_reward(
    counter: CounterDep, lang: LangDep, item: FieldText = "", campaign: FieldText = "",
    points: FieldText = "", request_id: FieldText = "",
) -> HTMLResponse:  # fmt: skip
    from terminals.counter.screens.loyalty import page

    if not (ID.fullmatch(item) and ID.fullmatch(campaign) and ID.fullmatch(request_id)
            and points.isdigit() and 0 < int(points) <= 10**12):  # fmt: skip
        return page(counter, lang, errors=[t(lang, "invalid")], status_code=422)
    fields = {"item": item, "campaign": campaign, "points": int(points),
              "request_id": request_id}  # fmt: skip
    content = ("reward", tuple(sorted((k, str(v)) for k, v in fields.items())))
    try:
        once = counter.sales.run(request_id, content, lambda: counter.client.reward(fields))
    except SaleIdReused:
        return page(counter, lang, errors=[t(lang, "sale_id_reused")], status_code=409)
    except AgentError as exc:
        return page(counter, lang, outcome=from_error(lang, exc))
    answer = once.answer
    printed = voucher_print(lang, answer.voucher, counter.settings.utc_offset_h)
    return page(counter, lang, outcome=reward_outcome(lang, answer, once.repeated), voucher=printed)
