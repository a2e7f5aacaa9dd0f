"""QR codes for ticket payloads: a vector SVG for pages and PDFs, a PNG for email clients.

The symbol uses a fixed mask pattern. Choosing the "best" of the eight masks costs about
twenty times the encoding itself (it scores every mask in pure Python), and masking exists
to break up long runs and finder-like patterns in the data, which a payload that ends in 64
bytes of signature hardly has. Scanners read the mask from the format bits either way.

The SVG draws one path of merged rectangles (runs of dark modules, stacked when identical in
consecutive rows): far fewer path commands than one square per module, which is what makes
the PDF renderer slow with QR codes.
"""

from __future__ import annotations

import io

import qrcode
from markupsafe import Markup
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

QUIET_ZONE = 4   # modules of white around the symbol, as the standard asks
MASK_PATTERN = 0


def qr_matrix(text: str) -> list[list[bool]]:
    """The modules of the QR symbol for `text` (dark = True), without the quiet zone."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=MASK_PATTERN)
    code.add_data(text.encode("ascii"), optimize=0)
    code.make(fit=True)
    return code.get_matrix()


def _row_runs(row: list[bool]) -> set[tuple[int, int]]:
    runs, x, n = set(), 0, len(row)
    while x < n:
        if row[x]:
            start = x
            while x < n and row[x]:
                x += 1
            runs.add((start, x - start))
        else:
            x += 1
    return runs


def dark_rectangles(matrix: list[list[bool]]) -> list[tuple[int, int, int, int]]:
    """(x, y, width, height) rectangles covering exactly the dark modules."""
    open_runs: dict[tuple[int, int], int] = {}
    rectangles = []
    for y in range(len(matrix) + 1):
        runs = _row_runs(matrix[y]) if y < len(matrix) else set()
        for run, top in list(open_runs.items()):
            if run not in runs:
                rectangles.append((run[0], top, run[1], y - top))
                del open_runs[run]
        for run in runs:
            open_runs.setdefault(run, y)
    return rectangles


def qr_svg(text: str, *, label: str = "Ticket QR code") -> Markup:
    """An inline SVG of the QR code (scales to its box; set its size with CSS)."""
    matrix = qr_matrix(text)
    size = len(matrix) + 2 * QUIET_ZONE
    path = "".join(f"M{x} {y}h{w}v{h}h-{w}z" for x, y, w, h in dark_rectangles(matrix))
    return Markup(
        '<svg class="qr" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{label}" '
        'viewBox="-{q} -{q} {size} {size}" shape-rendering="crispEdges">'
        '<rect x="-{q}" y="-{q}" width="{size}" height="{size}" fill="#fff"/>'
        '<path fill="#000" d="{path}"/></svg>'
    ).format(label=label, q=QUIET_ZONE, size=size, path=path)


def qr_png(text: str, *, scale: int = 6) -> bytes:
    """A PNG of the QR code, `scale` pixels per module (for email clients)."""
    matrix = qr_matrix(text)
    size = len(matrix) + 2 * QUIET_ZONE
    image = Image.new("1", (size, size), 1)
    pixels = image.load()
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                pixels[x + QUIET_ZONE, y + QUIET_ZONE] = 0
    image = image.resize((size * scale, size * scale), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
