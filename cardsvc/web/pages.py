"""Rendering the customer pages: a view of an instrument for people, and the templates."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from cardsvc.web.text import dong, t, when

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(("html",)),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass
class InstrumentPage:
    """What the customer sees of one instrument: already formatted in their language."""

    kind: str
    status_key: str
    status: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    history: list[tuple[str, str, str]] = field(default_factory=list)  # when, what, amount


def _status_key(view: dict[str, Any], now: int) -> str:
    if view["status"] == "blocked":
        return "st_blocked"
    if view["status"] == "expired" or (view["valid_until"] and now >= view["valid_until"]):
        return "st_expired"
    if view["valid_from"] and now < view["valid_from"]:
        return "st_not_yet"
    if view["uses_left"] == 0 or (view["kind"] == "gift" and view["balance"] == 0):
        return "st_used"
    return "st_valid"


def instrument_page(
    lang: str, view: dict[str, Any], terms: dict[str, int], history: list[dict[str, Any]],
    now: int, offset_h: int,
) -> InstrumentPage:
    key = _status_key(view, now)
    page = InstrumentPage(t(lang, "kind_" + view["kind"]), key, t(lang, key))
    if view["kind"] != "eticket" and not terms.get("discount_bp"):
        page.rows.append((t(lang, "balance"), dong(int(view["balance"]))))
    if terms.get("discount_bp"):
        pct = f"{terms['discount_bp'] / 100:g}".replace(".", ",")
        page.rows.append(("", t(lang, "discount", pct=pct, cap=dong(terms["discount_cap"]))))
    if terms.get("min_spend"):
        page.rows.append(("", t(lang, "min_spend", amount=dong(terms["min_spend"]))))
    if view["kind"] != "gift":
        left = view["uses_left"]
        shown = t(lang, "unlimited") if left is None else str(left)
        page.rows.append((t(lang, "uses_left"), shown))
    if view["valid_from"]:
        page.rows.append((t(lang, "valid_from"), when(view["valid_from"], offset_h)))
    page.rows.append((t(lang, "valid_until"), when(view["valid_until"], offset_h)))
    for h in history:
        amount = dong(int(h["amount"])) if h["amount"] else ""
        page.history.append((when(h["occurred_at"] or h["at"], offset_h),
                             t(lang, "op_" + h["op"]), amount))
    return page


def render(template: str, lang: str, **context: Any) -> str:
    other = "en" if lang == "vi" else "vi"
    return _env.get_template(template).render(
        lang=lang, other_lang=other, t=lambda key, **kw: t(lang, key, **kw), **context
    )
