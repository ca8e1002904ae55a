"""The `cardkeys` sub-commands. Each prints metadata only, never secret material (the one
exception, `diversify --test-mode` on a file keystore, is marked loudly)."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import cast

from keys.components import KeyComponent, read_component_file, split_key, write_component_file
from keys.errors import KeysError, KeyStateError
from keys.file_keystore import FileKeystore
from keys.kcv import aes_kcv, normalise_kcv
from keys.keyring import KeyringEntry
from keys.keystore import BaseKeystore, system_clock
from keys.model import KeyRecord, Purpose
from keys.published import export_keyset
from keys.settings import KeysSettings, open_keystore

_DURATION = re.compile(r"(\d+)([smhd]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> int:
    """Seconds in '3600', '90s', '30m', '12h' or '7d'."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a duration: {text!r} (use e.g. 3600s, 12h, 7d)")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def _secret(settings: KeysSettings, confirm: bool = False) -> str:
    """The passphrase or PIN: from the settings, else a hidden prompt on a terminal."""
    configured = settings.passphrase if settings.keystore == "file" else settings.pin
    if configured is not None:
        return configured.get_secret_value()
    what = "keystore passphrase" if settings.keystore == "file" else "token PIN"
    if not sys.stdin.isatty():
        variable = "CARDKEYS_PASSPHRASE" if settings.keystore == "file" else "CARDKEYS_PIN"
        raise KeysError(f"no {what}: set {variable} or run on a terminal to be asked")
    value = getpass.getpass(f"{what.capitalize()}: ")
    if confirm and getpass.getpass(f"Repeat the {what}: ") != value:
        raise KeysError(f"the two {what}s differ")
    return value


def _open(settings: KeysSettings) -> BaseKeystore:
    return open_keystore(settings, _secret(settings))


def _describe(rec: KeyRecord, now: int) -> str:
    ident = f"kcv {rec.kcv}" if rec.kind == "aes128" else f"key id {rec.key_id}"
    return f"{rec.ref} ({rec.kind}, {rec.purpose}) {ident} {rec.status(now).value}"


def cmd_init(args: argparse.Namespace, settings: KeysSettings) -> int:
    if settings.keystore == "file":
        FileKeystore.create(settings.file, _secret(settings, confirm=True),
                            scrypt_n=settings.scrypt_n)
        print(f"created keystore {settings.file}")
        return 0
    from keys.pkcs11_keystore import Pkcs11Keystore

    store = Pkcs11Keystore(settings.pkcs11_module, settings.token_label, _secret(settings))
    try:
        missing = store.missing_mechanisms()
    finally:
        store.close()
    if missing:
        raise KeysError(f"token {settings.token_label!r} lacks mechanisms: {', '.join(missing)}")
    print(f"token {settings.token_label!r} is ready: every needed mechanism is available")
    return 0


def cmd_list(args: argparse.Namespace, store: BaseKeystore) -> int:
    now = system_clock()
    records = store.list_keys()
    if args.json:
        rows = [{**r.to_json(), "status": r.status(now).value} for r in records]
        print(json.dumps(rows, indent=1))
        return 0
    print(f"{'label':<20} {'ver':>3} {'type':<8} {'purpose':<12} {'kcv / key id':<16} "
          f"{'created':<20} status")
    for r in records:
        created = _iso(r.created_at)
        ident = r.kcv if r.kind == "aes128" else r.key_id
        print(f"{r.label:<20} {r.version:>3} {r.kind:<8} {r.purpose:<12} {ident or '':<16} "
              f"{created:<20} {r.status(now).value}")
    return 0


def _iso(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def cmd_generate(args: argparse.Namespace, store: BaseKeystore) -> int:
    if args.type == "ed25519":
        if args.purpose is None:
            raise ValueError("a signing key needs --purpose terminal, qr or keyset")
        store.generate_ed25519(args.label, cast(Purpose, args.purpose))
        print(f"generated {_describe(store.current(args.label), system_clock())}")
        return 0
    if args.components is None:
        print(f"generated {_describe(store.generate_master_key(args.label, args.version), 0)}")
        return 0
    if args.component_dir is None:
        raise ValueError("--components needs --component-dir for the custodians' files")
    return _generate_as_components(args, store)


def _generate_as_components(args: argparse.Namespace, store: BaseKeystore) -> int:
    """A random key split into components, one new file per custodian, then imported."""
    import secrets

    components = split_key(secrets.token_bytes(16), args.components)
    directory = Path(args.component_dir)
    paths = [directory / f"{args.label}-v{args.version}-component-{n}.txt"
             for n in range(1, len(components) + 1)]
    for number, (path, component) in enumerate(zip(paths, components, strict=True), start=1):
        write_component_file(path, args.label, number, len(components), component)
    record = store.import_components(args.label, components, version=args.version)
    for path, component in zip(paths, components, strict=True):
        print(f"component file {path} (kcv {component.kcv})")
    print(f"generated {_describe(record, 0)} from {len(components)} components")
    return 0


def _prompt_components(count: int) -> list[KeyComponent]:
    if not sys.stdin.isatty():
        raise KeysError("no component files given and no terminal to type components on")
    result = []
    for number in range(1, count + 1):
        value = getpass.getpass(f"Custodian {number}: component (hex, hidden): ")
        kcv = normalise_kcv(input(f"Custodian {number}: component KCV: "))
        result.append(KeyComponent.from_hex(value, kcv, f"component {number}"))
        print(f"component {number} accepted (kcv {kcv})")
    return result


def cmd_import_components(args: argparse.Namespace, store: BaseKeystore) -> int:
    files = [Path(f) for f in args.component_file]
    components = ([read_component_file(f) for f in files] if files
                  else _prompt_components(args.count))
    expected = normalise_kcv(args.expect_kcv) if args.expect_kcv else None
    overlap = parse_duration(args.overlap) if args.overlap else None
    record = store.import_components(args.label, components, version=args.version,
                                     expected_kcv=expected, overlap_seconds=overlap)
    print(f"imported {_describe(record, system_clock())} from {len(components)} components")
    return 0


def cmd_rotate(args: argparse.Namespace, store: BaseKeystore) -> int:
    record = store.rotate(args.label, parse_duration(args.overlap))
    print(f"rotated to {_describe(record, system_clock())}; older versions valid until "
          f"{_iso(system_clock() + parse_duration(args.overlap))}")
    return 0


def cmd_revoke(args: argparse.Namespace, store: BaseKeystore) -> int:
    record = store.revoke(args.label, args.version)
    print(f"revoked {_describe(record, system_clock())}")
    return 0


def cmd_kcv(args: argparse.Namespace, store: BaseKeystore) -> int:
    versions = ([args.version] if args.version is not None
                else [r.version for r in store.versions(args.label) if r.kind == "aes128"])
    if not versions:
        raise KeyStateError(f"{args.label} is a signing key: it has a key id, not a KCV")
    for version in versions:
        print(f"{args.label}/v{version} kcv {store.kcv(args.label, version)} (matches the record)")
    return 0


def cmd_diversify(args: argparse.Namespace, store: BaseKeystore) -> int:
    uid, aid, system_id = (bytes.fromhex(v) for v in (args.uid, args.aid, args.system_id))
    key = store.derive_card_key(args.label, args.version, uid, aid, system_id)
    if not args.test_mode:
        print(f"derived card key kcv {aes_kcv(key)} (add --test-mode on a file keystore to see it)")
        return 0
    if not isinstance(store, FileKeystore):
        raise KeyStateError("--test-mode prints keys only from a file keystore, never an HSM")
    print("*** TEST MODE: SECRET KEY MATERIAL BELOW; USE WITH TEST CARDS ONLY ***")
    print(f"derived card key {key.hex().upper()} kcv {aes_kcv(key)}")
    return 0


def cmd_export_public(args: argparse.Namespace, store: BaseKeystore) -> int:
    entries = [KeyringEntry.from_record(r) for r in store.list_keys()
               if r.kind == "ed25519" and r.purpose == args.purpose]
    signer = None
    if args.sign_with:
        if store.current(args.sign_with).purpose != "keyset":
            raise KeyStateError(f"{args.sign_with} is not a 'keyset' signing key")
        signer = store.signer(args.sign_with)
    text = export_keyset(entries, system_clock(), signer)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {len(entries)} {args.purpose} public keys to {args.out}")
    else:
        sys.stdout.write(text)
    return 0


_STORE_COMMANDS: dict[str, Callable[[argparse.Namespace, BaseKeystore], int]] = {
    "list": cmd_list, "generate": cmd_generate, "import-components": cmd_import_components,
    "rotate": cmd_rotate, "revoke": cmd_revoke, "kcv": cmd_kcv, "diversify": cmd_diversify,
    "export-public": cmd_export_public,
}


def run(args: argparse.Namespace, settings: KeysSettings) -> int:
    """Dispatch a parsed command line."""
    if args.command == "init":
        return cmd_init(args, settings)
    store = _open(settings)
    try:
        return _STORE_COMMANDS[args.command](args, store)
    finally:
        store.close()
