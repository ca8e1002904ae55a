"""What every page shares: the app's state, the language choice, the templates, the status bar,
and the guard that keeps other sites from posting to the till."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from terminals.common.amounts import short_form
from terminals.counter import status
from terminals.counter.agent_client import AgentClient
from terminals.counter.once import SaleMemory
from terminals.counter.settings import CounterSettings
from terminals.counter.text import dong, grouped, pick_lang, points, quantity, t, when

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(("html",)),
    trim_blocks=True,
    lstrip_blocks=True,
)
_NO_STORE = {
    "Cache-Control": "no-store",
    # not no-referrer: with it a browser sends `Origin: null` on form posts (same_origin)
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


@dataclass
class Counter:
    """The app's state, shared by the screens."""

    settings: CounterSettings
    client: AgentClient
    sales: SaleMemory
    nav: tuple[tuple[str, str], ...] = ()  # the menu: (path, key), from the screens' NAV


def get_counter(request: Request) -> Counter:
    counter: Counter = request.app.state.counter
    return counter


CounterDep = Annotated[Counter, Depends(get_counter)]


def get_lang(request: Request, counter: CounterDep) -> str:
    return pick_lang(request.query_params.get("lang"), request.cookies.get("lang"),
                     counter.settings.language)  # fmt: skip


LangDep = Annotated[str, Depends(get_lang)]


class CrossSiteRequest(Exception):
    """A POST that did not come from the counter's own pages."""


def same_origin(request: Request) -> None:
    """Refuse posts from other sites (a page open in the till's browser must not be able to
    make it sell or refund): browsers say where a form came from in Sec-Fetch-Site / Origin."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise CrossSiteRequest(site)
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.headers.get("host"):
        raise CrossSiteRequest(origin)


def page(counter: Counter, lang: str, template: str, **ctx: Any) -> str:
    """A template in staff's language, with the writing helpers every page uses."""
    offset = counter.settings.utc_offset_h
    return _env.get_template(template).render(
        lang=lang, t=lambda key, **kw: t(lang, key, **kw), dong=dong, grouped=grouped,
        points=lambda n: points(lang, n), quantity=lambda n, unit: quantity(lang, n, unit),
        when=lambda epoch: when(epoch, offset), short_amount=lambda n: short_form(n, lang),
        **ctx,
    )  # fmt: skip


def render(
    counter: Counter, lang: str, path: str, template: str, status_code: int = 200, **ctx: Any
) -> HTMLResponse:
    """A full page: the status bar gathered now, the template, the language cookie."""
    bar = status.gather(lang, counter.client, counter.settings.utc_offset_h)
    other = "en" if lang == "vi" else "vi"
    body = page(counter, lang, template, status=bar, path=path, nav=counter.nav,
                switch_href=f"{path}?lang={other}", **ctx)  # fmt: skip
    response = HTMLResponse(body, status_code=status_code, headers=_NO_STORE)
    response.set_cookie("lang", lang, max_age=365 * 86400, samesite="strict")
    return response
