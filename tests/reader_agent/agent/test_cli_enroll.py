"""`reader-agent enroll` and `run` through the command line entry point."""

from __future__ import annotations

from pathlib import Path

import pytest

from keys.file_keystore import FileKeystore
from keys.settings import KeysSettings, open_keystore
from reader_agent.agent.identity import Identity
from reader_agent.cli import main

from .conftest import PASSPHRASE, STORE, Chain


def test_enroll_creates_the_key_and_identity(
    chain: Chain,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CARDKEYS_FILE", str(tmp_path / "terminal-keys.json"))
    monkeypatch.setenv("CARDKEYS_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CARDKEYS_SCRYPT_N", str(2**10))
    data = tmp_path / "agent"
    code = chain.post("/v1/terminals", {"id": "S1-POS9", "store_id": STORE, "name": "Quầy 9"})
    args = ["enroll", "--ledger", chain.server.url, "--terminal", "S1-POS9",
            "--data-dir", str(data)]  # fmt: skip
    assert main([*args, "--code", code["enrollment_code"]]) == 0
    identity = Identity.load(data / "identity.json")
    assert (identity.terminal_id, identity.store_id) == ("S1-POS9", STORE)
    assert identity.key_id in capsys.readouterr().out
    # a used code is refused with a clear message, and the identity is left as it was
    assert main([*args, "--code", code["enrollment_code"]]) == 2
    assert "refused the enrollment" in capsys.readouterr().err
    assert Identity.load(data / "identity.json") == identity


def test_run_without_enrollment_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--data-dir", str(tmp_path / "none")]) == 2
    assert "not enrolled" in capsys.readouterr().err


def test_enroll_with_the_ledger_down_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CARDKEYS_FILE", str(tmp_path / "k.json"))
    monkeypatch.setenv("CARDKEYS_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CARDKEYS_SCRYPT_N", str(2**10))
    args = ["enroll", "--ledger", "http://127.0.0.1:9", "--terminal", "T", "--code", "x" * 12,
            "--data-dir", str(tmp_path / "a")]  # fmt: skip
    assert main(args) == 2
    assert "cannot reach the ledger" in capsys.readouterr().err


def test_a_failed_enroll_leaves_no_keystore_it_created(
    chain: Chain,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    keys = tmp_path / "keys" / "terminal-keys.json"
    keys.parent.mkdir()
    monkeypatch.setenv("CARDKEYS_FILE", str(keys))
    monkeypatch.setenv("CARDKEYS_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CARDKEYS_SCRYPT_N", str(2**10))
    args = ["enroll", "--ledger", chain.server.url, "--terminal", "S1-POS7",
            "--data-dir", str(tmp_path / "agent"), "--code", "x" * 12]  # fmt: skip
    assert main(args) == 2  # no such terminal: refused
    assert "refused the enrollment" in capsys.readouterr().err
    assert list(keys.parent.iterdir()) == []  # neither the keystore nor its lock file
    assert not (tmp_path / "agent" / "identity.json").exists()
    # the ledger out of reach: the same
    assert main([*args[:2], "http://127.0.0.1:9", *args[3:]]) == 2
    assert "cannot reach the ledger" in capsys.readouterr().err
    assert list(keys.parent.iterdir()) == []
    # a keystore that was there before is the operator's: kept, with what it held
    FileKeystore.create(keys, PASSPHRASE, scrypt_n=2**10).close()
    assert main(args) == 2
    capsys.readouterr()
    assert keys.exists()
    kept = open_keystore(KeysSettings(), PASSPHRASE)
    assert [r.label for r in kept.list_keys()] == ["terminal"]  # reused by the next attempt
    kept.close()


def _enrolled(chain: Chain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, terminal: str) -> Path:
    """A terminal enrolled through the command line; its data directory."""
    monkeypatch.setenv("CARDKEYS_FILE", str(tmp_path / "terminal-keys.json"))
    monkeypatch.setenv("CARDKEYS_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CARDKEYS_SCRYPT_N", str(2**10))
    data = tmp_path / "agent"
    code = chain.post("/v1/terminals", {"id": terminal, "store_id": STORE, "name": terminal})
    enroll = ["enroll", "--ledger", chain.server.url, "--terminal", terminal,
              "--data-dir", str(data), "--code", code["enrollment_code"]]  # fmt: skip
    assert main(enroll) == 0
    return data


def test_rotate_key_enrols_a_successor_endorsed_by_the_enrolled_key(
    chain: Chain,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = _enrolled(chain, tmp_path, monkeypatch, "S1-POS8")
    before = Identity.load(data / "identity.json")
    capsys.readouterr()
    assert main(["rotate-key", "--data-dir", str(data)]) == 0
    after = Identity.load(data / "identity.json")
    assert after.key_id != before.key_id
    assert after.key_id in capsys.readouterr().out
    # the ledger knows both keys: a second rotation is endorsed by the new one
    assert main(["rotate-key", "--data-dir", str(data)]) == 0
    assert Identity.load(data / "identity.json").key_id not in (before.key_id, after.key_id)


def test_rotate_key_with_the_ledger_down_keeps_the_enrolled_key(
    chain: Chain,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = _enrolled(chain, tmp_path, monkeypatch, "S1-POS7")
    identity = Identity.load(data / "identity.json")
    moved = identity.__class__(**{**identity.__dict__, "ledger_url": "http://127.0.0.1:9"})
    moved.save(data / "identity.json")
    assert main(["rotate-key", "--data-dir", str(data)]) == 2
    assert "cannot reach the ledger" in capsys.readouterr().err
    assert Identity.load(data / "identity.json").key_id == identity.key_id
    keystore = open_keystore(KeysSettings(), PASSPHRASE)
    assert keystore.signer(identity.key_label).key_id == identity.key_id  # still the enrolled key
