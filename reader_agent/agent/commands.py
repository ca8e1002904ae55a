"""`reader-agent enroll` and `reader-agent run`.

enroll: make the terminal key in the keystore (file by default, PKCS#11 with
CARDKEYS_KEYSTORE=pkcs11), register it with the ledger's one-time code, store the identity.
run: the local API + the sync loop + the card watcher, until interrupted.
The keystore passphrase (or PIN) comes from CARDKEYS_PASSPHRASE / CARDKEYS_PIN or a prompt.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx

from cardsvc.protocol.client import LedgerRefused
from keys.errors import KeysError, KeystoreNotFoundError
from keys.file_keystore import FileKeystore
from keys.keystore import BaseKeystore
from keys.settings import KeysSettings, open_keystore
from reader_agent.agent.card_key_check import missing_card_keys, missing_keys_sentence
from reader_agent.agent.identity import (
    Identity,
    IdentityError,
    enroll_terminal,
    rotate_terminal_key,
)
from reader_agent.agent.settings import AgentSettings
from reader_agent.drivers.errors import ReaderUnavailableError

T = TypeVar("T")


def add_enroll(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("enroll", help="register this terminal's signing key with the ledger")
    p.add_argument("--ledger", required=True, help="ledger URL, e.g. https://ledger.example")
    p.add_argument("--code", required=True, help="the one-time enrollment code")
    p.add_argument("--terminal", required=True, help="the terminal id the admin created")
    p.add_argument("--data-dir", help="where the identity and queue live")
    p.set_defaults(func=enroll_command)


def add_rotate(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("rotate-key", help="replace this terminal's signing key (the ledger "
                       "keeps the old one valid through an overlap window)")  # fmt: skip
    p.add_argument("--data-dir", help="where the identity and queue live")
    p.set_defaults(func=rotate_command)


def add_run(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    r = sub.add_parser("run", help="serve the local API, sync with the ledger, watch the reader")
    r.add_argument("--data-dir", help="where the identity and queue live")
    r.add_argument("--host", help="local API address (default 127.0.0.1)")
    r.add_argument("--port", type=int, help="local API port")
    r.add_argument("--reader", help="PC/SC reader name (default: the first one)")
    r.set_defaults(func=run_command)


def _settings(args: argparse.Namespace) -> AgentSettings:
    overrides = {
        "data_dir": getattr(args, "data_dir", None),
        "api_host": getattr(args, "host", None),
        "api_port": getattr(args, "port", None),
        "reader": getattr(args, "reader", None),
    }
    return AgentSettings(**{k: v for k, v in overrides.items() if v is not None})


def _secret(keys: KeysSettings) -> str:
    stored = keys.passphrase if keys.keystore == "file" else keys.pin
    if stored is not None:
        return stored.get_secret_value()
    what = "keystore passphrase" if keys.keystore == "file" else "token PIN"
    return getpass.getpass(f"{what}: ")


def _keystore(create: bool) -> BaseKeystore:
    keys = KeysSettings()
    secret = _secret(keys)
    try:
        return open_keystore(keys, secret)
    except KeystoreNotFoundError:
        if not create or keys.keystore != "file":
            raise
        return FileKeystore.create(keys.file, secret, scrypt_n=keys.scrypt_n)


def _guarded(refusal: str, ledger_url: str, action: Callable[[], T]) -> T | None:
    """Run `action`; print a clear one-line message for what operators meet (keystore or
    identity problems, a ledger refusal, a ledger out of reach) and return None."""
    try:
        return action()
    except (KeysError, IdentityError) as exc:
        print(f"reader-agent: {exc}", file=sys.stderr)
    except LedgerRefused as exc:
        print(f"reader-agent: the ledger refused {refusal}: {exc.code}: {exc.detail}",
              file=sys.stderr)  # fmt: skip
    except httpx.HTTPError as exc:
        print(f"reader-agent: cannot reach the ledger at {ledger_url}: {exc}", file=sys.stderr)
    return None


def _files_it_would_create(keys: KeysSettings) -> list[Path]:
    """The file keystore and its lock file, where they do not exist yet: what a failed
    enrollment removes again (a keystore that was there before is the operator's: kept)."""
    if keys.keystore != "file":
        return []
    lock = keys.file.with_name(keys.file.name + ".lock")
    return [path for path in (keys.file, lock) if not path.exists()]


def enroll_command(args: argparse.Namespace) -> int:
    settings = _settings(args)
    new_files = _files_it_would_create(KeysSettings())
    keystores: list[BaseKeystore] = []

    def enroll() -> Identity:
        keystores.append(_keystore(create=True))
        with httpx.Client(base_url=args.ledger, timeout=settings.ledger_timeout_s) as http:
            return enroll_terminal(
                http, keystores[0], terminal_id=args.terminal, code=args.code,
                ledger_url=args.ledger, key_label=settings.terminal_key_label,
                identity_path=settings.identity_path,
            )  # fmt: skip

    identity = None
    try:
        identity = _guarded("the enrollment", args.ledger, enroll)
    finally:
        for keystore in keystores:
            keystore.close()
        if identity is None:  # failed or interrupted: leave no half-made keystore behind
            for path in new_files:
                path.unlink(missing_ok=True)
    if identity is None:
        return 2
    print(f"enrolled terminal {identity.terminal_id} (store {identity.store_id}) "
          f"key {identity.key_id}; identity in {settings.identity_path}")  # fmt: skip
    return 0


def rotate_command(args: argparse.Namespace) -> int:
    """Run with the agent stopped (or restart it after): it signs with the key it started with."""
    settings = _settings(args)
    try:
        identity = Identity.load(settings.identity_path)
    except IdentityError as exc:
        print(f"reader-agent: {exc}", file=sys.stderr)
        return 2

    def rotate() -> Identity:
        keystore = _keystore(create=False)
        with httpx.Client(base_url=identity.ledger_url, timeout=settings.ledger_timeout_s) as http:
            return rotate_terminal_key(http, keystore, identity, settings.identity_path)

    rotated = _guarded("the new key", identity.ledger_url, rotate)
    if rotated is None:
        return 2
    print(f"terminal {rotated.terminal_id}: new key {rotated.key_id} "
          f"(previous {identity.key_id} retires after the overlap)")  # fmt: skip
    return 0


def run_command(args: argparse.Namespace) -> int:
    import uvicorn

    from reader_agent.agent.api import create_api
    from reader_agent.agent.wiring import build_runtime

    logging.getLogger("reader_agent").setLevel(logging.INFO)
    settings = _settings(args)
    try:
        identity = Identity.load(settings.identity_path)
        keystore = _keystore(create=False)
        runtime = build_runtime(settings, identity, keystore)
    except (KeysError, IdentityError) as exc:
        print(f"reader-agent: {exc}", file=sys.stderr)
        return 2
    _report_readers(runtime.station.list_readers)
    missing = missing_card_keys(keystore, settings)
    if missing:  # the agent runs (online-only cards work); the manager is told what to do
        print(f"reader-agent: {missing_keys_sentence(missing)}", file=sys.stderr)
    runtime.start()
    try:
        uvicorn.run(create_api(runtime), host=settings.api_host, port=settings.api_port)
    finally:
        runtime.stop()
    return 0


def _report_readers(list_readers: Any) -> None:
    """Say plainly at start what is wrong with the reader side; the agent runs regardless and
    picks the reader up when it appears (pcscd started, reader plugged in)."""
    try:
        readers = list_readers()
    except ReaderUnavailableError as exc:
        print(f"reader-agent: {exc}", file=sys.stderr)
        return
    if not readers:
        print("reader-agent: no card reader is attached", file=sys.stderr)
    for reader in readers:
        print(f"reader-agent: reader {reader.name!r} card present: {reader.card_present}")
