"""Pieces the gate's and the kiosk's apps both wire: the app itself with the shared pages and
the camera frame endpoint, the language of a request, the agent client built from settings,
the status line and the scanned payload as a form field."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated

import httpx
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse

from terminals.unattended import web
from terminals.unattended.agent import AgentError, UnattendedAgent
from terminals.unattended.frames import FrameError, qr_text
from terminals.unattended.settings import UnattendedSettings
from terminals.unattended.text import t

PAYLOAD_MAX = 1200  # a QR payload (cardsvc.protocol.qr.MAX_PAYLOAD_CHARS)
Payload = Annotated[str, Form(max_length=PAYLOAD_MAX)]


def unattended_app(title: str, settings: UnattendedSettings) -> FastAPI:
    """An app with no API docs (a device's screen, not an API), the shared static files and
    plain pages, and the camera frame endpoint; the app adds its own pages."""
    app = FastAPI(title=title, docs_url=None, redoc_url=None, openapi_url=None)
    web.install_common(app, settings.language)
    install_frames(app, settings)
    return app


def language(settings: UnattendedSettings) -> Callable[[Request], str]:
    """A request's language: asked for, remembered in a cookie, or the device's default."""

    def lang_of(request: Request) -> str:
        return web.lang_of(request, settings.language)

    return lang_of


def agent_client(settings: UnattendedSettings, http: httpx.Client | None) -> UnattendedAgent:
    return UnattendedAgent(http or httpx.Client(base_url=settings.agent_url),
                           tap_timeout_s=settings.tap_timeout_s, margin_s=settings.agent_margin_s,
                           status_timeout_s=settings.status_timeout_s)  # fmt: skip


def status_line(lang: str, agent: UnattendedAgent) -> tuple[bool, str]:
    """(ledger reachable, what the header says)."""
    try:
        online = agent.health().ledger_reachable
    except AgentError:
        return False, t(lang, "agent_down")
    return online, t(lang, "ledger_online" if online else "ledger_offline")


def local_midnight(now: float, utc_offset_h: int) -> int:
    """The start of today in the venue's time, as epoch seconds."""
    shift = utc_offset_h * 3600
    local = int(now) + shift
    return local - local % 86400 - shift


def today(settings: UnattendedSettings) -> int:
    return local_midnight(time.time(), settings.utc_offset_h)


def error_text(lang: str, exc: AgentError) -> str:
    return t(lang, exc.code) if exc.code else t(lang, "agent_error")


def install_frames(app: FastAPI, settings: UnattendedSettings) -> None:
    @app.post("/frame")
    async def frame(request: Request) -> JSONResponse:
        """A camera frame -> the QR text in it (or none); decoded here, not in the browser."""
        data = b""
        async for chunk in request.stream():  # bounded as it arrives, not after
            data += chunk
            if len(data) > settings.frame_max_bytes:
                return JSONResponse({"error": "frame_too_large"}, status_code=413)
        try:
            text = qr_text(data, settings.frame_max_bytes)
        except FrameError as exc:
            return JSONResponse({"error": "not_an_image", "detail": str(exc)}, status_code=422)
        return JSONResponse({"text": text})
