"""The command line end to end: campaign -> codes -> CSV, PNG, SVG, sheets -> decode the images
-> `cardsvc qr verify` explains them; 100k codes in one run."""

from __future__ import annotations

import csv
import re
import time
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageDraw
from sqlalchemy import create_engine, func, select

from cardsvc.cli import main
from cardsvc.protocol import qr
from cardsvc.storage.schema import instruments, voucher_codes
from cardsvc.vouchers.codes import canonical
from tests.vouchers.keys_fixture import PASSPHRASE, qr_keystore


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    store = qr_keystore(tmp_path / "keys.json", lambda: int(time.time()) - 60)
    store.close()
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    monkeypatch.setenv("CARDSVC_DATABASE_URL", url)
    monkeypatch.setenv("CARDKEYS_FILE", str(tmp_path / "keys.json"))
    monkeypatch.setenv("CARDKEYS_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CARDSVC_VOUCHERS_CODE_PEPPER", "cli-pepper")
    return url


def _decode_png(path: Path) -> str:
    with Image.open(path) as img:
        found = zxingcpp.read_barcodes(img.convert("L"))
    assert len(found) == 1
    return str(found[0].text)


def _decode_svg(path: Path) -> str:
    """Rasterise qrcode's SVG (one rect per dark module) and decode it."""
    text = path.read_text()
    size = float(re.search(r'width="([\d.]+)mm"', text).group(1))  # type: ignore[union-attr]
    rects = re.findall(r'x="([\d.]+)mm" y="([\d.]+)mm" width="([\d.]+)mm"', text)
    scale = 20
    img = Image.new("L", (int(size * scale), int(size * scale)), 255)
    draw = ImageDraw.Draw(img)
    for x, y, w in rects:
        x0, y0, side = float(x) * scale, float(y) * scale, float(w) * scale
        draw.rectangle((x0, y0, x0 + side - 1, y0 + side - 1), fill=0)
    found = zxingcpp.read_barcodes(img)
    assert len(found) == 1
    return str(found[0].text)


def _rows(out: Path) -> list[dict[str, str]]:
    with (out / "codes.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_generate_print_decode_verify(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = int(time.time())
    assert main(["vouchers", "create", "--id", "TET50", "--name", "Phiếu Tết 50.000đ",
                 "--value", "50000", "--min-spend", "200000", "--valid-until",
                 str(now + 86400), "--budget", "500000"]) == 0
    out = tmp_path / "out"
    assert main(["vouchers", "generate", "--campaign", "TET50", "--count", "6",
                 "--out", str(out)]) == 0
    rows = _rows(out)
    assert len(rows) == 6
    for row in rows:
        png = out / "qr" / f"{row['instrument']}.png"
        svg = out / "qr" / f"{row['instrument']}.svg"
        assert _decode_png(png) == row["qr_payload"] == _decode_svg(svg)
        capsys.readouterr()
        assert main(["qr", "verify", str(png)]) == 0
        said = capsys.readouterr().out
        assert said.startswith("VALID: ok") and row["instrument"] in said
    sheet = (out / "sheet-0001.html").read_text()
    assert sheet.count('class="label"') == 6 and rows[0]["code"] in sheet
    assert main(["vouchers", "generate", "--campaign", "TET50", "--count", "5",
                 "--out", str(tmp_path / "over")]) == 1  # 11 x 50.000 > budget
    assert "budget" in capsys.readouterr().err


def test_qr_verify_explains_refusals(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = int(time.time())
    main(["tickets", "create", "--id", "FEST", "--name", "Lễ hội", "--valid-until",
          str(now + 3600), "--entries", "unlimited", "--passback-min", "30", "--gates", "A,B"])
    out = tmp_path / "fest"
    assert main(["tickets", "generate", "--event", "FEST", "--count", "2", "--out", str(out),
                 "--images", "none", "--no-sheets"]) == 0
    payload = _rows(out)[0]["qr_payload"]
    keyset = tmp_path / "qr-keys.json"
    assert main(["qr", "keyset", "--out", str(keyset)]) == 0
    capsys.readouterr()
    assert main(["qr", "verify", payload, "--keyset", str(keyset)]) == 0
    assert "entries        unlimited" in capsys.readouterr().out
    forged = payload[:20] + ("A" if payload[20] != "A" else "B") + payload[21:]
    assert main(["qr", "verify", forged, "--keyset", str(keyset)]) == 2
    assert capsys.readouterr().out.startswith("INVALID:")
    assert main(["qr", "verify", payload, "--at", str(now + 7200)]) == 2
    assert "INVALID: expired" in capsys.readouterr().out
    revoked = tmp_path / "revoked.txt"
    revoked.write_text(_rows(out)[0]["instrument"] + "\n")
    assert main(["qr", "verify", payload, "--revoked", str(revoked)]) == 2
    assert "INVALID: revoked" in capsys.readouterr().out
    assert main(["tickets", "checkins", "--event", "FEST"]) == 0
    assert "0 check-in(s)" in capsys.readouterr().out


@pytest.mark.slow
def test_one_hundred_thousand_codes(cli_env: str, tmp_path: Path) -> None:
    """100k codes in one CLI run (CSV only: images are drawn for a sample, see below)."""
    n = 100_000
    main(["vouchers", "create", "--id", "BIG", "--name", "Big", "--value", "10000",
          "--valid-until", str(int(time.time()) + 86400)])
    out = tmp_path / "big"
    started = time.perf_counter()
    assert main(["vouchers", "generate", "--campaign", "BIG", "--count", str(n), "--out",
                 str(out), "--images", "none", "--no-sheets"]) == 0
    print(f"100k codes generated, issued, signed in {time.perf_counter() - started:.1f} s")
    rows = _rows(out)
    assert len(rows) == n
    assert len({canonical(r["code"]) for r in rows}) == n
    assert len({r["instrument"] for r in rows}) == n
    engine = create_engine(cli_env)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(voucher_codes)).scalar() == n
        assert conn.execute(select(func.count()).select_from(instruments)).scalar() == n
    engine.dispose()
    from cardsvc.commands.qr import _keystore_keyring
    from cardsvc.vouchers.printing import qr_png

    ring, now = _keystore_keyring(), int(time.time())
    for row in rows[:: n // 200]:  # a sample: drawing 100k PNGs takes minutes
        assert qr.verify(row["qr_payload"], ring, now).ok
    for row in rows[:: n // 10]:
        png = tmp_path / "sample.png"
        png.write_bytes(qr_png(row["qr_payload"]))
        assert _decode_png(png) == row["qr_payload"]
