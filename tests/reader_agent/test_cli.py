"""The reader-agent command line: readers listing and card emulation as a separate process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from keys.file_keystore import FileKeystore
from reader_agent.agent.card_keys import KeystoreCardKeys
from reader_agent.agent.settings import AgentSettings
from reader_agent.cards.desfire import DesfireClient
from reader_agent.cards.purse import Purse, PurseLayout
from reader_agent.cli import build_parser, main
from reader_agent.drivers import pcsc

from .conftest import VPCD_PORT, VPCD_READER, wait_until_reader_empty


def test_emulate_needs_exactly_one_transport(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["emulate", "desfire"])
    with pytest.raises(SystemExit):
        main(["emulate", "ntag", "--vpcd", "127.0.0.1:1", "--nfc", "udp:127.0.0.1:2"])
    assert "one of the arguments --vpcd --nfc is required" in capsys.readouterr().err


def test_bad_uid_is_refused() -> None:
    with pytest.raises(SystemExit, match="7 bytes"):
        main(["emulate", "ntag", "--uid", "0102", "--vpcd", "127.0.0.1:35963"])


def test_parser_has_room_for_more_subcommands() -> None:
    parser = build_parser()
    args = parser.parse_args(["readers"])
    assert args.func.__name__ == "run_readers"


def test_readers_reports_a_missing_pcscd(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from reader_agent.drivers.errors import ReaderUnavailableError

    def unavailable() -> list[object]:
        raise ReaderUnavailableError("PC/SC unavailable: Service not available.; is pcscd running?")

    monkeypatch.setattr(pcsc, "list_readers", unavailable)
    assert main(["readers"]) == 1
    assert "pcscd" in capsys.readouterr().out


@pytest.mark.pcscd
def test_readers_lists_the_virtual_readers(
    pcscd_available: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["readers"]) == 0
    assert f"pcsc  {VPCD_READER}" in capsys.readouterr().out


@pytest.mark.pcscd
def test_readme_emulated_purse_is_read_and_debited_by_the_agents_keys(
    pcscd_available: None, tmp_path: Path
) -> None:
    """The README's `reader-agent emulate desfire --balance 50000 --state card.json --vpcd ..`:
    a factory-fresh card personalised with the agent's keystore, read and debited through the
    real pcscd with the agent's own key provider, surviving an emulator restart."""
    settings = AgentSettings()
    store = FileKeystore.create(tmp_path / "keys.json", "readme passphrase", scrypt_n=2**10)
    for label in settings.card_key_labels:
        store.generate_master_key(label)
    env = dict(os.environ, CARDKEYS_KEYSTORE="file", CARDKEYS_FILE=str(tmp_path / "keys.json"),
               CARDKEYS_PASSPHRASE="readme passphrase")  # fmt: skip
    state = tmp_path / "card.json"
    command = [
        sys.executable, "-m", "reader_agent.cli", "emulate", "desfire", "--balance", "50000",
        "--state", str(state), "--vpcd", f"127.0.0.1:{VPCD_PORT}",
    ]  # fmt: skip
    keys = KeystoreCardKeys(store, settings.key_scheme, settings.card_key_version)
    for expected in (50_000, 45_000):
        wait_until_reader_empty()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
        try:
            with pcsc.PcscReader(VPCD_READER) as reader:
                reader.wait_for_card(15.0)
                purse = Purse(DesfireClient(reader.transmit), keys, PurseLayout())
                assert purse.balance().value_after == expected
                purse.debit(5_000)
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(15) == 0
    saved = state.read_text()
    assert '"type": "aes"' in saved and '"type": "des"' not in saved  # PICC key made AES
    wait_until_reader_empty()
