"""The one wiring point of the counter: settings -> the agent client -> the app and its screens."""

from __future__ import annotations

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response

from terminals.counter.agent_client import AgentClient
from terminals.counter.once import SaleMemory
from terminals.counter.pages import STATIC, Counter, CrossSiteRequest
from terminals.counter.screens import SCREENS
from terminals.counter.settings import CounterSettings
from terminals.counter.text import pick_lang, t

_STATIC_FILES = {"counter.css": "text/css", "counter.js": "text/javascript"}


def build_counter(settings: CounterSettings, agent_http: httpx.Client | None = None) -> Counter:
    http = agent_http or httpx.Client(base_url=settings.agent_url)
    client = AgentClient(http, tap_timeout_s=settings.tap_timeout_s,
                         margin_s=settings.agent_margin_s,
                         status_timeout_s=settings.status_timeout_s)  # fmt: skip
    nav = tuple(item for screen in SCREENS for item in getattr(screen, "NAV", ()))
    return Counter(settings, client, SaleMemory(settings.sales_remembered), nav)


def create_app(settings: CounterSettings, agent_http: httpx.Client | None = None) -> FastAPI:
    """`agent_http`: the client for the agent's API (tests pass one over a fake agent)."""
    app = FastAPI(title="counter", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.counter = build_counter(settings, agent_http)
    for screen in SCREENS:
        app.include_router(screen.router)

    @app.get("/static/{name}")
    def static(name: str) -> Response:
        if name not in _STATIC_FILES:
            return Response(status_code=404)
        return Response((STATIC / name).read_bytes(), media_type=_STATIC_FILES[name],
                        headers={"Cache-Control": "no-cache"})  # fmt: skip

    def plain(request: Request, key: str, status_code: int) -> HTMLResponse:
        lang = pick_lang(None, request.cookies.get("lang"), settings.language)
        body = f'<p>{t(lang, key)}</p><p><a href="/">{t(lang, "nav_home")}</a></p>'
        return HTMLResponse(body, status_code=status_code)

    @app.exception_handler(CrossSiteRequest)
    def cross_site(request: Request, exc: CrossSiteRequest) -> HTMLResponse:
        return plain(request, "bad_origin", 403)

    @app.exception_handler(RequestValidationError)
    def malformed(request: Request, exc: RequestValidationError) -> HTMLResponse:
        """What no form of ours sends (an over-long field): a page, not a JSON error."""
        return plain(request, "invalid", 422)

    return app
