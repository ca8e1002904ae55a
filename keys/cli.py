"""`cardkeys`: the key management command line.

Passphrases and PINs come from the environment (CARDKEYS_PASSPHRASE, CARDKEYS_PIN) or a
hidden prompt, never from arguments (which show in process lists and shell history). No
command prints secret material, except `diversify --test-mode` on a file keystore.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from keys import cli_commands as commands
from keys.errors import KeysError
from keys.settings import KeysSettings

EXIT_ERROR = 1


def _add_store_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("keystore (defaults from CARDKEYS_* settings)")
    group.add_argument("--keystore", choices=["file", "pkcs11"], help="keystore kind")
    group.add_argument("--file", help="file keystore path")
    group.add_argument("--module", help="PKCS#11 module path")
    group.add_argument("--token-label", help="PKCS#11 token label")


def _label(parser: argparse.ArgumentParser, version: bool = False) -> None:
    parser.add_argument("--label", required=True, help="key label")
    if version:
        parser.add_argument("--version", type=int, required=True, help="key version (1..255)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(prog="cardkeys", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("init", help="create a file keystore, or check a PKCS#11 token")
    p = sub.add_parser("list", help="list keys (metadata only, never secrets)")
    p.add_argument("--json", action="store_true", help="JSON output")
    p = sub.add_parser("generate", help="generate a master key or a signing key")
    _label(p)
    p.add_argument("--type", choices=["aes128", "ed25519"], default="aes128")
    p.add_argument("--purpose", choices=["terminal", "qr", "keyset"], help="signing key use")
    p.add_argument("--version", type=int, default=1, help="master key version (default 1)")
    p.add_argument("--components", type=int, choices=[2, 3], help="also split into components")
    p.add_argument("--component-dir", help="directory for the component files (new files)")
    p = sub.add_parser("import-components", help="form a master key from custodian components")
    _label(p)
    p.add_argument("--version", type=int, help="version (default: next)")
    p.add_argument("--component-file", action="append", default=[], help="component file")
    p.add_argument("--count", type=int, choices=[2, 3], default=2, help="components to prompt for")
    p.add_argument("--expect-kcv", help="KCV of the combined key from the key ceremony")
    p.add_argument("--overlap", help="for an existing label: old versions stay valid this long")
    p = sub.add_parser("rotate", help="new version; older ones stay valid for the overlap")
    _label(p)
    p.add_argument("--overlap", required=True, help="e.g. 3600s, 12h, 7d")
    p = sub.add_parser("revoke", help="revoke a key version now")
    _label(p, version=True)
    p = sub.add_parser("kcv", help="recompute a master key's KCV and check it")
    _label(p)
    p.add_argument("--version", type=int, help="version (default: every version)")
    p = sub.add_parser("diversify", help="derive a per-card key (AN10922)")
    _label(p, version=True)
    for name in ("--uid", "--aid", "--system-id"):
        p.add_argument(name, required=True, help="hex")
    p.add_argument("--test-mode", action="store_true",
                   help="print the derived key itself (file keystore only; test cards only)")
    p = sub.add_parser("export-public", help="write the published set of valid public keys")
    p.add_argument("--purpose", choices=["terminal", "qr"], required=True)
    p.add_argument("--sign-with", help="label of a 'keyset' signing key")
    p.add_argument("--out", help="output file (default: standard output)")
    for action in sub.choices.values():
        _add_store_options(action)
    return parser


def _settings(args: argparse.Namespace) -> KeysSettings:
    overrides = {name: value for name, value in (
        ("keystore", args.keystore), ("file", args.file), ("pkcs11_module", args.module),
        ("token_label", args.token_label)) if value is not None}
    return KeysSettings(**overrides)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the process exit status."""
    args = build_parser().parse_args(argv)
    try:
        settings = _settings(args)
        return commands.run(args, settings)
    except (KeysError, ValueError, OSError) as exc:
        print(f"cardkeys: error: {exc}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
