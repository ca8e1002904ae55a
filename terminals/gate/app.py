"""`terminals gate`: e-ticket validation at an entrance. A scanned QR (keyboard-wedge scanner,
typed, or the camera) or a tapped ticket card -> a full-screen green or red answer with the
reason in words and a sound, then ready for the next ticket; today's counters (admitted,
refused) and the entries waiting for the ledger. Works with the ledger down: the agent decides
from its signed key set and revocation list and keeps every entry in its durable outbox."""

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
from terminals.unattended import web
from terminals.unattended.agent import AgentError, UnattendedAgent
from terminals.unattended.app_parts import (
    Payload,
    agent_client,
    error_text,
    language,
    status_line,
    today,
    unattended_app,
)
from terminals.unattended.settings import GateSettings
from terminals.unattended.text import reason, t, when

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Verdict:
    ok: bool
    headline: str
    lines: list[str]


def verdict(lang: str, a: c.Admission) -> Verdict:
    if not a.ok:
        return Verdict(False, t(lang, "verdict_no"), [reason(lang, a.code)])
    lines = []
    if a.entries_left is not None:
        left = a.entries_left
        lines.append(t(lang, "last_entry") if left <= 0 else t(lang, "entries_left", n=left))
    if a.mode == "offline":
        lines.append(t(lang, "offline_note"))
    return Verdict(True, t(lang, "verdict_ok"), lines)


@dataclass
class Gate:
    settings: GateSettings
    agent: UnattendedAgent
    env: Environment

    def render(self, lang: str, *, answer: Verdict | None = None, message: str = "",
               status_code: int = 200) -> HTMLResponse:  # fmt: skip
        online, status_text = status_line(lang, self.agent)
        ctx: dict[str, Any] = {"counts": None, "keys": t(lang, "keys_missing"),
                               "name": self.settings.name}  # fmt: skip
        try:
            counts = self.agent.gate(today(self.settings))
            ctx["counts"] = counts
            ctx["name"] = self.settings.name or counts.terminal
            if counts.keyset_at is not None:
                ctx["keys"] = t(lang, "keys_at", t=when(counts.keyset_at,
                                                        self.settings.utc_offset_h))
        except AgentError:
            pass  # the status line already says the agent cannot be reached
        return web.page(self.env, lang, "gate.html", status_code, online=online,
                        status_text=status_text, answer=answer, message=message,
                        answer_s=self.settings.answer_s, scan_action="/scan",
                        tap_action="/tap", **ctx)  # fmt: skip


def get_gate(request: Request) -> Gate:
    gate: Gate = request.app.state.gate
    return gate


GateDep = Annotated[Gate, Depends(get_gate)]


def create_app(settings: GateSettings, agent_http: httpx.Client | None = None) -> FastAPI:
    """`agent_http`: the client for the agent's API (tests pass one that checks the contract)."""
    app = unattended_app("gate", settings)
    app.state.gate = Gate(settings, agent_client(settings, agent_http),
                          web.environment(TEMPLATES))  # fmt: skip

    lang_of = language(settings)

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request, gate: GateDep) -> HTMLResponse:
        return gate.render(lang_of(request))

    @app.post("/scan", response_class=HTMLResponse, dependencies=[Depends(same_origin)])
    def scan(request: Request, gate: GateDep, payload: Payload = "") -> HTMLResponse:
        lang = lang_of(request)
        if not payload.strip("\r\n\t"):
            return gate.render(lang, message=t(lang, "invalid"))
        try:
            admission = gate.agent.admit(payload)
        except AgentError as exc:
            return gate.render(lang, message=error_text(lang, exc))
        return gate.render(lang, answer=verdict(lang, admission))

    @app.post("/tap", response_class=HTMLResponse, dependencies=[Depends(same_origin)])
    def tap(request: Request, gate: GateDep) -> HTMLResponse:
        lang = lang_of(request)
        try:
            admission = gate.agent.admit_tap()
        except AgentError as exc:
            return gate.render(lang, message=error_text(lang, exc))
        return gate.render(lang, answer=verdict(lang, admission))

    return app
