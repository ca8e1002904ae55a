"""Amounts in đồng (written and read), the language choice, and a message for every outcome
code the agent can answer with, in both languages."""

from __future__ import annotations

import pytest

from cardsvc.core.codes import ResultCode
from cardsvc.protocol.codes import ProtocolCode
from reader_agent.agent.outbox import State
from reader_agent.agent.results import AgentCode
from reader_agent.agent.risk import Refusal
from terminals.counter.outcomes import describe, message_key
from terminals.counter.text import MESSAGES, AmountError, dong, parse_amount, pick_lang

# The agent's HTTP error codes (reader_agent.agent.api) and the counter's own.
HTTP_ERRORS = ["no_card", "reader_busy", "reader_unavailable", "card_error", "unknown_card",
               "invalid", "agent_unreachable", "agent_timeout", "agent_error"]  # fmt: skip
ANSWER_CODES = sorted(
    {c.value for c in AgentCode} | {r.value for r in Refusal} | {c.value for c in ResultCode}
    | {c.value for c in ProtocolCode} | {"pending", State.CANCELLED.value, State.UNRESOLVED.value}
)  # fmt: skip


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(1_250_000, "1.250.000 ₫"), (0, "0 ₫"), (999, "999 ₫"), (1_000, "1.000 ₫"),
     (-50_000, "-50.000 ₫"), (10**12, "1.000.000.000.000 ₫")],
)  # fmt: skip
def test_dong_uses_dots_between_thousands(amount: int, shown: str) -> None:
    assert dong(amount) == shown


@pytest.mark.parametrize("amount", [1.5, True, "100"])
def test_dong_refuses_anything_but_int(amount: object) -> None:
    with pytest.raises(TypeError):
        dong(amount)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("200000", 200_000), ("200.000", 200_000), ("200 000", 200_000), ("1.250.000 ₫", 1_250_000),
     ("50.000đ", 50_000), ("50000 VND", 50_000), (" 7 ", 7), ("0050", 50),
     ("1.000.000.000.000", 10**12), ("50k", 50_000), ("50K", 50_000), ("1tr", 1_000_000),
     ("1TR", 1_000_000), ("1m", 1_000_000), ("1 triệu", 1_000_000), ("50 nghìn", 50_000),
     ("1,5tr", 1_500_000), ("1.5tr", 1_500_000), ("1tr5", 1_500_000), ("1tr25", 1_250_000),
     ("2,5k", 2_500), ("200k ₫", 200_000), ("12.000 đ", 12_000)],
)  # fmt: skip
def test_parse_amount_reads_what_staff_type(typed: str, amount: int) -> None:
    assert parse_amount(typed) == amount


@pytest.mark.parametrize(
    ("typed", "key"),
    [("", "amount_missing"), ("  ₫", "amount_missing"), ("abc", "amount_bad"),
     ("200,5", "amount_decimal"), ("20.00", "amount_decimal"), ("1.2345", "amount_bad"),
     ("-5", "amount_bad"), ("1e6", "amount_bad"), ("5.000.", "amount_bad"),
     ("1000000000001", "amount_too_large"), ("0", "amount_zero"), ("0.000", "amount_zero"),
     ("1000000000000000", "amount_too_large"), ("1.000.000.000.000.000", "amount_too_large"),
     ("1.5", "amount_decimal"), ("1,0005k", "amount_fraction"), ("0k", "amount_zero"),
     ("5kk", "amount_bad"), ("k", "amount_bad"), ("x" * 41, "amount_bad"),
     ("2000000tr", "amount_too_large")],
)  # fmt: skip
def test_parse_amount_refuses_with_a_reason(typed: str, key: str) -> None:
    with pytest.raises(AmountError) as refused:
        parse_amount(typed)
    assert refused.value.key == key
    assert key in MESSAGES


def test_zero_is_allowed_only_when_asked() -> None:
    assert parse_amount("0", allow_zero=True) == 0


def test_language_choice() -> None:
    assert pick_lang(None, None) == "vi"
    assert pick_lang(None, None, "en") == "en"
    assert pick_lang("en", "vi") == "en"
    assert pick_lang("fr", "en") == "en"
    assert pick_lang("<script>", None) == "vi"


@pytest.mark.parametrize("code", ANSWER_CODES + HTTP_ERRORS)
def test_every_code_has_its_own_message_in_both_languages(code: str) -> None:
    key = message_key(code, "online")
    assert key, f"no message for {code}: staff would only see the code"
    vi, en = describe("vi", code), describe("en", code)
    assert vi and en and vi != en
    assert f"({code})" not in vi + en and code not in (vi, en)  # a sentence, not the raw code


@pytest.mark.parametrize(
    ("mode", "vi", "en"),
    [("online", "Thành công.", "Done."), ("offline", "ngoại tuyến", "offline"),
     ("queued", "xếp hàng", "queued")],
)  # fmt: skip
def test_ok_says_how_it_was_done(mode: str, vi: str, en: str) -> None:
    assert vi in describe("vi", "ok", mode) and en in describe("en", "ok", mode)


def test_an_unknown_code_is_shown_as_a_refusal_naming_it() -> None:
    assert describe("vi", "some_new_code") == "Bị từ chối (some_new_code)."
    assert describe("en", "some_new_code") == "Refused (some_new_code)."
