"""Bad input at the command line, tried as a new user would: each gets a sentence (no traceback,
no pydantic dump with links), nothing is left behind, and the exit status says it failed."""

from __future__ import annotations

import csv
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cardsvc.cli import main
from cardsvc.settings import get_settings
from tests.support import free_port
from tests.vouchers.keys_fixture import PASSPHRASE, qr_keystore


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    qr_keystore(tmp_path / "keys.json", lambda: int(time.time()) - 60).close()
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    monkeypatch.setenv("CARDSVC_DATABASE_URL", url)
    monkeypatch.setenv("CARDKEYS_FILE", str(tmp_path / "keys.json"))
    monkeypatch.setenv("CARDKEYS_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CARDSVC_VOUCHERS_CODE_PEPPER", "cli-pepper")
    get_settings.cache_clear()
    return url


def _said(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and "https://" not in err and "pydantic" not in err, err
    return err


def test_serve_with_the_database_down_says_so_in_one_sentence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CARDSVC_DATABASE_URL",
                       f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/x")  # fmt: skip
    get_settings.cache_clear()
    try:
        assert main(["serve"]) == 1
    finally:
        get_settings.cache_clear()
    err = _said(capsys)
    assert "database is unreachable" in err and len(err.strip().splitlines()) == 1


def test_a_bad_setting_is_named_with_what_was_given(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CARDSVC_PORT", "abc")
    get_settings.cache_clear()
    try:
        assert main(["serve"]) == 1
    finally:
        get_settings.cache_clear()
    assert "port:" in (err := _said(capsys)) and "'abc'" in err


def test_numbers_out_of_range_are_refused_before_anything_runs(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as refused:
        main(["vouchers", "create", "--id", "X", "--name", "X", "--value", "1000",
              "--uses", "3000000000", "--valid-until", "2027-02-28"])  # fmt: skip
    assert refused.value.code == 2
    assert "out of range: from 1 to 1,000,000" in _said(capsys)


def test_a_refused_generation_leaves_no_folder_behind(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "new" / "codes"
    assert main(["vouchers", "generate", "--campaign", "NOPE", "--count", "3",
                 "--out", str(out)]) == 1  # fmt: skip
    assert "no campaign NOPE" in _said(capsys)
    assert not (tmp_path / "new").exists()


def test_checkins_of_an_unknown_event_is_an_error(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["tickets", "checkins", "--event", "NOPE"]) == 1
    assert "no campaign NOPE" in _said(capsys)


def test_the_last_day_is_included_and_csv_dates_are_local(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["vouchers", "create", "--id", "TET", "--name", "Tết", "--value", "50000",
                 "--valid-until", "2099-02-28"]) == 0  # fmt: skip
    out = tmp_path / "tet"
    assert main(["vouchers", "generate", "--campaign", "TET", "--count", "1", "--out", str(out),
                 "--images", "none", "--no-sheets"]) == 0  # fmt: skip
    with (out / "codes.csv").open(encoding="utf-8") as f:
        row = next(csv.DictReader(f))
    assert row["valid_until"] == "2099-03-01T00:00+07:00"  # all of 28 February, Vietnam time
    payload = row["qr_payload"]
    capsys.readouterr()
    assert main(["qr", "verify", "  " + payload]) == 0  # pasted with blanks in front
    said = capsys.readouterr().out
    assert said.startswith("VALID") and "2099-03-01 00:00 (Vietnam time)" in said


def test_a_closed_pipe_is_not_an_error(cli_env: str, tmp_path: Path) -> None:
    main(["tickets", "create", "--id", "FEST", "--name", "Lễ hội", "--valid-until", "2099-01-01"])
    out = tmp_path / "fest"
    assert main(["tickets", "generate", "--event", "FEST", "--count", "1", "--out", str(out),
                 "--images", "none", "--no-sheets"]) == 0  # fmt: skip
    with (out / "codes.csv").open(encoding="utf-8") as f:
        payload = next(csv.DictReader(f))["qr_payload"]
    command = f"{sys.executable} -m cardsvc.cli qr verify '{payload}' | head -c 1"
    done = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=60)
    assert "Broken pipe" not in done.stderr and "Traceback" not in done.stderr, done.stderr
