"""The board's chime and favicon.ico are built by tools/static_assets.py, byte for byte."""

from __future__ import annotations

import io
import wave

import pytest

from tools import static_assets


@pytest.mark.parametrize("name", sorted(static_assets.ASSETS))
def test_committed_file_is_what_the_script_builds(name):
    committed = (static_assets.STATIC / name).read_bytes()
    assert committed == static_assets.ASSETS[name](), (
        f"static/{name} is stale: run python -m tools.static_assets")


def test_chime_is_a_short_audible_wav():
    with wave.open(io.BytesIO(static_assets.chime_wav())) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 22050)
        seconds = wav.getnframes() / wav.getframerate()
    assert 0.5 <= seconds <= 1.5
    samples = static_assets.chime_samples()
    assert 0.3 <= max(abs(v) for v in samples) <= 0.5  # audible, never clipping
    assert abs(samples[-1]) < 0.02  # fades out, no click at the end


def test_favicon_holds_16_and_32_pixel_images():
    ico = static_assets.favicon_ico()
    assert ico[:4] == b"\x00\x00\x01\x00" and ico[4] == 2
    assert ico.count(b"\x89PNG") == 2
