"""The page frame the gate and the kiosk share: templates (the app's own, then the shared ones),
the language choice, the headers every page carries, the shared static files, and a plain page
for requests no form of theirs sends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from terminals.counter.pages import CrossSiteRequest
from terminals.unattended.text import pick_lang, t

SHARED = Path(__file__).parent
STATIC = SHARED / "static"
_STATIC_FILES = {"unattended.css": "text/css", "unattended.js": "text/javascript"}
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def environment(app_templates: Path) -> Environment:
    return Environment(
        loader=ChoiceLoader([FileSystemLoader(str(app_templates)),
                             FileSystemLoader(str(SHARED / "templates"))]),
        autoescape=select_autoescape(("html",)), trim_blocks=True, lstrip_blocks=True,
    )  # fmt: skip


def lang_of(request: Request, default: str) -> str:
    return pick_lang(request.query_params.get("lang"), request.cookies.get("lang"), default)


def page(env: Environment, lang: str, template: str, status_code: int = 200,
         **ctx: Any) -> HTMLResponse:  # fmt: skip
    """A whole page in `lang`, remembered in a cookie for the next one."""
    other = "en" if lang == "vi" else "vi"
    body = env.get_template(template).render(
        lang=lang, other=other, t=lambda key, **kw: t(lang, key, **kw), **ctx
    )
    response = HTMLResponse(body, status_code=status_code, headers=HEADERS)
    response.set_cookie("lang", lang, max_age=365 * 86400, samesite="strict")
    return response


def install_common(app: FastAPI, default_lang: str) -> None:
    """Shared static files, and plain pages for cross-site posts and malformed requests."""

    @app.get("/static/{name}")
    def static(name: str) -> Response:
        if name not in _STATIC_FILES:
            return Response(status_code=404)
        return Response((STATIC / name).read_bytes(), media_type=_STATIC_FILES[name],
                        headers={"Cache-Control": "no-cache"})  # fmt: skip

    def plain(request: Request, key: str, status_code: int) -> HTMLResponse:
        lang = lang_of(request, default_lang)
        body = (f'<!doctype html><html lang="{lang}"><meta charset="utf-8"><p>{t(lang, key)}</p>'
                f'<p><a href="/">{t(lang, "back")}</a></p></html>')  # fmt: skip
        return HTMLResponse(body, status_code=status_code, headers=HEADERS)

    @app.exception_handler(CrossSiteRequest)
    def cross_site(request: Request, exc: CrossSiteRequest) -> HTMLResponse:
        return plain(request, "invalid", 403)

    @app.exception_handler(RequestValidationError)
    def malformed(request: Request, exc: RequestValidationError) -> HTMLResponse:
        return plain(request, "invalid", 422)

    @app.exception_handler(StarletteHTTPException)
    async def missing(request: Request, exc: StarletteHTTPException) -> Response:
        # a stale bookmark on the kiosk's screen: words and the way back, not {"detail": ...}
        if exc.status_code in (404, 405):
            return plain(request, "page_missing", 404)
        return await http_exception_handler(request, exc)
