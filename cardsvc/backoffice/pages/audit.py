"""The audit log, searchable by person, action or target, and by dates (administrators)."""

from __future__ import annotations

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from cardsvc.backoffice import fmt
from cardsvc.backoffice.layout import render_page
from cardsvc.backoffice.registry import ADMIN
from cardsvc.backoffice.routing import page_router
from cardsvc.backoffice.session import ViewerDep, ledger_of
from cardsvc.backoffice.text import t
from cardsvc.services import audit

router = page_router()


@router.get("/admin/audit")
def audit_page(
    request: Request,
    who: ViewerDep,
    q: str = Query("", max_length=100),
    start: str = Query("", max_length=10),
    end: str = Query("", max_length=10),
) -> HTMLResponse:
    who.require(*ADMIN)
    first, last = fmt.parse_day(start), fmt.parse_day(end)
    lo = fmt.start_of(first) if first else None
    hi = fmt.day_range(last, last)[1] if last else None
    with ledger_of(request).db.read() as uow:
        rows = audit.search(uow, q.strip() or None, lo, hi)
    return render_page(who, "audit.html", t(who.lang, "audit_log"), rows=rows, q=q,
                       start=start, end=end)  # fmt: skip
