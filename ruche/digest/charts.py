"""Charts as PNG images, drawn without a plotting library.

The digest needs two simple bar charts inside an e-mail (inline images: mail clients do not
run scripts and many drop SVG). No plotting library is in the lock and the light ones draw SVG
only; a bar chart is rectangles, so it is rasterised here and written with `zlib` (PNG is
deflate over filtered scanlines). The numbers themselves are in the HTML beside each chart.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

Color = tuple[int, int, int]

BACKGROUND: Color = (255, 255, 255)
GRID: Color = (225, 228, 232)
MUTED: Color = (160, 174, 192)
ACCENT: Color = (37, 99, 235)
NEGATIVE: Color = (220, 38, 38)
GOOD: Color = (22, 163, 74)


class Canvas:
    def __init__(self, width: int, height: int, background: Color = BACKGROUND) -> None:
        self.width, self.height = width, height
        self.rows = [bytearray(bytes(background) * width) for _ in range(height)]

    def rect(self, x0: float, y0: float, x1: float, y1: float, color: Color) -> None:
        left, right = sorted((round(x0), round(x1)))
        top, bottom = sorted((round(y0), round(y1)))
        left, right = max(left, 0), min(right, self.width)
        top, bottom = max(top, 0), min(bottom, self.height)
        if right <= left or bottom <= top:
            return
        pixels = bytes(color) * (right - left)
        for y in range(top, bottom):
            self.rows[y][left * 3 : right * 3] = pixels

    def png(self) -> bytes:
        raw = b"".join(b"\x00" + bytes(row) for row in self.rows)

        def chunk(kind: bytes, data: bytes) -> bytes:
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b"")
        )


def daily_bars(
    totals: Sequence[float],
    negatives: Sequence[float],
    *,
    highlight_last: bool = True,
    width: int = 560,
    height: int = 160,
) -> bytes:
    """One bar per day (oldest first): the total, its negative part in red at the bottom; the
    last day (yesterday) in the accent colour."""
    canvas = Canvas(width, height)
    top = max([*totals, 1])
    margin = 8
    plot = height - 2 * margin
    for fraction in (0.25, 0.5, 0.75, 1.0):
        y = height - margin - plot * fraction
        canvas.rect(0, y, width, y + 1, GRID)
    step = width / max(len(totals), 1)
    for index, (total, negative) in enumerate(zip(totals, negatives, strict=True)):
        x0, x1 = index * step + 1, (index + 1) * step - 1
        last = highlight_last and index == len(totals) - 1
        base = height - margin
        canvas.rect(x0, base - plot * total / top, x1, base, ACCENT if last else MUTED)
        canvas.rect(x0, base - plot * negative / top, x1, base, NEGATIVE)
    return canvas.png()


def attainment_bars(
    attainments: Sequence[float | None],
    on_track: Sequence[bool],
    *,
    width: int = 560,
    row: int = 22,
) -> bytes:
    """One horizontal bar per target: progress towards it (1.0 = the target) up to 150 %, green
    when on track, grey otherwise, with a mark at 100 %."""
    height = max(len(attainments), 1) * row + 4
    canvas = Canvas(width, height)
    scale = width / 1.5
    for index, (value, good) in enumerate(zip(attainments, on_track, strict=True)):
        y0 = index * row + 4
        shown = min(max(value or 0.0, 0.0), 1.5)
        canvas.rect(0, y0, shown * scale, y0 + row - 8, GOOD if good else MUTED)
    canvas.rect(scale - 1, 0, scale + 1, height, (15, 23, 42))
    return canvas.png()
