"""One file's checks: the PNG structure reader, PIL's decode, TensorFlow's decode."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from tutorial_lib._image_decoding import (
    oversized,
    pil_problem,
    png_problem,
    tensorflow_problem,
)

ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2))
ADAM7 += ((0, 1, 1, 2),)
COLOUR_TYPE = {1: 0, 3: 2, 4: 6}  # channels -> PNG colour type (grey, RGB, RGBA)


def chunk(ctype: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(ctype + payload)
    return struct.pack(">I", len(payload)) + ctype + payload + struct.pack(">I", crc)


def encode_png(image: np.ndarray, depth: int, interlace: bool) -> bytes:
    """A PNG written independently of PIL: grey (depth 1, 8, 16), RGB or RGBA (8, 16)."""
    h, w, c = image.shape
    ihdr = struct.pack(">IIBBBBB", w, h, depth, COLOUR_TYPE[c], 0, 0, int(interlace))
    raw = b""
    for x0, y0, dx, dy in ADAM7 if interlace else ((0, 0, 1, 1),):
        sub = image[y0::dy, x0::dx]
        if sub.size == 0:
            continue  # an empty pass is left out altogether
        for row in sub:
            if depth == 1:
                data = np.packbits(row[:, 0].astype(np.uint8)).tobytes()
            else:
                data = row.astype(">u2" if depth == 16 else np.uint8).tobytes()
            raw += b"\x00" + data
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@settings(max_examples=40, deadline=None)
@given(
    h=st.integers(1, 19),
    w=st.integers(1, 19),
    kind=st.sampled_from([(1, 1), (1, 8), (1, 16), (3, 8), (4, 8), (3, 16)]),
    interlace=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_complete_pngs_pass_and_any_shortened_pixel_data_is_truncated(h, w, kind, interlace, seed):
    channels, depth = kind
    top = 1 if depth == 1 else 2**depth - 1
    image = np.random.default_rng(seed).integers(0, top + 1, size=(h, w, channels))
    data = encode_png(image, depth, interlace)
    with Image.open(io.BytesIO(data)) as im:  # the encoder above is right
        decoded = np.asarray(im)
    expected = image[..., 0] if channels == 1 else image
    if depth == 16 and decoded.dtype == np.uint8:  # PIL keeps the high byte of 16-bit RGB
        expected = expected >> 8
    assert np.array_equal(decoded.reshape(expected.shape).astype(np.int64), expected)
    assert png_problem(data) is None
    assert pil_problem(data, ".png") is None
    # drop the last row of pixel data: a complete stream, one row short
    ihdr_end, idat_start = 33, 33 + 8
    (length,) = struct.unpack(">I", data[ihdr_end : ihdr_end + 4])
    raw = zlib.decompress(data[idat_start : idat_start + length])
    short = data[:ihdr_end] + chunk(b"IDAT", zlib.compress(raw[:-1])) + chunk(b"IEND", b"")
    assert png_problem(short).startswith("truncated PNG: its pixel data ends after")


def test_png_problem_ignores_other_formats_and_names_the_bad_checksum():
    assert png_problem(b"GIF89a...") is None
    data = bytearray(encode_png(np.zeros((4, 4, 1), int), 8, False))
    data[45] ^= 0x01  # inside the IDAT payload
    assert png_problem(bytes(data)) == (
        "corrupt PNG: the checksum of its IDAT chunk does not match its bytes"
    )


def test_png_without_pixel_data_is_corrupt_not_truncated():
    data = encode_png(np.zeros((4, 4, 1), int), 8, False)
    no_idat = data[:33] + chunk(b"IEND", b"")
    assert png_problem(no_idat) == "corrupt PNG: it has no pixel data (no IDAT chunk)"


def test_oversized_follows_pils_limit(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    assert oversized(10, 10) is None
    assert oversized(11, 10) == (
        "oversized: the header declares 11x10 pixels (110), over the limit of 100 "
        "(PIL.Image.MAX_IMAGE_PIXELS); not decoded"
    )
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    assert oversized(10**6, 10**6) is None


def test_damaged_header_of_a_known_format_is_not_called_not_an_image():
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, format="JPEG")
    reason = pil_problem(buf.getvalue()[:8], ".jpg")
    assert reason.startswith(("truncated", "corrupt")) and "JPEG" in reason
    assert pil_problem(b"\x00\x01binary", ".png").startswith("not an image: its contents are data")


@pytest.mark.parametrize(
    "data, fine",
    [
        (encode_png(np.zeros((4, 4, 3), int), 8, False), True),
        (encode_png(np.zeros((4, 4, 3), int), 8, False)[:-12], False),  # no IEND
        (b"plain text", False),
    ],
)
def test_tensorflow_problem(data, fine):
    reason = tensorflow_problem(data)
    assert (reason is None) == fine
    if not fine:
        assert reason.startswith("TensorFlow cannot decode it")
