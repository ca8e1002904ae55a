"""The back office's first page: what the signed-in person may open."""

from __future__ import annotations

from fastapi.responses import HTMLResponse

from cardsvc.backoffice.layout import render_page
from cardsvc.backoffice.routing import page_router
from cardsvc.backoffice.session import ViewerDep
from cardsvc.backoffice.text import t

router = page_router()


@router.get("/admin")
@router.get("/admin/")
def home(who: ViewerDep) -> HTMLResponse:
    return render_page(who, "home.html", t(who.lang, "overview"))
