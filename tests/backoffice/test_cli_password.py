"""`cardsvc people password ID`: the password comes from standard input (never an argument),
is checked like the back office checks it, and signs the person in. SQLite and PostgreSQL."""

from __future__ import annotations

import io

import pytest

from cardsvc.cli import main
from cardsvc.services import signin
from cardsvc.services.signin import Outcome, SignInPolicy
from cardsvc.settings import get_settings
from cardsvc.storage.unit_of_work import Database


@pytest.fixture
def cli_db(ledger_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CARDSVC_DATABASE_URL", ledger_url)
    get_settings.cache_clear()
    yield ledger_url
    get_settings.cache_clear()


def test_a_password_set_from_the_command_line_signs_in(
    cli_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["people", "create", "root", "--name", "Root", "--role", "admin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["people", "password", "root"]) == 2
    assert "error: The password needs at least 10 characters." in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-enough-one\n"))
    assert main(["people", "password", "root"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-enough-one\n"))
    assert main(["people", "password", "nobody"]) == 2
    database = Database.open(cli_db, migrate=False)
    try:
        with database.write() as uow:
            ok = signin.sign_in(uow, "root", "a-long-enough-one", 1_750_000_000, SignInPolicy())
            wrong = signin.sign_in(uow, "root", "short", 1_750_000_000, SignInPolicy())
    finally:
        database.close()
    assert ok.outcome is Outcome.OK and wrong.outcome is Outcome.BAD
