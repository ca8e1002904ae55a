"""`cardsvc qr ...`: check a QR payload offline and explain the verdict; export the public keys.

cardsvc qr verify 'CS1:...'            # or a PNG/JPEG of the code
cardsvc qr verify code.png --keyset qr-keys.json --revoked revoked.txt
cardsvc qr keyset --out qr-keys.json   # the published key set for gates and kiosks
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cardsvc.protocol import qr
from keys.keyring import Keyring

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp"}


def register(sub: Any) -> None:
    p = sub.add_parser("qr", help="QR payloads: verify offline, export the public keys")
    qs = p.add_subparsers(dest="qr_command", required=True, metavar="ACTION")
    v = qs.add_parser("verify", help="explain whether a payload (text or image) is valid")
    v.add_argument("payload", help="the payload text, or a path to an image of the QR code")
    v.add_argument("--keyset", type=Path, help="published key set (default: the keystore's)")
    v.add_argument("--revoked", type=Path, help="file of revoked instrument ids, one a line")
    v.add_argument("--at", type=int, help="judge at this epoch second (default: now)")
    v.set_defaults(run=verify)
    k = qs.add_parser("keyset", help="export the QR public keys as a published key set")
    k.add_argument("--out", type=Path, required=True)
    k.set_defaults(run=export)


def read_image(path: Path) -> str:
    """The text of the QR code in an image (zxing-cpp)."""
    import zxingcpp
    from PIL import Image

    with Image.open(path) as img:
        found = zxingcpp.read_barcodes(img.convert("L"))
    texts = [b.text for b in found if b.format == zxingcpp.BarcodeFormat.QRCode]
    if not texts:
        raise SystemExit(f"cardsvc: no QR code found in {path}")
    return str(texts[0])


def _keyring(args: argparse.Namespace) -> Keyring:
    if args.keyset is not None:
        from keys.published import load_keyset

        return load_keyset(args.keyset.read_text(encoding="utf-8")).keyring
    return _keystore_keyring()


def _keystore_keyring() -> Keyring:
    from cardsvc.vouchers.service import qr_keyring
    from cardsvc.vouchers.settings import VoucherSettings
    from keys.settings import KeysSettings, open_keystore

    keys = KeysSettings()
    secret = keys.passphrase if keys.keystore == "file" else keys.pin
    if secret is None:
        raise SystemExit("cardsvc: give --keyset, or CARDKEYS_PASSPHRASE / CARDKEYS_PIN")
    store = open_keystore(keys, secret.get_secret_value())
    try:
        return qr_keyring(store, VoucherSettings().qr_key_label)
    finally:
        store.close()


def verify(args: argparse.Namespace) -> int:
    text = args.payload
    path = Path(text)
    if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
        text = read_image(path)
    revoked: set[str] = set()
    if args.revoked is not None:
        revoked = {ln.strip() for ln in args.revoked.read_text().splitlines() if ln.strip()}
    at = args.at if args.at is not None else int(time.time())
    check = qr.verify(qr.normalise_scan(text), _keyring(args), at, revoked)
    print(f"{'VALID' if check.ok else 'INVALID'}: {check.reason} - {check.explain()}")
    if check.key_id:
        print(f"  signed by key  {check.key_id}")
    if check.claims is not None:
        for name, value in _claim_lines(check.claims):
            print(f"  {name:<14} {value}")
    return 0 if check.ok else 2


def _when(t: int | None) -> str:
    return "-" if t is None else datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds")


def _claim_lines(c: qr.QrClaims) -> list[tuple[str, Any]]:
    return [
        ("kind", c.kind.name.lower()),
        ("instrument", c.instrument),
        ("program", c.program),
        ("issued", _when(c.issued_at)),
        ("valid from", _when(c.valid_from)),
        ("valid until", _when(c.valid_until)),
        ("value", c.value),
        ("discount", f"{c.discount_bp / 100:g} % (cap {c.discount_cap})"),
        ("min spend", c.min_spend),
        ("entries", "unlimited" if c.entries is None else c.entries),
        ("passback", f"{c.passback_s} s"),
    ]


def export(args: argparse.Namespace) -> int:
    from keys.published import export_keyset

    ring = _keystore_keyring()
    args.out.write_text(export_keyset(ring.entries(), int(time.time())), encoding="utf-8")
    print(f"{len(ring)} QR key(s) written to {args.out}")
    return 0
