"""Camera frames the browser sends (a still JPEG or PNG from the video), decoded here with the
QR library the project already uses (zxing-cpp): no decoding library ships to the browser."""

from __future__ import annotations

import io

MAX_PIXELS = 4_000_000  # a 1080p frame is 2 million; more is not a camera frame


class FrameError(ValueError):
    """The bytes are not an image this app decodes."""


def qr_text(data: bytes, max_bytes: int) -> str | None:
    """The text of the first QR code in the image, or None when there is none."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    if not data or len(data) > max_bytes:
        raise FrameError("no frame, or a frame too large")
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in ("JPEG", "PNG") or img.width * img.height > MAX_PIXELS:
                raise FrameError("not a JPEG or PNG camera frame")
            found = zxingcpp.read_barcodes(img.convert("L"))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise FrameError(str(exc)) from exc
    texts = [b.text for b in found if b.format == zxingcpp.BarcodeFormat.QRCode]
    return texts[0] if texts else None
