"""The one implementation of what the web front-ends write for people: the customer pages and
the counter format amounts and times and choose and look up languages through
cardsvc.protocol.text, each with its own catalogue; none keeps a copy of the helpers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cardsvc.protocol import text
from cardsvc.protocol.text import Catalogue
from cardsvc.web import text as web_text
from terminals.counter import text as counter_text

ROOT = Path(__file__).parents[2]
FRONT_ENDS = (ROOT / "cardsvc" / "web", ROOT / "terminals")
SHARED = {"dong", "grouped", "when", "pick_lang", "t", "has"}


def test_both_front_ends_use_the_shared_helpers() -> None:
    for front_end in (web_text, counter_text):
        assert front_end.dong is text.dong and front_end.when is text.when
        assert front_end.pick_lang is text.pick_lang
        assert isinstance(front_end.t.__self__, Catalogue)
    assert counter_text.grouped is text.grouped
    # each keeps its own catalogue
    assert web_text.MESSAGES is not counter_text.MESSAGES
    assert web_text.t("en", "balance") != web_text.t("en", "no-such-key") == "no-such-key"


def test_no_front_end_module_defines_its_own_helpers() -> None:
    for module in sorted(p for root in FRONT_ENDS for p in root.rglob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        assert not defined & SHARED, f"{module}: its own {sorted(defined & SHARED)}"


def test_a_catalogue_holds_every_message_in_every_language() -> None:
    with pytest.raises(ValueError, match="missing"):
        Catalogue({"ok": {"vi": "Được", "en": "OK"}, "missing": {"vi": "Thiếu"}})


def test_a_message_falls_back_to_vietnamese_then_to_its_key() -> None:
    catalogue = Catalogue({"hello": {"vi": "Xin chào {name}", "en": ""}})
    assert catalogue.t("en", "hello", name="Lan") == "Xin chào Lan"
    assert catalogue.t("vi", "unknown") == "unknown" and not catalogue.has("unknown")


@pytest.mark.parametrize(
    ("query", "cookie", "default", "chosen"),
    [("en", "vi", "vi", "en"), (None, "en", "vi", "en"), ("fr", None, "en", "en"),
     (None, None, "vi", "vi")],
)  # fmt: skip
def test_the_language_asked_for_then_remembered_then_the_default(
    query: str | None, cookie: str | None, default: str, chosen: str
) -> None:
    assert text.pick_lang(query, cookie, default) == chosen


def test_times_in_the_stores_zone() -> None:
    assert text.when(1_764_000_000, 7) == "24/11/2025 23:00"
    assert text.when(None, 7) == "-"
