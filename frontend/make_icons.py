"""Draw the app icons (a white check mark on the theme colour) as PNGs, with the standard library only.

Run `python frontend/make_icons.py`; the PNGs it writes to static/frontend/icons/ are committed.
"""

import math
import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent / "static" / "frontend" / "icons"
THEME = (0x1F, 0x5F, 0x8B)
WHITE = (255, 255, 255)
# The check mark, in units of the icon's side: two strokes meeting at the bottom.
CHECK = [(0.28, 0.52), (0.44, 0.68), (0.74, 0.36)]
STROKE = 0.085


def _segment_distance(px: float, py: float, a: tuple, b: tuple) -> float:
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def _rounded_square_coverage(px: float, py: float, radius: float) -> float:
    """Return 1 inside a unit square with rounded corners, else 0 (no antialiasing at the corners)."""
    cx = min(max(px, radius), 1 - radius)
    cy = min(max(py, radius), 1 - radius)
    return 1.0 if math.hypot(px - cx, py - cy) <= radius else 0.0


def draw(size: int, *, maskable: bool) -> bytes:
    """Return PNG bytes of the icon at ``size`` px; maskable icons fill the square, mark in the safe zone."""
    scale = 0.72 if maskable else 1.0  # the mark stays inside the maskable safe zone (a circle of 80 %)
    rows = []
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            px, py = (x + 0.5) / size, (y + 0.5) / size
            inside = 1.0 if maskable else _rounded_square_coverage(px, py, 0.2)
            mx, my = 0.5 + (px - 0.5) / scale, 0.5 + (py - 0.5) / scale
            dist = min(_segment_distance(mx, my, CHECK[i], CHECK[i + 1]) for i in range(2))
            edge = (STROKE / 2 - dist) * size * scale
            mark = max(0.0, min(1.0, edge + 0.5))
            colour = [round(t + (w - t) * mark) for t, w in zip(THEME, WHITE, strict=True)]
            row += bytes([*colour, round(255 * inside)])
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for name, size, maskable in [
        ("icon-192.png", 192, False),
        ("icon-512.png", 512, False),
        ("maskable-512.png", 512, True),
    ]:
        (OUT / name).write_bytes(draw(size, maskable=maskable))
        print(OUT / name)
