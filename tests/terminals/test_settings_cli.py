"""Settings from the environment (TERMINALS_COUNTER_*), overridden by the command line."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from terminals.counter.cli import build_parser, counter_settings, main
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


@pytest.mark.parametrize(
    ("argv", "said"),
    [(["--port", "70000"], "setting port (TERMINALS_COUNTER_PORT, or --port): '70000' is not"),
     (["--port", "abc"], "setting port (TERMINALS_COUNTER_PORT, or --port): 'abc' is not valid"),
     (["--language", "fr"], "setting language (TERMINALS_COUNTER_LANGUAGE, or --language): 'fr'")],
)  # fmt: skip
def test_a_bad_setting_is_one_clear_line(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["counter", *argv]) == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_bad_setting_from_the_environment_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TERMINALS_COUNTER_PORT", "0")
    assert main(["counter"]) == 2
    assert "TERMINALS_COUNTER_PORT" in capsys.readouterr().err


def test_help_names_the_settings(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["counter", "--help"])
    assert done.value.code == 0
    shown = capsys.readouterr().out
    assert "TERMINALS_COUNTER_" in shown and "--port" in shown and "PIN" in shown
