"""Build the project's own binary static files: the board's chime and favicon.ico.

Run from the repository root after changing this file (the output is committed, and
tests/queue/test_static_assets.py checks the committed files match it byte for byte):

    python -m tools.static_assets

Only the standard library: ``wave`` for the sound, ``zlib``/``struct`` for a PNG inside
an ICO. Deterministic (no randomness, no timestamps).
"""

from __future__ import annotations

import io
import math
import struct
import wave
import zlib
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"
RATE = 22_050

# A two-note "ding-dong" (E5 then C5), each a bell-like tone: a few partials, a soft attack
# and an exponential decay; about a second, quiet enough for a hall.
NOTES = ((659.25, 0.0), (523.25, 0.42))
NOTE_SECONDS = 0.62
PARTIALS = ((1.0, 1.0), (2.0, 0.35), (3.0, 0.12), (4.2, 0.05))
VOLUME = 0.45


def chime_samples() -> list[float]:
    total = int(RATE * (NOTES[-1][1] + NOTE_SECONDS))
    out = [0.0] * total
    for freq, start in NOTES:
        first = int(RATE * start)
        for n in range(int(RATE * NOTE_SECONDS)):
            t = n / RATE
            envelope = min(1.0, t / 0.008) * math.exp(-t * 5.0)
            value = sum(weight * math.sin(2 * math.pi * freq * ratio * t)
                        for ratio, weight in PARTIALS)
            out[first + n] += envelope * value
    peak = max(abs(v) for v in out) or 1.0
    return [v / peak * VOLUME for v in out]


def chime_wav() -> bytes:
    """The chime as 16-bit mono PCM WAV at 22.05 kHz."""
    frames = b"".join(struct.pack("<h", round(v * 32767)) for v in chime_samples())
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(frames)
    return buffer.getvalue()


# The favicon.svg drawing (a blue tile, a white sheet with three lines) in pixels of 32.
BLUE = (0x17, 0x4A, 0x96)
WHITE = (0xFF, 0xFF, 0xFF)
SHAPES = (  # (x, y, width, height, corner radius, colour), painted in order
    (0, 0, 32, 32, 6, BLUE),
    (8, 7, 16, 18, 2, WHITE),
    (11, 11, 10, 2, 0, BLUE),
    (11, 15, 10, 2, 0, BLUE),
    (11, 19, 6, 2, 0, BLUE),
)


def _inside(px: float, py: float, x, y, w, h, r) -> bool:
    if not (x <= px <= x + w and y <= py <= y + h):
        return False
    cx = min(max(px, x + r), x + w - r)
    cy = min(max(py, y + r), y + h - r)
    return (px - cx) ** 2 + (py - cy) ** 2 <= r * r


def favicon_pixels(size: int = 32, samples: int = 4) -> list[list[tuple[int, int, int, int]]]:
    """RGBA rows, anti-aliased by ``samples``² points per pixel."""
    scale = 32 / size
    rows = []
    for j in range(size):
        row = []
        for i in range(size):
            acc = [0.0, 0.0, 0.0, 0.0]
            for sj in range(samples):
                for si in range(samples):
                    px = (i + (si + 0.5) / samples) * scale
                    py = (j + (sj + 0.5) / samples) * scale
                    colour = None
                    for x, y, w, h, r, c in SHAPES:
                        if _inside(px, py, x, y, w, h, r):
                            colour = c
                    if colour is not None:
                        acc[0] += colour[0]
                        acc[1] += colour[1]
                        acc[2] += colour[2]
                        acc[3] += 1
            n = acc[3]
            if n:
                row.append((round(acc[0] / n), round(acc[1] / n), round(acc[2] / n),
                            round(255 * n / samples ** 2)))
            else:
                row.append((0, 0, 0, 0))
        rows.append(row)
    return rows


def _png(rows) -> bytes:
    height, width = len(rows), len(rows[0])
    raw = b"".join(b"\x00" + bytes(v for px in row for v in px) for row in rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def favicon_ico() -> bytes:
    """favicon.ico with 16 and 32 px PNG images (every browser since 2010 reads PNG in ICO)."""
    images = [_png(favicon_pixels(size)) for size in (16, 32)]
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries = b""
    for size, image in zip((16, 32), images, strict=True):
        entries += struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(image), offset)
        offset += len(image)
    return header + entries + b"".join(images)


ASSETS = {
    "audio/chime.wav": chime_wav,
    "favicon.ico": favicon_ico,
}


def main() -> None:
    for name, build in ASSETS.items():
        path = STATIC / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(build())
        print(f"{path.relative_to(STATIC.parent)}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
