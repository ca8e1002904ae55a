"""Rendering back-office pages inside the common layout: navigation for the viewer's role, the
language switch, the sign-out form, and the reconciliation banner."""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from cardsvc.backoffice import fmt, registry
from cardsvc.backoffice.session import Viewer
from cardsvc.backoffice.text import t
from cardsvc.protocol.text import Catalogue

HERE = Path(__file__).parent
STATIC = HERE / "static"
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Everything the pages use is served by the ledger itself: no CDN, no inline script.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'",
}


def _template_dirs() -> list[str]:
    """The back office's templates, then a `templates` folder beside each page module."""
    dirs = [str(HERE / "templates")]
    for module in registry.modules():
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.origin:
            beside = Path(spec.origin).parent / "templates"
            if beside.is_dir() and str(beside) not in dirs:
                dirs.append(str(beside))
    return dirs


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(_template_dirs())]),
        autoescape=select_autoescape(("html",)),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(dong=fmt.dong, number=fmt.number)
    return env


def _lookup(lang: str, catalogue: Catalogue | None) -> Any:
    def lookup(key: str, **values: object) -> str:
        if catalogue is not None and catalogue.has(key):
            return catalogue.t(lang, key, **values)
        return t(lang, key, **values)

    return lookup


def render_page(
    who: Viewer, template: str, title: str, *, status: int = 200,
    catalogue: Catalogue | None = None, banner: str | None = None, **context: Any,
) -> HTMLResponse:  # fmt: skip
    """A full page: `template` extends "base.html" and fills its `main` block."""
    lang = who.lang
    if banner is None and who.books_differ:
        banner = t(lang, "books_differ")
    body = (
        environment()
        .get_template(template)
        .render(
            lang=lang,
            other_lang="en" if lang == "vi" else "vi",
            t=_lookup(lang, catalogue),
            who=who,
            nav=registry.nav(who.person.role),
            title=title,
            banner=banner,
            when=lambda epoch: fmt.when(epoch, lang),
            day=fmt.day,
            **context,
        )
    )
    return page_response(body, lang, status)


def bare_page(lang: str, title: str, heading: str, detail: str, status: int) -> HTMLResponse:
    """A page outside the signed-in layout (sign-in, errors)."""
    body = environment().get_template("message.html").render(
        lang=lang, other_lang="en" if lang == "vi" else "vi", t=_lookup(lang, None),
        title=title, heading=heading, detail=detail,
    )  # fmt: skip
    return page_response(body, lang, status)


def page_response(body: str, lang: str, status: int = 200) -> HTMLResponse:
    response = HTMLResponse(body, status_code=status, headers=HEADERS)
    response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax")
    return response
