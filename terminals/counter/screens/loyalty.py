"""The loyalty screen ("Thành viên / Members"): tap a member card to see the tier, what is
missing for the next one and the points (spendable, pending, expiring soon); record a sale for
the member (it earns points, and may spend some as a tender); adjust points with a reason.

Every form carries a sale id chosen when it is drawn: submitting it twice earns (or adjusts)
once, as on the sales screens (the counter's memory, then the agent's outbox).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse

from reader_agent.contract import CardAnswer, OperationResult
from terminals.counter.agent_client import AgentError
from terminals.counter.once import SaleIdReused
from terminals.counter.outcomes import Outcome, from_answer, from_error
from terminals.counter.pages import Counter, CounterDep, LangDep, render, same_origin
from terminals.counter.screens.rewards import RewardLine, VoucherPrint, reward_lines
from terminals.counter.text import AmountError, dong, grouped, parse_amount, t, when

router = APIRouter()
NAV = (("/loyalty", "loyalty"),)
ID = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")
FieldText = Annotated[str, Form(max_length=200)]
TENDERS = ("cash", "bank_card", "stored_value", "voucher")
REASONS = ("goodwill", "correction", "complaint", "promotion")
SOON_DAYS = 30


def _new_id() -> str:
    return "sale-" + uuid.uuid4().hex


@dataclass
class LoyaltyForm:
    amount: str = ""
    points: str = ""
    excluded: str = ""
    paid_by: str = "cash"
    op: str = "award"
    reason: str = "goodwill"
    request_id: str = field(default_factory=_new_id)
    errors: list[str] = field(default_factory=list)


@dataclass
class MemberPanel:
    """What staff read after a tap."""

    instrument: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tier: str = ""
    member: bool = False
    rewards: list[RewardLine] = field(default_factory=list)


def points_text(lang: str, points: int) -> str:
    return t(lang, "loy_points_value", points=grouped(points))


def member_panel(lang: str, card: CardAnswer, utc_offset_h: int) -> MemberPanel:
    panel = MemberPanel(card.instrument)
    ledger = card.ledger or {}
    loyalty = ledger.get("loyalty") if "error" not in ledger else None
    if not isinstance(loyalty, dict):
        panel.notes.append(t(lang, "loy_not_member"))
        return panel
    panel.member, panel.tier = True, str(loyalty["tier"])
    rows = panel.rows
    rows.append((t(lang, "loy_tier"), str(loyalty["tier"])))
    nxt, missing = loyalty.get("next_tier"), int(loyalty.get("missing") or 0)
    if nxt:
        amount = dong(missing) if loyalty.get("qualify_by") == "spend" else points_text(lang,
                                                                                          missing)
        rows.append((t(lang, "loy_next_tier"), t(lang, "loy_missing", tier=nxt, amount=amount)))
    else:
        rows.append((t(lang, "loy_next_tier"), t(lang, "loy_top_tier")))
    rows.append((t(lang, "loy_available"), points_text(lang, int(loyalty["available"]))))
    rows.append((t(lang, "loy_pending"), points_text(lang, int(loyalty["pending"]))))
    soon = int(loyalty["expiring_soon"])
    rows.append((t(lang, "loy_expiring", days=SOON_DAYS), points_text(lang, soon)))
    value = int(loyalty["available"]) * int(loyalty["point_value"])
    rows.append((t(lang, "loy_worth"), dong(value)))
    if loyalty.get("review_at"):
        rows.append((t(lang, "loy_review_at"), when(int(loyalty["review_at"]), utc_offset_h)))
    if int(loyalty.get("debt") or 0):
        panel.notes.append(t(lang, "loy_debt", points=grouped(int(loyalty["debt"]))))
    panel.rewards = reward_lines(lang, loyalty)
    return panel


def _points(lang: str, text: str, form: LoyaltyForm, *, allow_zero: bool) -> int:
    if not text and allow_zero:
        return 0
    try:
        return parse_amount(text, allow_zero=allow_zero)
    except AmountError:
        form.errors.append(t(lang, "loy_points_bad"))
        return 0


def purchase_fields(lang: str, form: LoyaltyForm) -> dict[str, Any]:
    fields: dict[str, Any] = {"request_id": form.request_id}
    try:
        fields["amount"] = parse_amount(form.amount)
    except AmountError as exc:
        form.errors.append(t(lang, exc.key))
    fields["points"] = _points(lang, form.points, form, allow_zero=True)
    excluded = 0
    if form.excluded:
        try:
            excluded = parse_amount(form.excluded, allow_zero=True)
        except AmountError as exc:
            form.errors.append(t(lang, exc.key))
    fields["excluded"] = excluded
    if form.paid_by not in TENDERS:
        form.errors.append(t(lang, "invalid"))
    elif "amount" in fields and excluded > fields["amount"]:
        form.errors.append(t(lang, "loy_excluded_too_much"))
    elif "amount" in fields:
        fields["tenders"] = {form.paid_by: fields["amount"]}  # what is not paid in points
    return fields


def adjust_fields(lang: str, form: LoyaltyForm) -> dict[str, Any]:
    fields: dict[str, Any] = {"request_id": form.request_id, "op": form.op,
                              "reason": form.reason}  # fmt: skip
    fields["points"] = _points(lang, form.points, form, allow_zero=False)
    if form.op not in ("award", "deduct") or form.reason not in REASONS:
        form.errors.append(t(lang, "invalid"))
    return fields


def outcome_of(lang: str, answer: OperationResult, repeated: bool, offset_h: int) -> Outcome:
    outcome = from_answer(lang, answer, repeated=repeated)
    outcome.refund_href = ""
    loyalty = answer.loyalty or {}
    rows: list[tuple[str, str]] = []
    if answer.op == "purchase":
        if loyalty:
            rows.append((t(lang, "r_points_earned"), points_text(lang, int(loyalty["earned"]))))
            if loyalty.get("rules"):
                rows.append((t(lang, "r_points_rules"), ", ".join(map(str, loyalty["rules"]))))
            if loyalty.get("available_at"):
                from_at = when(int(loyalty["available_at"]), offset_h)
                rows.append((t(lang, "r_points_from"), from_at))
            if int(loyalty.get("debt_paid") or 0):
                rows.append((t(lang, "r_points_debt_paid"),
                             points_text(lang, int(loyalty["debt_paid"]))))  # fmt: skip
        if answer.amount:
            rows.append((t(lang, "r_points_spent"), points_text(lang, answer.amount)))
    else:
        rows.append((t(lang, "r_points_moved"), points_text(lang, answer.amount)))
    if loyalty.get("tier"):
        rows.append((t(lang, "loy_tier"), str(loyalty["tier"])))
    if answer.ledger_balance is not None:
        rows.append((t(lang, "r_points_balance"), points_text(lang, answer.ledger_balance)))
    outcome.rows = rows + [r for r in outcome.rows if r[0] == t(lang, "r_tx_id")]
    return outcome


def page(counter: Counter, lang: str, *, panel: MemberPanel | None = None,
         form: LoyaltyForm | None = None, outcome: Outcome | None = None,
         voucher: VoucherPrint | None = None, errors: list[str] | None = None,
         status_code: int = 200) -> HTMLResponse:  # fmt: skip
    shown = form or LoyaltyForm()
    shown.errors.extend(errors or [])
    return render(counter, lang, "/loyalty", "loyalty.html", status_code, panel=panel,
                  form=shown, adjust=LoyaltyForm(), outcome=outcome, voucher=voucher,
                  tenders=TENDERS, reasons=REASONS)  # fmt: skip



@router.get("/loyalty", response_class=HTMLResponse)
def loyalty_screen(counter: CounterDep, lang: LangDep) -> HTMLResponse:
    return page(counter, lang)


@router.post("/loyalty/tap", response_class=HTMLResponse, dependencies=[Depends(same_origin)])
def loyalty_tap(counter: CounterDep, lang: LangDep) -> HTMLResponse:
    try:
        seen = counter.client.tap()
    except AgentError as exc:
        return page(counter, lang, outcome=from_error(lang, exc))
    return page(counter, lang, panel=member_panel(lang, seen, counter.settings.utc_offset_h))


def _run(counter: Counter, lang: str, form: LoyaltyForm, kind: str,
         fields: dict[str, Any]) -> HTMLResponse:  # fmt: skip
    if not ID.fullmatch(form.request_id):
        form.errors.append(t(lang, "id_bad"))
        form.request_id = _new_id()
    if form.errors:
        return page(counter, lang, form=form, status_code=422)
    content = (kind, tuple(sorted((k, str(v)) for k, v in fields.items())))
    call = counter.client.purchase if kind == "purchase" else counter.client.adjust_points
    try:
        once = counter.sales.run(form.request_id, content, lambda: call(fields))
    except SaleIdReused:
        fresh = LoyaltyForm(form.amount, form.points, form.excluded, form.paid_by,
                            errors=[t(lang, "sale_id_reused")])  # fmt: skip
        return page(counter, lang, form=fresh, status_code=409)
    except AgentError as exc:
        return page(counter, lang, form=form, outcome=from_error(lang, exc))
    outcome = outcome_of(lang, once.answer, once.repeated, counter.settings.utc_offset_h)
    return page(counter, lang, outcome=outcome)


@router.post("/loyalty/purchase", response_class=HTMLResponse,
             dependencies=[Depends(same_origin)])  # fmt: skip
def loyalty_purchase(
    counter: CounterDep, lang: LangDep, amount: FieldText = "", points: FieldText = "",
    excluded: FieldText = "", paid_by: FieldText = "cash", request_id: FieldText = "",
) -> HTMLResponse:  # fmt: skip
    form = LoyaltyForm(amount.strip(), points.strip(), excluded.strip(), paid_by.strip(),
                       request_id=request_id.strip())  # fmt: skip
    return _run(counter, lang, form, "purchase", purchase_fields(lang, form))


@router.post("/loyalty/adjust", response_class=HTMLResponse, dependencies=[Depends(same_origin)])
def loyalty_adjust(
    counter: CounterDep, lang: LangDep, points: FieldText = "", op: FieldText = "award",
    reason: FieldText = "goodwill", request_id: FieldText = "",
) -> HTMLResponse:  # fmt: skip
    form = LoyaltyForm(points=points.strip(), op=op.strip(), reason=reason.strip(),
                       request_id=request_id.strip())  # fmt: skip
    return _run(counter, lang, form, "adjust", adjust_fields(lang, form))
