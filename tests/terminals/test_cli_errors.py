"""Bad settings at the command line get a sentence, not a traceback."""

from __future__ import annotations

import pytest

from terminals.counter.cli import main


def test_a_port_that_is_not_a_number_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TERMINALS_COUNTER_PORT", "abc")
    assert main(["counter"]) == 2
    err = capsys.readouterr().err
    assert "port" in err and "'abc'" in err and "Traceback" not in err and "https://" not in err
