"""Rendering the customer sign-up and feedback pages with their own catalogue."""

from __future__ import annotations

from typing import Any

from cardsvc.web.customer_text import t
from cardsvc.web.pages import _env


def render_customer(template: str, lang: str, title_key: str, switch_url: str,
                    **context: Any) -> str:  # fmt: skip
    return _env.get_template(template).render(
        lang=lang, title=t(lang, title_key), switch_url=switch_url,
        t=lambda key, **kw: t(lang, key, **kw), **context,
    )
