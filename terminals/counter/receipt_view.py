"""A receipt of this till (the agent's) -> the printed layout (terminals.common.receipts), in
staff's language: store, terminal, staff, time, short number, the figures, the balance after,
and what the ledger said of it."""

from __future__ import annotations

from reader_agent.contract import POINTS_OPS, Receipt
from terminals.common.receipts import Receipt as Printed
from terminals.counter.settings import CounterSettings
from terminals.counter.text import dong, points, t, when

_TITLES = {"issue": "op_sell", "top_up": "op_top_up", "redeem": "op_redeem",
           "refund": "op_refund", "void": "op_void", "purchase": "op_purchase",
           "reward": "op_reward", "award": "op_award", "deduct": "op_deduct"}  # fmt: skip


def _status(lang: str, receipt: Receipt) -> str:
    if receipt.state in ("card", "ready"):
        return t(lang, "rc_queued")
    if receipt.state == "unresolved":
        return t(lang, "unresolved")
    if receipt.code in ("ok", "exists"):
        return t(lang, "rc_confirmed")
    return t(lang, "rc_refused", code=receipt.code or "?")


def _title(receipt: Receipt) -> str:
    if receipt.op == "redeem" and receipt.purchase_amount and not receipt.uid:
        return "op_codes"  # a code shown against a sale (no card)
    return _TITLES.get(receipt.op, "op_redeem")


def listed(lang: str, receipt: Receipt) -> str:
    """A receipt's line in the till's list: the operation and its main figure (a purchase's
    bill; points for the other points operations; đồng otherwise)."""
    if receipt.op == "purchase":
        figure = dong(receipt.purchase_amount)
    elif receipt.op in POINTS_OPS:
        figure = points(lang, receipt.amount)
    else:
        figure = dong(receipt.amount)
    return f"{t(lang, _title(receipt))} · {figure}"


def layout(lang: str, receipt: Receipt, settings: CounterSettings) -> Printed:
    doc = Printed(t(lang, _title(receipt)), receipt.number, receipt.short)
    doc.header = list(settings.receipt_header) or [t(lang, "rc_store", store=receipt.store)]
    doc.facts = [
        (t(lang, "rc_number"), receipt.short),
        (t(lang, "rc_terminal"), receipt.terminal),
        (t(lang, "rc_staff"), receipt.staff if receipt.staff not in (None, "agent") else "-"),
        (t(lang, "rc_time"), when(receipt.at, settings.utc_offset_h)),
        (t(lang, "rc_card"), receipt.instrument),
    ]
    if receipt.ref:
        doc.facts.append((t(lang, "rc_ref"), receipt.ref))
    if receipt.op in POINTS_OPS:  # a purchase's bill is đồng; what it spent and earned, points
        _points_figures(lang, receipt, doc)
    else:
        _money_figures(lang, receipt, doc)
    doc.footer = [_status(lang, receipt), t(lang, "rc_thanks")]
    return doc


def _points_figures(lang: str, receipt: Receipt, doc: Printed) -> None:
    if receipt.op == "purchase":
        doc.total = (t(lang, "q_purchase"), dong(receipt.purchase_amount))
        if receipt.amount:
            doc.amounts.append((t(lang, "r_points_spent"), points(lang, receipt.amount)))
        if receipt.points_earned:
            doc.amounts.append((t(lang, "r_points_earned"), points(lang, receipt.points_earned)))
    else:
        doc.total = (t(lang, "r_points"), points(lang, receipt.amount))
    if receipt.balance_after is not None:
        doc.amounts.append((t(lang, "r_points_balance"), points(lang, receipt.balance_after)))


def _money_figures(lang: str, receipt: Receipt, doc: Printed) -> None:
    if receipt.purchase_amount:
        doc.amounts.append((t(lang, "q_purchase"), dong(receipt.purchase_amount)))
        doc.amounts.append((t(lang, "q_takes_off"), dong(receipt.amount)))
        doc.total = (t(lang, "q_to_pay"), dong(receipt.purchase_amount - receipt.amount))
    elif receipt.amount:
        doc.total = (t(lang, "r_amount"), dong(receipt.amount))
    if receipt.cash_deducted:
        doc.amounts.append((t(lang, "r_points_cash_kept"), dong(receipt.cash_deducted)))
    if receipt.op in ("issue", "top_up") and receipt.funding == "cash" and receipt.amount:
        doc.amounts.append((t(lang, "rc_cash"), dong(receipt.amount)))
    if receipt.card_value is not None:
        doc.amounts.append((t(lang, "r_card_value"), dong(receipt.card_value)))
    elif receipt.balance_after is not None and receipt.op != "void":
        after = receipt.balance_after
        shown = points(lang, after) if receipt.unit == "PTS" else dong(after)
        doc.amounts.append((t(lang, "rc_balance_after"), shown))
