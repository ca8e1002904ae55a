"""Settings from the environment (TERMINALS_COUNTER_*), overridden by the command line."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from terminals.counter.cli import build_parser, counter_settings
from terminals.counter.settings import CounterSettings


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERMINALS_COUNTER_AGENT_URL", "http://127.0.0.1:9000")
    monkeypatch.setenv("TERMINALS_COUNTER_LANGUAGE", "en")
    monkeypatch.setenv("TERMINALS_COUNTER_RECEIPT_HEADER", '["Cửa hàng 1", "12 Lê Lợi"]')
    monkeypatch.setenv("TERMINALS_COUNTER_PORT", "8790")
    settings = CounterSettings()
    assert (settings.agent_url, settings.language, settings.port) == (
        "http://127.0.0.1:9000", "en", 8790,
    )  # fmt: skip
    assert settings.receipt_header == ["Cửa hàng 1", "12 Lê Lợi"]
    assert settings.host == "127.0.0.1"  # loopback unless told otherwise


def test_flags_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERMINALS_COUNTER_PORT", "8790")
    args = build_parser().parse_args(["counter", "--port", "8791", "--agent", "http://a:1"])
    settings = counter_settings(args)
    assert (settings.port, settings.agent_url, settings.language) == (8791, "http://a:1", "vi")


@pytest.mark.parametrize(
    ("name", "value"),
    [("LANGUAGE", "fr"), ("PORT", "70000"), ("TAP_TIMEOUT_S", "0"),
     ("RECEIPT_HEADER", '["' + "x" * 49 + '"]'), ("RECEIPT_HEADER", '{"a": 1}')],
)  # fmt: skip
def test_bad_settings_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(f"TERMINALS_COUNTER_{name}", value)
    with pytest.raises(ValidationError):
        CounterSettings()
