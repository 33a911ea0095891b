"""Does one image file decode completely? Why not, in words a reader can act on.

Used by :func:`tutorial_lib.image_folder.verify_image_folder`, one file at a time,
on the file's bytes (read once):

- :func:`png_problem` reads a PNG's structure itself: a file cut inside or
  right after its header, a changed byte (chunk checksums), and pixel data
  that ends before the rows the header promises. PIL loads such a short PNG
  without a word and fills the missing rows with zeros, so this check is
  the only one that sees it.
- :func:`pil_problem` opens the file with PIL (what ``flow_from_directory``
  uses): format against the file's extension, size against the pixel limit,
  then decodes every pixel.
- :func:`tensorflow_problem` decodes it with TensorFlow, the way
  ``image_dataset_from_directory`` does.

Each returns None when the file is fine, else the reason, starting with one
of ``oversized``, ``truncated``, ``corrupt``, ``not an image``, ``wrong
format for its extension``, ``TensorFlow cannot decode it``.

The pixel limit is PIL's own, ``PIL.Image.MAX_IMAGE_PIXELS`` (89,478,485
pixels by default, about 9459 x 9459), read at each call: PIL warns above it
and refuses to open an image twice that size, so a file over it is one that
``flow_from_directory`` warns about or fails on. Set it (or ``None``, no
limit) in PIL to change both.
"""

from __future__ import annotations

import contextlib
import io
import re
import struct
import threading
import warnings
import zlib

__all__ = [
    "pixel_limit",
    "oversized",
    "png_problem",
    "pil_problem",
    "tensorflow_problem",
]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2))
_ADAM7 += ((0, 1, 1, 2),)  # (x0, y0, dx, dy) of the seven interlace passes
_TRUNCATED_SETTING = threading.Lock()
_MAGIC = (
    (PNG_SIGNATURE, "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"RIFF", "WEBP"),
)


def pixel_limit() -> int | None:
    """The largest number of pixels accepted: ``PIL.Image.MAX_IMAGE_PIXELS`` (None: no limit)."""
    from PIL import Image

    return Image.MAX_IMAGE_PIXELS


def oversized(width: int, height: int) -> str | None:
    """The reason an image of ``width x height`` is over the pixel limit, or None.

    Examples
    --------
    >>> oversized(20000, 20000).split(" (")[0]
    'oversized: the header declares 20000x20000 pixels'
    >>> oversized(64, 64) is None
    True
    """
    limit = pixel_limit()
    if limit is None or width * height <= limit:
        return None
    return (
        f"oversized: the header declares {width}x{height} pixels ({width * height:,}), "
        f"over the limit of {limit:,} (PIL.Image.MAX_IMAGE_PIXELS); not decoded"
    )


def _png_chunks(data: bytes):
    """``[(type, payload, crc_ok)]`` up to IEND, and where the file stops early (or None)."""
    pos, chunks, last = len(PNG_SIGNATURE), [], "signature"
    while pos < len(data):
        if pos + 8 > len(data):
            return chunks, f"inside the chunk after its {last}"
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if end > len(data):
            if ctype == b"IDAT":  # keep what there is of the pixel data
                chunks.append((ctype, data[pos + 8 : end - 4], True))
            return chunks, f"inside its {ctype.decode('latin-1')} chunk"
        payload = data[pos + 8 : end - 4]
        crc_ok = zlib.crc32(ctype + payload) == struct.unpack(">I", data[end - 4 : end])[0]
        chunks.append((ctype, payload, crc_ok))
        last, pos = f"{ctype.decode('latin-1')} chunk", end
        if ctype == b"IEND":
            return chunks, None
    return chunks, f"right after its {last}"


def _png_raw_size(width: int, height: int, depth: int, colour: int, interlace: int) -> int:
    """Bytes of filtered pixel data a PNG of this header holds once decompressed."""
    bits = depth * _PNG_CHANNELS[colour]
    passes = _ADAM7 if interlace else ((0, 0, 1, 1),)
    total = 0
    for x0, y0, dx, dy in passes:
        w = max(0, -(-(width - x0) // dx))
        h = max(0, -(-(height - y0) // dy))
        if w and h:
            total += h * (1 + -(-(w * bits) // 8))
    return total


def _inflated_size(stream: bytes, enough: int) -> tuple[int, bool]:
    """Bytes ``stream`` inflates to (counting stops past ``enough``), and whether it ended."""
    inflater, total, rest = zlib.decompressobj(), 0, stream
    while total <= enough:
        out = inflater.decompress(rest, 1 << 20)  # bounded: never holds the whole image
        total += len(out)
        rest = inflater.unconsumed_tail
        if inflater.eof or (not out and not rest):
            break
    return total, inflater.eof


def png_problem(data: bytes) -> str | None:
    """Why the PNG in ``data`` is truncated, oversized or corrupt, or None.

    Returns None for data that is not a PNG (other checks handle it).

    Examples
    --------
    >>> from PIL import Image
    >>> buf = io.BytesIO(); Image.new("L", (4, 64)).save(buf, format="PNG")
    >>> png_problem(buf.getvalue()) is None
    True
    >>> png_problem(buf.getvalue()[:33])
    'truncated PNG: the file ends right after its IHDR chunk, before any pixel data (4x64 pixels \
declared)'
    """
    if not data.startswith(PNG_SIGNATURE):
        return None
    chunks, cut = _png_chunks(data)
    if not chunks or chunks[0][0] != b"IHDR" or len(chunks[0][1]) != 13:
        return f"truncated PNG: the file ends {cut} before its header is complete" if cut else None
    bad_crc = [c[0].decode("latin-1") for c in chunks if not c[2]]
    if bad_crc:
        return f"corrupt PNG: the checksum of its {bad_crc[0]} chunk does not match its bytes"
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    too_big = oversized(width, height)
    if too_big:
        return too_big
    idat = b"".join(c[1] for c in chunks if c[0] == b"IDAT")
    if not idat:
        if cut:
            return (
                f"truncated PNG: the file ends {cut}, before any pixel data "
                f"({width}x{height} pixels declared)"
            )
        return "corrupt PNG: it has no pixel data (no IDAT chunk)"
    if colour not in _PNG_CHANNELS or depth not in (1, 2, 4, 8, 16):
        return None  # an invalid header: PIL names it
    expected = _png_raw_size(width, height, depth, colour, interlace)
    try:
        got, ended = _inflated_size(idat, expected)
    except zlib.error as exc:
        return f"corrupt PNG: its pixel data cannot be decompressed ({exc})"
    if got < expected:
        done = "" if interlace else f" ({got * height // expected} of {height} rows)"
        how = "the file ends inside its pixel data" if cut and not ended else "its pixel data ends"
        return (
            f"truncated PNG: {how} after {got:,} of the {expected:,} bytes its header "
            f"({width}x{height} pixels) promises{done}"
        )
    if cut:
        return (
            f"truncated PNG: its pixel data is complete but the file ends {cut}, without "
            "its end marker (IEND); TensorFlow's decoder rejects it"
        )
    return None


def _declared_size(data: bytes) -> tuple[int, int] | None:
    """The size an image's header declares, read without PIL's pixel limit (or None)."""
    from PIL import Image

    Image.init()
    for fmt in Image.ID:  # the formats Image.open tries, in its order
        factory, accept = Image.OPEN[fmt]
        try:
            accepted = accept(data[:16]) if accept else True
            if accepted and not isinstance(accepted, str):
                return factory(io.BytesIO(data), "").size
        except Exception:  # noqa: BLE001 - not this format: try the next
            continue
    return None


def _magic_format(data: bytes) -> str | None:
    """The format ``data`` starts like (PNG, JPEG, ...), or None."""
    return next((fmt for magic, fmt in _MAGIC if data.startswith(magic)), None)


def _describe_non_image(data: bytes, suffix: str) -> str:
    """Why PIL cannot identify ``data``: a damaged header of a known format, or not an image."""
    fmt = _magic_format(data)
    if fmt:
        return f"truncated or corrupt {fmt} image: its header cannot be read"
    head = data[:64]
    kind = "text" if head and all(32 <= b < 127 or b in (9, 10, 13) for b in head) else "data"
    return (
        f"not an image: its contents are {kind}, not any image format (only the name says {suffix})"
    )


def _wrong_format(fmt: str | None, suffix: str) -> str | None:
    """The reason a ``fmt`` file named ``*suffix`` has the wrong extension, or None."""
    from PIL import Image

    expected = Image.registered_extensions().get(suffix.lower())
    if fmt is None or expected is None or fmt == expected:
        return None
    if {fmt, expected} <= {"JPEG", "MPO"}:  # camera JPEGs with a preview image open as MPO
        return None
    return (
        f"wrong format for its extension: the contents are {fmt}, the name says {suffix} "
        "(the loaders go by the contents, other tools by the name)"
    )


@contextlib.contextmanager
def _truncated_images_refused():
    """Make PIL raise on truncated data even if ``ImageFile.LOAD_TRUNCATED_IMAGES`` is set.

    Only then is the global switched off, for this decode, under a lock.
    """
    from PIL import ImageFile

    if not ImageFile.LOAD_TRUNCATED_IMAGES:
        yield
        return
    with _TRUNCATED_SETTING:
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = True


def pil_problem(data: bytes, suffix: str) -> str | None:
    """Why PIL cannot open and fully decode ``data`` (a file named ``*suffix``), or None.

    Examples
    --------
    >>> from PIL import Image
    >>> buf = io.BytesIO(); Image.new("RGB", (8, 8)).save(buf, format="JPEG")
    >>> pil_problem(buf.getvalue(), ".jpg") is None
    True
    >>> pil_problem(buf.getvalue(), ".png").split(":")[0]
    'wrong format for its extension'
    >>> pil_problem(buf.getvalue()[:200], ".jpg").split(":")[0]
    'truncated JPEG image'
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():  # over the limit is reported below, not warned
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        size = _declared_size(data)
        return oversized(*size) if size else f"oversized: {exc}"
    except UnidentifiedImageError:
        return _describe_non_image(data, suffix)
    except Exception as exc:  # noqa: BLE001 - whatever PIL raises, it is this file's problem
        return _decode_error(exc, _magic_format(data))
    with im:
        fmt = im.format
        too_big = oversized(*im.size)
        if too_big:
            return too_big
        try:
            with _truncated_images_refused(), warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                im.load()  # decodes every pixel
        except Exception as exc:  # noqa: BLE001 - reported, the scan goes on
            return _decode_error(exc, fmt)
    return _wrong_format(fmt, suffix)


def _decode_error(exc: Exception, fmt: str | None) -> str:
    """``truncated|corrupt <fmt> image: <PIL's message>``."""
    msg = str(exc) or type(exc).__name__
    what = "truncated" if "truncat" in msg.lower() else "corrupt"
    return f"{what} {fmt + ' ' if fmt else ''}image: {msg}"


def tensorflow_problem(data: bytes) -> str | None:
    """Why TensorFlow cannot decode ``data`` as ``image_dataset_from_directory`` does, or None.

    That is ``tf.io.decode_image(data, channels=3, expand_animations=False)``
    (``keras/src/utils/image_dataset_utils.py``, ``_load_image_tf``, with the
    default ``color_mode="rgb"``). Imports TensorFlow.
    """
    from .compat import quiet_tensorflow

    tf = quiet_tensorflow()
    try:
        tf.io.decode_image(data, channels=3, expand_animations=False)
    except Exception as exc:  # noqa: BLE001 - tf.errors.* and friends
        msg = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        msg = re.sub(r"\{\{[^}]*\}\}\s*|\s*\[Op:\w+\]", "", msg).strip()
        return f"TensorFlow cannot decode it, so image_dataset_from_directory fails on it: {msg}"
    return None
