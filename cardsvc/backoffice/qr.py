"""QR codes drawn as inline SVG (enrolment codes, authenticator set-up): no image files, no
script, nothing fetched."""

from __future__ import annotations

import qrcode
import qrcode.constants


def qr_svg(data: str, *, box: int = 6, label: str = "") -> str:
    """An <svg> element of `data` as a QR code (error correction M, quiet zone of 4)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    path = "".join(
        f"M{x},{y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark
    )
    px = size * box
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="qr" role="img" aria-label="{label}" '
        f'width="{px}" height="{px}" viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{path}" fill="#000"/></svg>'
    )
