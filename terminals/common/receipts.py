"""A printed receipt, laid out once for every front-end: what goes on an 80 mm till roll (about
42 characters a line) and the QR code of its number, as inline SVG (no image file, no network:
the till's browser prints the page as it is).

A front-end fills a Receipt with text already in its staff's language; this module decides
nothing about languages or amounts, only the layout's parts.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import qrcode
import qrcode.image.svg

PAPER_MM = 80  # the till roll's width; the page's CSS prints at this width
NUMBER_MAX = 64


@dataclass
class Receipt:
    title: str  # the operation: "Thanh toán", "Top up" ...
    number: str  # unique chain-wide (S1-QUAY1-000042); the QR carries it
    short: str  # what staff read out (000042)
    header: list[str] = field(default_factory=list)  # store, address ...
    facts: list[tuple[str, str]] = field(default_factory=list)  # terminal, staff, time, card
    amounts: list[tuple[str, str]] = field(default_factory=list)  # the figures, in order
    total: tuple[str, str] | None = None  # the line printed large (what was paid / taken)
    footer: list[str] = field(default_factory=list)  # status notes, thanks


def qr_svg(text: str, most: int = NUMBER_MAX) -> str:
    """The QR code of `text` as an inline SVG element (medium error correction: a crumpled
    receipt still scans). `most`: a receipt number's length; a voucher's payload is longer."""
    if not 0 < len(text) <= most:
        raise ValueError(f"a QR text is 1-{most} characters")
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2,
                         box_size=10)  # fmt: skip
    code.add_data(text)
    image = code.make_image(image_factory=qrcode.image.svg.SvgPathImage)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode("utf-8")
    return svg[svg.index("<svg"):]  # without the XML declaration: it is inlined in HTML
