"""The `cardkeys` command line, through main([...]) and once through the installed script."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from keys.cli import main
from keys.components import split_key, write_component_file
from keys.kcv import aes_kcv
from keys.published import load_keyset
from tests.keys.conftest import PASSPHRASE, TEST_SCRYPT_N, SoftHsmToken

MASTER = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
VECTOR_KEY = "A8DD63A3B89D54B37CA802473FDA9175"
DIVERSIFY = ["--uid", "04782E21801D80", "--aid", "3042F5", "--system-id", "4E585020416275"]


@pytest.fixture
def keystore_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "keys.json"
    monkeypatch.setenv("CARDKEYS_KEYSTORE", "file")
    monkeypatch.setenv("CARDKEYS_FILE", str(path))
    monkeypatch.setenv("CARDKEYS_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CARDKEYS_SCRYPT_N", str(TEST_SCRYPT_N))
    assert main(["init"]) == 0
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_help_for_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    commands = ["init", "list", "generate", "import-components", "rotate", "revoke", "kcv",
                "diversify", "export-public"]
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    top = capsys.readouterr().out
    for command in commands:
        assert command in top
        with pytest.raises(SystemExit) as exit_info:
            main([command, "--help"])
        assert exit_info.value.code == 0
        assert f"usage: cardkeys {command}" in capsys.readouterr().out


def test_master_key_life_cycle(keystore_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "generate", "--label", "cm")
    assert status == 0 and "cm/v1 (aes128, card-master) kcv" in out
    status, out, _ = run(capsys, "list", "--json")
    (row,) = json.loads(out)
    assert (row["label"], row["version"], row["status"]) == ("cm", 1, "active")
    assert set(row) >= {"kcv", "created_at"} and "secret" not in json.dumps(row)
    status, out, _ = run(capsys, "kcv", "--label", "cm")
    assert status == 0 and f"kcv {row['kcv']} (matches the record)" in out
    status, out, _ = run(capsys, "rotate", "--label", "cm", "--overlap", "7d")
    assert status == 0 and "rotated to cm/v2" in out
    status, out, _ = run(capsys, "revoke", "--label", "cm", "--version", "1")
    assert status == 0 and "revoked cm/v1" in out
    status, out, _ = run(capsys, "list")
    lines = out.splitlines()
    assert lines[0].split() == ["label", "ver", "type", "purpose", "kcv", "/", "key", "id",
                                "created", "status"]
    assert lines[1].split()[-1] == "revoked" and lines[2].split()[-1] == "active"


def test_components_from_files_and_kcv_mismatch(
    keystore_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = []
    for number, component in enumerate(split_key(MASTER, 3), start=1):
        files += ["--component-file", str(tmp_path / f"c{number}.txt")]
        write_component_file(tmp_path / f"c{number}.txt", "cm", number, 3, component)
    wrong = "000000" if aes_kcv(MASTER) != "000000" else "111111"
    status, _, err = run(capsys, "import-components", "--label", "cm", *files,
                         "--expect-kcv", wrong)
    assert status == 1 and "KCV mismatch" in err and "entered wrongly" in err
    status, out, _ = run(capsys, "import-components", "--label", "cm", *files,
                         "--expect-kcv", aes_kcv(MASTER).lower())
    assert status == 0 and f"kcv {aes_kcv(MASTER)}" in out
    status, out, _ = run(capsys, "diversify", "--label", "cm", "--version", "1", *DIVERSIFY)
    assert status == 0 and VECTOR_KEY not in out
    assert f"kcv {aes_kcv(bytes.fromhex(VECTOR_KEY))}" in out
    status, out, _ = run(capsys, "diversify", "--label", "cm", "--version", "1", *DIVERSIFY,
                         "--test-mode")
    assert status == 0 and "TEST MODE" in out and f"derived card key {VECTOR_KEY}" in out


def test_generate_as_components_writes_one_file_per_custodian(
    keystore_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "custodians"
    out_dir.mkdir()
    status, out, _ = run(capsys, "generate", "--label", "cm", "--components", "2",
                         "--component-dir", str(out_dir))
    assert status == 0
    files = sorted(out_dir.iterdir())
    assert [f.name for f in files] == ["cm-v1-component-1.txt", "cm-v1-component-2.txt"]
    imported = ["--component-file", str(files[0]), "--component-file", str(files[1])]
    status, _, _ = run(capsys, "import-components", "--label", "again", *imported)
    assert status == 0
    status, out, _ = run(capsys, "list", "--json")
    kcvs = {row["label"]: row["kcv"] for row in json.loads(out)}
    assert kcvs["cm"] == kcvs["again"]


def test_signing_keys_and_signed_public_export(
    keystore_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "generate", "--label", "qr", "--type", "ed25519", "--purpose", "qr")[0] == 0
    assert run(capsys, "generate", "--label", "pub", "--type", "ed25519",
               "--purpose", "keyset")[0] == 0
    assert run(capsys, "rotate", "--label", "qr", "--overlap", "1h")[0] == 0
    status, _, err = run(capsys, "kcv", "--label", "qr")
    assert status == 1 and "not a KCV" in err
    status, _, err = run(capsys, "export-public", "--purpose", "qr", "--sign-with", "qr")
    assert status == 1 and "not a 'keyset' signing key" in err
    out_file = tmp_path / "qr-keys.json"
    status, _, _ = run(capsys, "export-public", "--purpose", "qr", "--sign-with", "pub",
                       "--out", str(out_file))
    assert status == 0
    rows = json.loads(run(capsys, "list", "--json")[1])
    publisher = next(r for r in rows if r["label"] == "pub")
    published = load_keyset(out_file.read_text(),
                            trusted_signers={publisher["key_id"]: bytes.fromhex(
                                publisher["public_key"])})
    assert published.signed_by == publisher["key_id"]
    assert {e.key_id for e in published.keyring.entries()} == {
        r["key_id"] for r in rows if r["purpose"] == "qr"}


def test_wrong_passphrase_and_missing_passphrase(
    keystore_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = keystore_env.read_bytes()
    monkeypatch.setenv("CARDKEYS_PASSPHRASE", "not the right one")
    status, out, err = run(capsys, "generate", "--label", "x")
    assert status == 1 and "wrong passphrase" in err and "not the right one" not in err + out
    monkeypatch.delenv("CARDKEYS_PASSPHRASE")
    monkeypatch.setattr(sys, "stdin", io.StringIO())  # not a terminal: no prompt
    status, _, err = run(capsys, "list")
    assert status == 1 and "set CARDKEYS_PASSPHRASE" in err
    assert keystore_env.read_bytes() == before
    status, _, err = run(capsys, "init")
    assert status == 1


def test_init_refuses_to_overwrite(keystore_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = keystore_env.read_bytes()
    status, _, err = run(capsys, "init")
    assert status == 1 and "already exists" in err
    assert keystore_env.read_bytes() == before


def test_hsm_keystore_through_the_cli(
    softhsm_token: SoftHsmToken, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CARDKEYS_KEYSTORE", "pkcs11")
    monkeypatch.setenv("CARDKEYS_PKCS11_MODULE", softhsm_token.module)
    monkeypatch.setenv("CARDKEYS_PIN", softhsm_token.pin)
    status, _, err = run(capsys, "init", "--token-label", "no-such-token")
    assert status == 1 and "no token labelled 'no-such-token'" in err
    monkeypatch.setenv("CARDKEYS_TOKEN_LABEL", softhsm_token.label)
    status, out, _ = run(capsys, "init")
    assert status == 0 and "every needed mechanism" in out
    assert run(capsys, "generate", "--label", "cm")[0] == 0
    status, out, _ = run(capsys, "kcv", "--label", "cm", "--version", "1")
    assert status == 0 and "matches the record" in out
    status, out, err = run(capsys, "diversify", "--label", "cm", "--version", "1", *DIVERSIFY,
                           "--test-mode")
    assert status == 1 and "never an HSM" in err and "derived card key" not in out


def test_installed_console_script(keystore_env: Path) -> None:
    script = shutil.which("cardkeys", path=str(Path(sys.executable).parent))
    assert script is not None, "the cardkeys console script is not installed in the venv"
    help_run = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60)
    assert help_run.returncode == 0 and "export-public" in help_run.stdout
    listed = subprocess.run([script, "list", "--json"], capture_output=True, text=True,
                            timeout=60, env=os.environ.copy())
    assert listed.returncode == 0 and json.loads(listed.stdout) == []
