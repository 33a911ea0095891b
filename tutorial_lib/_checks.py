"""Argument checks shared by the public functions.

Every check raises :class:`ValueError` (or :class:`TypeError` for a wrong
type) with a message that names the offending argument and shows what it got,
so that a reader sees at once which call to fix.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "as_generator",
    "check_image",
    "check_batch",
    "check_fits",
    "check_fraction",
    "check_nonnegative_int",
    "check_positive_int",
    "check_size",
]


def as_generator(seed, name: str = "seed") -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from ``None``, an int or a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool)):
        if seed is not None and seed < 0:
            raise ValueError(f"`{name}` must be a non-negative integer, got {seed}.")
        return np.random.default_rng(seed)
    raise TypeError(
        f"`{name}` must be None, a non-negative int or a numpy.random.Generator, "
        f"got {type(seed).__name__}."
    )


def _as_array(x, name: str) -> np.ndarray:
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"`{name}` could not be converted to an array: {exc}") from exc
    if arr.dtype == object:
        raise ValueError(f"`{name}` must be a numeric array, got an object array (ragged input?).")
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f"`{name}` must be numeric, got dtype {arr.dtype}.")
    return arr


def check_image(image, name: str = "image", allow_2d: bool = True) -> np.ndarray:
    """Check a single channels-last image: ``(H, W, C)`` or, if allowed, ``(H, W)``."""
    arr = _as_array(image, name)
    ranks = (2, 3) if allow_2d else (3,)
    if arr.ndim not in ranks:
        expected = (
            "(height, width) or (height, width, channels)"
            if allow_2d
            else "(height, width, channels)"
        )
        raise ValueError(f"`{name}` must have shape {expected}, got shape {arr.shape}.")
    if arr.size == 0:
        raise ValueError(f"`{name}` is empty (shape {arr.shape}).")
    return arr


def check_batch(images, name: str = "images", allow_3d: bool = True) -> np.ndarray:
    """Check a channels-last batch: ``(N, H, W, C)`` or, if allowed, ``(N, H, W)``."""
    arr = _as_array(images, name)
    ranks = (3, 4) if allow_3d else (4,)
    if arr.ndim not in ranks:
        expected = (
            "(n, height, width) or (n, height, width, channels)"
            if allow_3d
            else "(n, height, width, channels)"
        )
        raise ValueError(f"`{name}` must have shape {expected}, got shape {arr.shape}.")
    if arr.size == 0:
        raise ValueError(f"`{name}` is empty (shape {arr.shape}).")
    return arr


def check_fraction(value, name: str, low: float = 0.0, high: float = 1.0) -> float:
    """Check that ``value`` is a real number in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"`{name}` must be a number in [{low}, {high}], got {value!r}.")
    if not low <= value <= high:
        raise ValueError(f"`{name}` must be in [{low}, {high}], got {value}.")
    return float(value)


def _check_int_at_least(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {value!r}.")
    if value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {value}.")
    return int(value)


def check_positive_int(value, name: str) -> int:
    """Check that ``value`` is an integer ``>= 1`` (not a bool) and return it as ``int``.

    Examples
    --------
    >>> check_positive_int(3, "copies")
    3
    >>> check_positive_int(0, "copies")
    Traceback (most recent call last):
    ...
    ValueError: `copies` must be an integer >= 1, got 0.
    """
    return _check_int_at_least(value, name, 1)


def check_nonnegative_int(value, name: str) -> int:
    """Check that ``value`` is an integer ``>= 0`` (not a bool) and return it as ``int``.

    Examples
    --------
    >>> check_nonnegative_int(np.int64(0), "seed")
    0
    >>> check_nonnegative_int(1.0, "seed")
    Traceback (most recent call last):
    ...
    ValueError: `seed` must be an integer >= 0, got 1.0.
    """
    return _check_int_at_least(value, name, 0)


def check_fits(size: tuple[int, int], shape: tuple[int, ...], name: str, image_name: str) -> None:
    """Check that a ``(height, width)`` window ``size`` fits in an image of ``shape[:2]``."""
    h, w = size
    if h > shape[0] or w > shape[1]:
        raise ValueError(
            f"`{name}` {size} is larger than the {image_name} ({shape[0]}x{shape[1]} pixels); "
            "resize first (e.g. flow_from_directory(target_size=...)) or choose a smaller crop."
        )


def check_size(size, name: str = "size") -> tuple[int, int]:
    """Accept ``s`` or ``(h, w)`` and return ``(h, w)`` with positive ints."""
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        size = (size, size)
    try:
        h, w = size
    except (TypeError, ValueError):
        raise ValueError(
            f"`{name}` must be an int or a (height, width) pair, got {size!r}."
        ) from None
    check_positive_int(h, f"{name}[0]")
    check_positive_int(w, f"{name}[1]")
    return int(h), int(w)
