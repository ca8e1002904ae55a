"""`reader-agent emulate desfire|ntag`: an emulated card in pcscd's vpcd or an nfcpy UDP field."""

from __future__ import annotations

import argparse
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from reader_agent.cards.desfire import DesfireClient, aid_bytes
from reader_agent.cards.purse import Purse, PurseLayout, personalise
from reader_agent.emulate.card import EmulatedCard
from reader_agent.emulate.desfire_card import EmulatedDesfire
from reader_agent.emulate.desfire_state import (
    HW_MAJOR_EV1,
    HW_MAJOR_EV2,
    DesfireCardState,
    KeySlot,
    factory_picc_key,
    load_state,
    save_state,
)
from reader_agent.emulate.ntag_card import EmulatedNtag

if TYPE_CHECKING:
    from reader_agent.agent.card_keys import KeystoreCardKeys

log = logging.getLogger(__name__)
DEFAULT_DESFIRE_UID = "04C0FFEE000001"
DEFAULT_NTAG_UID = "04C0FFEE000002"


def _balance(text: str) -> int:
    """A purse balance in whole đồng: a DESFire value file holds 0 .. 2**31 - 1."""
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of đồng") from None
    if not 0 <= value <= 2**31 - 1:
        raise argparse.ArgumentTypeError(f"{value:,} is out of range: 0 to 2,147,483,647 đồng")
    return value


def add_emulate(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("emulate", help="present an emulated card to a reader stack")
    kinds = parser.add_subparsers(dest="card", required=True)
    desfire = kinds.add_parser("desfire", help="DESFire purse card")
    desfire.add_argument("--uid", default=DEFAULT_DESFIRE_UID, help="7-byte UID in hex")
    desfire.add_argument(
        "--balance",
        type=_balance,
        help="personalise as a purse with this balance, with the card keys of the agent's "
        "keystore (CARDKEYS_*, READER_AGENT_CARD_*), as `reader-agent` issuing would",
    )
    desfire.add_argument("--state", type=Path, help="JSON file the card lives in across restarts")
    desfire.add_argument("--ev1", action="store_true", help="behave as an EV1 (no EV2First)")
    desfire.add_argument(
        "--aes-blank",
        action="store_true",
        help="blank with an AES zero PICC master key (default: factory DES zero key)",
    )
    ntag = kinds.add_parser("ntag", help="NTAG / UID member card")
    ntag.add_argument("--uid", default=DEFAULT_NTAG_UID, help="7-byte UID in hex")
    ntag.add_argument("--url", help="NDEF URI record to carry (member link)")
    ntag.add_argument("--text", help="NDEF text record to carry")
    for kind in (desfire, ntag):
        where = kind.add_mutually_exclusive_group(required=True)
        where.add_argument("--vpcd", metavar="HOST:PORT", help="pcscd's vpcd (port 35963)")
        where.add_argument("--nfc", metavar="udp:HOST:PORT", help="nfcpy UDP reader field")
    desfire.set_defaults(func=run_emulate_desfire)
    ntag.set_defaults(func=run_emulate_ntag)


def _uid(text: str) -> bytes:
    try:
        uid = bytes.fromhex(text)
    except ValueError as exc:
        raise SystemExit(f"--uid must be hex: {exc}") from exc
    if len(uid) != 7:
        raise SystemExit("--uid must be 7 bytes (14 hex digits)")
    return uid


def keystore_card_keys() -> KeystoreCardKeys:
    """The agent's own key provider: same keystore, labels, version and SystemID."""
    from keys.settings import KeysSettings, open_keystore
    from reader_agent.agent.card_keys import KeystoreCardKeys
    from reader_agent.agent.settings import AgentSettings

    keys = KeysSettings()
    stored = keys.passphrase if keys.keystore == "file" else keys.pin
    if stored is None:
        raise SystemExit("--balance needs CARDKEYS_PASSPHRASE (or CARDKEYS_PIN) for the keystore")
    agent = AgentSettings()
    store = open_keystore(keys, stored.get_secret_value())
    return KeystoreCardKeys(store, agent.key_scheme, agent.card_key_version)


def _desfire_card(args: argparse.Namespace) -> EmulatedDesfire:
    state_file: Path | None = args.state
    if state_file is not None and state_file.exists():
        print(f"card loaded from {state_file} (--uid/--balance ignored)")
        state = load_state(state_file)
    else:
        hw_major = HW_MAJOR_EV1 if args.ev1 else HW_MAJOR_EV2
        picc = KeySlot() if args.aes_blank else factory_picc_key()
        state = DesfireCardState(_uid(args.uid), hw_major=hw_major, picc_key=picc)
    on_change = None if state_file is None else (lambda s: save_state(state_file, s))
    card = EmulatedDesfire(state, on_change=on_change)
    if args.balance is not None and not state.applications:
        if args.balance < 0:
            raise SystemExit("--balance must not be negative")
        keys = keystore_card_keys()
        layout = PurseLayout()
        personalise(DesfireClient(card.process), keys, layout)
        if args.balance > 0:
            Purse(DesfireClient(card.process), keys, layout).credit(args.balance)
        card.power_off()
        print(f"personalised purse AID {aid_bytes(layout.aid)[::-1].hex()} with {args.balance} ₫")
    return card


def run_emulate_desfire(args: argparse.Namespace) -> int:
    return _serve(_desfire_card(args), args)


def run_emulate_ntag(args: argparse.Namespace) -> int:
    import ndef

    records = []
    if args.url:
        records.append(ndef.UriRecord(args.url))
    if args.text:
        records.append(ndef.TextRecord(args.text))
    message = b"".join(ndef.message_encoder(records)) if records else b""
    return _serve(EmulatedNtag(_uid(args.uid), message), args)


def _serve(card: EmulatedCard, args: argparse.Namespace) -> int:
    stop = threading.Event()
    if args.vpcd:
        from reader_agent.emulate.vpcd import VpcdAddress, VpcdCardLink

        try:
            link = VpcdCardLink(card, VpcdAddress.parse(args.vpcd))
        except ValueError as exc:
            raise SystemExit(str(exc)) from exc
        print(f"card {card.uid.hex().upper()} in vpcd {args.vpcd}; Ctrl-C removes it")
        link.start()
        _wait_forever(stop)
        link.stop()
        return 0
    from reader_agent.emulate.nfc_udp import NfcCardEmulator

    if not args.nfc.startswith("udp:"):
        raise SystemExit("--nfc takes an nfcpy UDP path: udp:HOST:PORT")
    emulator = NfcCardEmulator(card, args.nfc).start()
    print(f"card {card.uid.hex().upper()} in the NFC field {args.nfc}; Ctrl-C removes it")
    _wait_forever(stop)
    emulator.stop()
    return 0


def _wait_forever(stop: threading.Event) -> None:
    try:
        while not stop.wait(3600):
            pass
    except KeyboardInterrupt:
        log.info("stopping")
