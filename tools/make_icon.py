"""Draws assets/icon.png (the window icon): a waveform with a spike on a dark rounded square.

Plain Python (zlib only), so a fresh machine can redraw it: python3 tools/make_icon.py
"""
import math
import struct
import zlib
from pathlib import Path

SIZE = 128
BG = (24, 32, 48)
LINE = (80, 200, 255)
SPIKE = (255, 170, 60)


def rounded_inside(x, y, r=22):
    cx = min(max(x, r), SIZE - 1 - r)
    cy = min(max(y, r), SIZE - 1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def wave(t):
    """The trace at t in 0..1: a 60 Hz-like ripple with one spike."""
    base = 0.12 * math.sin(2 * math.pi * 5 * t) + 0.05 * math.sin(2 * math.pi * 17 * t)
    spike = -0.9 * math.exp(-((t - 0.58) / 0.025) ** 2) + 0.35 * math.exp(-((t - 0.63) / 0.03) ** 2)
    return base + spike


def segment_distance(x, y, a, b):
    """Distance from (x, y) to the segment a-b, and whether the segment is part of the spike."""
    (ax, ay, spike), (bx, by, _) = a, b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy or 1.0)))
    return math.hypot(x - ax - t * dx, y - ay - t * dy), spike


def main():
    points = []
    for i in range(160):
        t = i / 159
        x = 14 + t * (SIZE - 28)
        y = SIZE * 0.55 - wave(t) * SIZE * 0.38
        points.append((x, y, abs(t - 0.6) < 0.06))
    pixels = bytearray()
    for y in range(SIZE):
        pixels.append(0)  # filter: none
        for x in range(SIZE):
            if not rounded_inside(x, y):
                pixels += bytes((0, 0, 0, 0))
                continue
            d, spike = min(segment_distance(x, y, a, b) for a, b in zip(points, points[1:]))
            colour = SPIKE if spike else LINE
            a = max(0.0, min(1.0, 3.2 - d))  # about 3 px wide, soft edge
            r, g, b = (round(BG[k] * (1 - a) + colour[k] * a) for k in range(3))
            pixels += bytes((r, g, b, 255))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(bytes(pixels), 9))
    png += chunk(b"IEND", b"")
    out = Path(__file__).resolve().parent.parent / "assets" / "icon.png"
    out.write_bytes(png)
    print(f"wrote {out} ({len(png)} bytes)")


if __name__ == "__main__":
    main()
