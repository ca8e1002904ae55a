"""Feedback from the receipt's QR: a rating of 1 to 5 and a comment, one answer per receipt,
a small points reward once (to the customer whose card paid), and a follow-up case for the
store manager when the rating is low.

The receipt QR carries the sale's transaction id (`/feedback/<tx id>`). Only a sale the
ledger has, answered within the feedback window, is accepted; the page is rate-limited like
the balance page, so trying ids gets nowhere fast.
"""

from __future__ import annotations

from dataclasses import dataclass

from cardsvc.customers import messaging, rewards
from cardsvc.customers.errors import CustomerConflict, CustomerInvalid
from cardsvc.customers.records import current
from cardsvc.customers.service import Customers
from cardsvc.storage.feedback import CaseRow, FeedbackRow, ReceiptRow
from cardsvc.storage.unit_of_work import UnitOfWork

DAY = 86_400
COMMENT_MAX = 1000
SALE_OPS = ("redeem", "capture", "purchase", "issue", "top_up")
STATUSES = ("open", "contacted", "resolved")
NEXT = {"open": ("contacted", "resolved"), "contacted": ("resolved",), "resolved": ()}


@dataclass(frozen=True)
class Answered:
    receipt: str
    case_id: int | None
    reward: str  # granted, pending, exists, none


def find_receipt(uow: UnitOfWork, c: Customers, receipt_id: str) -> ReceiptRow:
    """The sale behind a receipt QR, or CustomerInvalid (receipt_unknown, receipt_too_old)."""
    found = uow.feedback.receipt(receipt_id)
    if found is None or found.code != "ok" or found.op not in SALE_OPS:
        raise CustomerInvalid("receipt_unknown", "no sale with this receipt")
    if c.clock() - found.at > c.settings.feedback_window_days * DAY:
        raise CustomerInvalid("receipt_too_old", "feedback on this receipt is closed")
    return found


def clean_comment(text: str) -> str:
    cleaned = "".join(ch for ch in text if ch in "\n\t" or ord(ch) >= 32).strip()
    if len(cleaned) > COMMENT_MAX:
        raise CustomerInvalid("comment_too_long", f"a comment is at most {COMMENT_MAX} characters")
    return cleaned


def submit(c: Customers, receipt_id: str, rating: int, comment: str, lang: str) -> Answered:
    if not 1 <= rating <= 5:
        raise CustomerInvalid("rating_invalid", "a rating is 1 to 5")
    text = clean_comment(comment)
    now = c.clock()
    with c.db.write() as uow:
        receipt = find_receipt(uow, c, receipt_id)
        owner = uow.customers.owner_of(receipt.instrument_id)
        customer = current(uow, owner).id if owner is not None else None
        row = FeedbackRow(receipt.tx_id, receipt.store_id, customer, rating, text, lang, now)
        if not uow.feedback.add(row):
            raise CustomerConflict("feedback_given", "this receipt has been answered already")
        case_id = None
        if rating <= c.settings.low_rating:
            case_id = uow.feedback.open_case(receipt.tx_id, receipt.store_id, customer, rating,
                                             now)  # fmt: skip
    reward = "none"
    points = c.settings.feedback_points
    if customer is not None and points > 0:
        key = f"feedback:{receipt.tx_id}"
        reward = rewards.grant(c, key, customer, "feedback", points).status
        messaging.enqueue(c, "feedback_thanks", customer, key, points=points)
    return Answered(receipt.tx_id, case_id, reward)


# --- follow-up cases ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseView:
    case: CaseRow
    comment: str
    contact_s: int | None  # seconds from opening to first contact
    resolve_s: int | None  # seconds from opening to resolution
    notes: list[tuple[str, str, str, int]]  # status, note, by, at


def cases(
    uow: UnitOfWork, store: str | None, statuses: tuple[str, ...] = STATUSES, limit: int = 500
) -> list[CaseView]:
    out = []
    for case in uow.feedback.cases(store, list(statuses), limit):
        fb = uow.feedback.get(case.receipt_id)
        contact = case.contacted_at - case.opened_at if case.contacted_at else None
        resolve = case.resolved_at - case.opened_at if case.resolved_at else None
        notes = [(n.status, n.note, n.by_whom, n.at) for n in uow.feedback.notes(case.id)]
        out.append(CaseView(case, fb.comment if fb else "", contact, resolve, notes))
    return out


def response_times(views: list[CaseView]) -> dict[str, dict[str, int | None]]:
    """Per store: cases, open ones, and the median seconds to contact and to resolve."""
    by_store: dict[str, list[CaseView]] = {}
    for v in views:
        by_store.setdefault(v.case.store_id, []).append(v)
    return {store: {"cases": len(vs), "open": sum(v.case.status == "open" for v in vs),
                    "median_contact_s": _median([v.contact_s for v in vs]),
                    "median_resolve_s": _median([v.resolve_s for v in vs])}
            for store, vs in sorted(by_store.items())}  # fmt: skip


def _median(values: list[int | None]) -> int | None:
    known = sorted(v for v in values if v is not None)
    return known[len(known) // 2] if known else None


def act(
    uow: UnitOfWork, case_id: int, status: str, note: str, by: str, now: int,
    store_scope: str | None,
) -> CaseRow:
    """Move a case on (open -> contacted -> resolved) or add a note, by a person of its store."""
    case = uow.feedback.case(case_id, for_update=True)
    if case is None or (store_scope is not None and case.store_id != store_scope):
        raise CustomerInvalid("case_unknown", f"no follow-up case {case_id}")
    text = clean_comment(note)
    if status != case.status and status not in NEXT[case.status]:
        raise CustomerConflict("case_status", f"a {case.status} case cannot become {status}")
    if not text and status == case.status:
        raise CustomerInvalid("note_missing", "write what was done")
    if status != case.status:
        uow.feedback.move_case(case_id, status, now)
    uow.feedback.note(case_id, status, text, by, now)
    found = uow.feedback.case(case_id)
    assert found is not None
    return found
