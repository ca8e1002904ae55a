"""Output of a generated batch: a CSV for the print shop or mailing, QR images (PNG and SVG)
and printable HTML sheets (A4, 24 labels a page, QR as inline SVG so it prints sharp).

QR codes are built in alphanumeric mode explicitly (the payload is base45 text), with error
correction level M: it survives a crease or a smudge and keeps the symbol small.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Literal

import qrcode
import qrcode.image.svg
from qrcode.util import MODE_ALPHA_NUM, QRData

from cardsvc.protocol.text import dong
from cardsvc.vouchers.codes import display
from cardsvc.vouchers.generate import Generated, IssuedCode

ImageFormats = Literal["none", "png", "svg", "both"]
SHEET_LABELS = 1000  # labels per sheet file (24 a printed page)
VN = timezone(timedelta(hours=7))  # Vietnam: UTC+7, no daylight saving
CSV_FIELDS = ("code", "instrument", "campaign", "kind", "value", "valid_from", "valid_until",
              "qr_payload")


def qr_matrix(payload: str) -> qrcode.QRCode:
    q = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6, border=4)
    q.add_data(QRData(payload, mode=MODE_ALPHA_NUM))
    q.make(fit=True)
    return q


def qr_png(payload: str) -> bytes:
    buf = io.BytesIO()
    qr_matrix(payload).make_image().save(buf, format="PNG")
    return buf.getvalue()


def qr_svg(payload: str, path_only: bool = False) -> str:
    factory = qrcode.image.svg.SvgPathImage if path_only else qrcode.image.svg.SvgImage
    img = qr_matrix(payload).make_image(image_factory=factory)
    text: bytes = img.to_string()
    return text.decode("utf-8")


def write_csv(path: Path, batch: Generated) -> None:
    spec = batch.campaign.spec
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CSV_FIELDS)
        for c in batch.codes:
            w.writerow((display(c.code), c.instrument, batch.campaign.id, batch.campaign.kind,
                        batch.campaign.face_value, _local(spec.valid_from),
                        _local(spec.valid_until), c.payload))


def _local(epoch: int | None) -> str:
    """A date-time in Vietnam time with its offset (2027-03-01T00:00+07:00): what people
    reading the file and the programs importing it both understand; empty when unset."""
    if epoch is None:
        return ""
    return datetime.fromtimestamp(epoch, VN).isoformat(timespec="minutes")


def write_images(
    out: Path, codes: Iterable[IssuedCode], formats: ImageFormats,
    progress: Callable[[int], None] = lambda n: None,
) -> int:
    """One image per code, named by instrument id (never by the code: file names leak)."""
    if formats == "none":
        return 0
    qr_dir = out / "qr"
    qr_dir.mkdir(parents=True, exist_ok=True)
    n = 0
    for c in codes:
        if formats in ("png", "both"):
            (qr_dir / f"{c.instrument}.png").write_bytes(qr_png(c.payload))
        if formats in ("svg", "both"):
            (qr_dir / f"{c.instrument}.svg").write_text(qr_svg(c.payload), encoding="utf-8")
        n += 1
        progress(n)
    return n


_SHEET_HEAD = """<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>{title}</title><style>
@page {{ size: A4; margin: 10mm; }}
body {{ font-family: sans-serif; margin: 0; }}
.grid {{ display: grid; grid-template-columns: repeat(3, 1fr); gap: 4mm; }}
.label {{ border: 0.2mm dashed #999; padding: 3mm; text-align: center; break-inside: avoid;
  height: 62mm; box-sizing: border-box; }}
.label svg {{ width: 40mm; height: 40mm; }}
.code {{ font-family: monospace; font-size: 11pt; letter-spacing: 0.5pt; }}
.meta {{ font-size: 8pt; color: #333; }}
</style></head><body><div class="grid">
"""


def write_sheets(
    out: Path, batch: Generated, progress: Callable[[int], None] = lambda n: None
) -> list[Path]:
    """Printable HTML sheets of labels: QR, code, campaign name, value."""
    paths = []
    c = batch.campaign
    for start in range(0, len(batch.codes), SHEET_LABELS):
        path = out / f"sheet-{start // SHEET_LABELS + 1:04d}.html"
        parts = [_SHEET_HEAD.format(title=html.escape(f"{c.name} - {batch.batch_id}"))]
        for code in batch.codes[start : start + SHEET_LABELS]:
            parts.append(
                f'<div class="label">{qr_svg(code.payload, path_only=True)}'
                f'<div class="code">{display(code.code)}</div>'
                f'<div class="meta">{html.escape(c.name)}'
                f"{_value_text(c.face_value)}</div></div>\n"
            )
        parts.append("</div></body></html>\n")
        path.write_text("".join(parts), encoding="utf-8")
        paths.append(path)
        progress(min(start + SHEET_LABELS, len(batch.codes)))
    return paths


def _value_text(value: int) -> str:
    return f" · {dong(value)}" if value else ""
