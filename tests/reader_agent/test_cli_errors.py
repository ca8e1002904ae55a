"""The agent's command line refuses bad input in words."""

from __future__ import annotations

import pytest

from reader_agent.cli import main


@pytest.mark.parametrize("balance", ["-5", "3000000000", "abc"])
def test_an_emulated_purse_balance_is_bounded(
    balance: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as refused:
        main(["emulate", "desfire", "--balance", balance])
    assert refused.value.code == 2
    err = capsys.readouterr().err
    assert "out of range" in err or "not a whole number" in err


def test_a_failing_command_says_why_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    monkeypatch.setenv("READER_AGENT_API_PORT", "not-a-port")
    assert main(["run"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("reader-agent: error:") and "Traceback" not in err
    assert "https://" not in err and "'not-a-port'" in err
