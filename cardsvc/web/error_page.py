"""Errors as a page, for people: a browser that follows a dead link or posts a form the ledger
cannot read gets a sentence in its language and a way back, not the API's JSON. Terminals and
scripts (everything under /v1, and any client that does not ask for HTML) keep the JSON shape."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from cardsvc.web.pages import render
from cardsvc.web.text import pick_lang, t

_API_PATHS = ("/v1/", "/metrics", "/docs", "/openapi")


def wants_html(request: Request) -> bool:
    if request.url.path.startswith(_API_PATHS):
        return False
    return "text/html" in request.headers.get("accept", "")


def error_page(request: Request, status: int, key: str) -> HTMLResponse:
    """The message `key` (page_not_found, page_bad_request) with a link to the start of the
    site the user was on: the back office's for /admin, else the customer page."""
    lang = pick_lang(request.query_params.get("lang"), request.cookies.get("lang"))
    admin = request.url.path.startswith("/admin")
    heading = t(lang, "admin_heading") if admin else None  # not the customer page's heading
    body = render("error.html", lang, message=t(lang, key), home="/admin/" if admin else "/",
                  heading=heading)  # fmt: skip
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})
