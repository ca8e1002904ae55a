"""Customer segments (new, active, at risk, lost, top spenders) with counts per home store."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse

from cardsvc.backoffice.layout import render_page
from cardsvc.backoffice.registry import EVERYONE
from cardsvc.backoffice.routing import page_router
from cardsvc.backoffice.session import ViewerDep, ledger_of
from cardsvc.customers import segments
from cardsvc.protocol.text import Catalogue

router = page_router()
CATALOGUE = Catalogue.load(Path(__file__).parent / "messages.json")


@router.get("/admin/segments")
def segments_page(request: Request, who: ViewerDep) -> HTMLResponse:
    who.require(*EVERYONE)
    ledger = ledger_of(request)
    with ledger.db.read() as uow:
        counts = segments.counts_by_store(segments.compute(uow, ledger.clock()))
        stores = uow.terminals.stores(10_000)
    if who.person.store_id is not None:
        counts = {s: n for s, n in counts.items() if s == who.person.store_id}
    totals = {s: sum(n[s] for n in counts.values()) for s in segments.SEGMENTS}
    return render_page(who, "segments.html", CATALOGUE.t(who.lang, "segments"),
                       catalogue=CATALOGUE, counts=counts, totals=totals, stores=stores,
                       names=segments.SEGMENTS)  # fmt: skip
