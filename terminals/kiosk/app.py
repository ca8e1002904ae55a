"""`terminals kiosk`: customer self-service on a touch screen. Scan a QR code (scanner, typed,
or the camera) or tap a card (gift, prepaid, member, ticket) -> what it is, its balance or
uses, validity, conditions and recent history; e-ticket self check-in where the event lists
this kiosk among its gates. Large type, Vietnamese or English, back to the start screen after
a minute without a touch; no staff functions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import httpx
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment

from reader_agent import contract as c
from terminals.counter.pages import same_origin
from terminals.gate.app import verdict
from terminals.kiosk.kiosk import Shown, shown
from terminals.unattended import web
from terminals.unattended.agent import AgentError, UnattendedAgent
from terminals.unattended.app_parts import (
    Payload,
    agent_client,
    error_text,
    language,
    unattended_app,
)
from terminals.unattended.app_parts import status_line as ledger_status
from terminals.unattended.settings import KioskSettings
from terminals.unattended.text import t

TEMPLATES = Path(__file__).parent / "templates"
ANSWER_MAX_S = 10.0  # a check-in answer stays this long at most (less when idle_s is shorter)


@dataclass
class Kiosk:
    settings: KioskSettings
    agent: UnattendedAgent
    env: Environment

    def render(self, lang: str, template: str, **ctx: Any) -> HTMLResponse:
        online, status_text = ledger_status(lang, self.agent)
        return web.page(self.env, lang, template, online=online, status_text=status_text,
                        idle_s=self.settings.idle_s, scan_action="/look", tap_action="/tap",
                        **ctx)  # fmt: skip

    def start(self, lang: str, message: str = "") -> HTMLResponse:
        return self.render(lang, "start.html", message=message)

    def answer(self, lang: str, look: c.Look, payload: str = "") -> HTMLResponse:
        screen: Shown = shown(lang, look, self.settings.utc_offset_h)
        return self.render(lang, "look.html", s=screen, payload=payload, source=look.source)

    def checked_in(self, lang: str, admission: c.Admission) -> HTMLResponse:
        return self.render(lang, "checkin.html", answer=verdict(lang, admission),
                           answer_s=min(ANSWER_MAX_S, self.settings.idle_s))  # fmt: skip


def get_kiosk(request: Request) -> Kiosk:
    kiosk: Kiosk = request.app.state.kiosk
    return kiosk


KioskDep = Annotated[Kiosk, Depends(get_kiosk)]


def create_app(settings: KioskSettings, agent_http: httpx.Client | None = None) -> FastAPI:
    """`agent_http`: the client for the agent's API (tests pass one that checks the contract)."""
    app = unattended_app("kiosk", settings)
    app.state.kiosk = Kiosk(settings, agent_client(settings, agent_http),
                            web.environment(TEMPLATES))  # fmt: skip
    guarded = [Depends(same_origin)]

    lang_of = language(settings)

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request, kiosk: KioskDep) -> HTMLResponse:
        return kiosk.start(lang_of(request))

    @app.post("/look", response_class=HTMLResponse, dependencies=guarded)
    def look(request: Request, kiosk: KioskDep, payload: Payload = "") -> HTMLResponse:
        lang = lang_of(request)
        if not payload.strip("\r\n\t"):
            return kiosk.start(lang, t(lang, "invalid"))
        try:
            return kiosk.answer(lang, kiosk.agent.look(payload), payload)
        except AgentError as exc:
            return kiosk.start(lang, error_text(lang, exc))

    @app.post("/tap", response_class=HTMLResponse, dependencies=guarded)
    def tap(request: Request, kiosk: KioskDep) -> HTMLResponse:
        lang = lang_of(request)
        try:
            return kiosk.answer(lang, kiosk.agent.look_tap())
        except AgentError as exc:
            return kiosk.start(lang, error_text(lang, exc))

    @app.post("/checkin", response_class=HTMLResponse, dependencies=guarded)
    def checkin(request: Request, kiosk: KioskDep, payload: Payload = "") -> HTMLResponse:
        lang = lang_of(request)
        try:
            if payload.strip("\r\n\t"):
                return kiosk.checked_in(lang, kiosk.agent.admit(payload))
            return kiosk.checked_in(lang, kiosk.agent.admit_tap())
        except AgentError as exc:
            return kiosk.start(lang, error_text(lang, exc))

    return app
