"""Argument checks shared by the public functions.

Every check raises :class:`ValueError` for a wrong value, or
:class:`ArgumentTypeError` for a wrong type, with a message that names the
offending argument, shows what it got and says what it expects, so that a
reader sees at once which call to fix. ``ArgumentTypeError`` is a
:class:`TypeError` that is also a :class:`ValueError` (as NumPy's ``AxisError``
is both a ``ValueError`` and an ``IndexError``): ``except TypeError`` catches
it, and so does code written when these checks raised ``ValueError`` only.
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Sequence

import numpy as np

__all__ = [
    "ArgumentTypeError",
    "as_generator",
    "check_batch",
    "check_batch_size",
    "check_bool",
    "check_callable",
    "check_choice",
    "check_fits",
    "check_fraction",
    "check_image",
    "check_image_or_batch",
    "check_index",
    "check_nonnegative_int",
    "check_number",
    "check_positive_int",
    "check_positive_number",
    "check_seed",
    "check_sequence_length",
    "check_size",
    "fold_seed",
]


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type: a ``TypeError`` that is also a ``ValueError``."""


def _got(value) -> str:
    """``value`` as a message shows it: its type and, when short, its repr."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def _is_int(value) -> bool:
    """An integer (Python or NumPy), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def as_generator(seed, name: str = "seed") -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from ``None``, an int or a Generator.

    Examples
    --------
    >>> int(as_generator(2**40).integers(10**6)) == int(as_generator(2**40).integers(10**6))
    True
    >>> as_generator(0.5)
    Traceback (most recent call last):
    ...
    tutorial_lib._checks.ArgumentTypeError: `seed` must be None, a non-negative int or a \
numpy.random.Generator, got float 0.5.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if not _is_int(seed):
        raise ArgumentTypeError(
            f"`{name}` must be None, a non-negative int or a numpy.random.Generator, "
            f"got {_got(seed)}."
        )
    return np.random.default_rng(check_seed(seed, name))


def check_seed(seed, name: str = "seed") -> int:
    """Check that ``seed`` is a non-negative integer of any size and return it as ``int``.

    Examples
    --------
    >>> check_seed(2**40)
    1099511627776
    >>> check_seed(-1)
    Traceback (most recent call last):
    ...
    ValueError: `seed` must be a non-negative integer, got -1.
    """
    if not _is_int(seed):
        raise ArgumentTypeError(f"`{name}` must be a non-negative integer, got {_got(seed)}.")
    if seed < 0:
        raise ValueError(f"`{name}` must be a non-negative integer, got {seed}.")
    return int(seed)


def fold_seed(seed: int, bits: int = 32) -> int:
    """``seed`` itself if it is below ``2**bits``, else a ``bits``-bit seed derived from it.

    For APIs that take fewer bits than a Python int has: NumPy's legacy
    ``np.random.seed`` and ``PYTHONHASHSEED`` take 32 bits, TensorFlow 64
    (signed). The derivation (``numpy.random.SeedSequence``) is fixed, so the
    same large seed always gives the same small one, and different large seeds
    give different small ones except by a ``2**-bits`` chance.

    Examples
    --------
    >>> fold_seed(42), fold_seed(2**40) == fold_seed(2**40), fold_seed(2**40) < 2**32
    (42, True, True)
    """
    seed = check_seed(seed)
    if seed < 2**bits:
        return seed
    words = np.random.SeedSequence(seed).generate_state(2, np.uint32)
    return ((int(words[0]) << 32) | int(words[1])) % 2**bits


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


def _checked_rank(arr: np.ndarray, name: str, full: str, allow_grey: bool) -> np.ndarray:
    """``arr`` if it has the rank of ``full`` (or one less, without channels) and is not empty."""
    grey = full.replace(", channels)", ")")
    ranks = (full.count(",") + 1,)
    ranks = (ranks[0] - 1, ranks[0]) if allow_grey else ranks
    if arr.ndim not in ranks:
        expected = f"{grey} or {full}" if allow_grey else full
        raise ValueError(f"`{name}` must have shape {expected}, got shape {arr.shape}.")
    if arr.size == 0:
        raise ValueError(f"`{name}` is empty (shape {arr.shape}).")
    return arr


def check_picture(image, subject: str, purpose: str) -> np.ndarray:
    """One image as ``(H, W)`` or ``(H, W, 3|4)`` (a trailing channel of 1 dropped), as PNG
    files and plots take it; the error says "<subject> must be ... <purpose>".

    Examples
    --------
    >>> check_picture(np.zeros((2, 3, 1)), "`image`", "to be shown").shape
    (2, 3)
    """
    img = np.asarray(image)
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[-1] not in (3, 4)):
        raise ValueError(
            f"{subject} must be (H, W) or (H, W, C) with C in 1, 3, 4 {purpose}, "
            f"got shape {img.shape}."
        )
    return img


def check_image(image, name: str = "image", allow_2d: bool = True) -> np.ndarray:
    """Check a single channels-last image: ``(H, W, C)`` or, if allowed, ``(H, W)``."""
    return _checked_rank(_as_array(image, name), name, "(height, width, channels)", allow_2d)


def check_batch(images, name: str = "images", allow_3d: bool = True) -> np.ndarray:
    """Check a channels-last batch: ``(N, H, W, C)`` or, if allowed, ``(N, H, W)``."""
    return _checked_rank(_as_array(images, name), name, "(n, height, width, channels)", allow_3d)


def check_image_or_batch(images, name: str = "image") -> np.ndarray:
    """Check one image ``(H, W[, C])`` or a batch ``(N, H, W, C)``: a 4-D array is a batch.

    Examples
    --------
    >>> check_image_or_batch(np.zeros((2, 4, 4, 3))).shape
    (2, 4, 4, 3)
    >>> check_image_or_batch(np.zeros(4))
    Traceback (most recent call last):
    ...
    ValueError: `image` must have shape (height, width), (height, width, channels) or \
(n, height, width, channels), got shape (4,).
    """
    arr = _as_array(images, name)
    if arr.ndim not in (2, 3, 4):
        raise ValueError(
            f"`{name}` must have shape (height, width), (height, width, channels) or "
            f"(n, height, width, channels), got shape {arr.shape}."
        )
    if arr.size == 0:
        raise ValueError(f"`{name}` is empty (shape {arr.shape}).")
    return arr


def check_number(
    value,
    name: str,
    minimum: float | None = None,
    maximum: float | None = None,
    above: float | None = None,
) -> float:
    """Check that ``value`` is a finite real number (not a bool) within the given bounds.

    ``minimum`` and ``maximum`` are inclusive bounds, ``above`` an exclusive lower one.

    Examples
    --------
    >>> check_number(0.5, "sigma", minimum=0)
    0.5
    >>> check_number(float("nan"), "sigma", minimum=0)
    Traceback (most recent call last):
    ...
    ValueError: `sigma` must be a finite number >= 0, got nan.
    """
    limits = ((">=", minimum, np.greater_equal), ("<=", maximum, np.less_equal))
    limits += ((">", above, np.greater),)
    limits = [(op, bound, ok) for op, bound, ok in limits if bound is not None]
    bounds = " and ".join(f"{op} {bound:g}" for op, bound, _ in limits)
    expects = f"a finite number {bounds}".strip()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(f"`{name}` must be {expects}, got {_got(value)}.")
    if not np.isfinite(value) or not all(ok(value, bound) for _, bound, ok in limits):
        raise ValueError(f"`{name}` must be {expects}, got {value!r}.")
    return float(value)


def check_positive_number(value, name: str) -> float:
    """Check that ``value`` is a finite real number ``> 0`` (a scale, a size in inches).

    Examples
    --------
    >>> check_positive_number(1.5, "scale")
    1.5
    >>> check_positive_number(0, "scale")
    Traceback (most recent call last):
    ...
    ValueError: `scale` must be a finite number > 0, got 0.
    """
    return check_number(value, name, above=0)


def check_fraction(value, name: str, low: float = 0.0, high: float = 1.0) -> float:
    """Check that ``value`` is a real number in ``[low, high]``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(f"`{name}` must be a number in [{low}, {high}], got {_got(value)}.")
    if not np.isfinite(value):
        raise ValueError(f"`{name}` must be a number in [{low}, {high}], got {value!r}.")
    if not low <= value <= high:
        raise ValueError(f"`{name}` must be in [{low}, {high}], got {value}.")
    return float(value)


def _check_int_at_least(value, name: str, minimum: int) -> int:
    if not _is_int(value):
        raise ArgumentTypeError(f"`{name}` must be an integer >= {minimum}, got {value!r}.")
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
    tutorial_lib._checks.ArgumentTypeError: `seed` must be an integer >= 0, got 1.0.
    """
    return _check_int_at_least(value, name, 0)


def check_batch_size(value, name: str = "batch_size") -> int:
    """Check a batch size: an integer ``>= 1`` (0 would never advance, -1 would yield nothing).

    Examples
    --------
    >>> check_batch_size(np.int32(32))
    32
    >>> check_batch_size(-1)
    Traceback (most recent call last):
    ...
    ValueError: `batch_size` must be an integer >= 1, got -1.
    """
    return _check_int_at_least(value, name, 1)


def check_index(index, n: int, name: str = "index", what: str = "batches") -> int:
    """``index`` as a position in ``0 .. n - 1``, counting negative ones from the end.

    Integers only, as for a list: a float (even ``1.0``) or a bool is refused
    with a ``TypeError``; NumPy integers are accepted.

    Examples
    --------
    >>> check_index(-1, 3), check_index(np.int64(1), 3)
    (2, 1)
    >>> check_index(1.5, 3)
    Traceback (most recent call last):
    ...
    tutorial_lib._checks.ArgumentTypeError: `index` must be an integer, got float 1.5.
    >>> check_index(3, 3)
    Traceback (most recent call last):
    ...
    IndexError: `index` 3 is out of range for 3 batches (valid: -3 to 2).
    """
    if not _is_int(index):
        raise ArgumentTypeError(f"`{name}` must be an integer, got {_got(index)}.")
    if not -n <= index < n:
        valid = f"-{n} to {n - 1}" if n else "none"
        raise IndexError(f"`{name}` {index} is out of range for {n} {what} (valid: {valid}).")
    return int(index) % n


def check_bool(value, name: str) -> bool:
    """Check that ``value`` is ``True`` or ``False`` (NumPy bools too) and return a ``bool``.

    Examples
    --------
    >>> check_bool(np.True_, "shuffle")
    True
    >>> check_bool("no", "shuffle")
    Traceback (most recent call last):
    ...
    tutorial_lib._checks.ArgumentTypeError: `shuffle` must be True or False, got str 'no'.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise ArgumentTypeError(f"`{name}` must be True or False, got {_got(value)}.")
    return bool(value)


def check_choice(value, name: str, choices: Sequence):
    """Check that ``value`` is one of ``choices`` and return it.

    Examples
    --------
    >>> check_choice("center", "mode", ("random", "center"))
    'center'
    >>> check_choice("middle", "mode", ("random", "center"))
    Traceback (most recent call last):
    ...
    ValueError: `mode` must be one of 'random', 'center', got 'middle'.
    """
    try:
        known = isinstance(value, Hashable) and value in choices
    except (TypeError, ValueError):  # a value that cannot even be compared
        known = False
    if not known:
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"`{name}` must be one of {listed}, got {value!r}.")
    return value


def check_callable(fn, name: str) -> None:
    """Check that ``fn`` can be called (a function of one image)."""
    if not callable(fn):
        raise ArgumentTypeError(
            f"`{name}` must be callable (a function of one image), got {_got(fn)}."
        )


def check_sequence_length(values, n: int, name: str, per: str) -> list:
    """Check that ``values`` is a sequence of exactly ``n`` items (one per ``per``); return a list.

    A string is refused: it would be read as one title per character.

    Examples
    --------
    >>> check_sequence_length(("a", "b"), 2, "titles", "image")
    ['a', 'b']
    >>> check_sequence_length(["a"], 2, "titles", "image")
    Traceback (most recent call last):
    ...
    ValueError: `titles` has 1 entries, expected 2 (one per image).
    """
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise ArgumentTypeError(
            f"`{name}` must be a sequence (list, tuple, array) with one entry per {per}, "
            f"got {_got(values)}."
        )
    if len(values) != n:
        raise ValueError(f"`{name}` has {len(values)} entries, expected {n} (one per {per}).")
    return list(values)


def check_fits(size: tuple[int, int], shape: tuple[int, ...], name: str, image_name: str) -> None:
    """Check that a ``(height, width)`` window ``size`` fits in an image of ``shape[:2]``."""
    h, w = size
    if h > shape[0] or w > shape[1]:
        raise ValueError(
            f"`{name}` {size} is larger than the {image_name} ({shape[0]}x{shape[1]} pixels); "
            "resize first (e.g. flow_from_directory(target_size=...)) or choose a smaller crop."
        )


def check_size(size, name: str = "size") -> tuple[int, int]:
    """Accept ``s`` or ``(h, w)`` and return ``(h, w)`` with positive ints.

    Examples
    --------
    >>> check_size(3), check_size((2, np.int64(5)))
    ((3, 3), (2, 5))
    >>> check_size((2, 0))
    Traceback (most recent call last):
    ...
    ValueError: `size[1]` must be an integer >= 1, got 0.
    """
    if _is_int(size):
        size = (size, size)
    try:
        h, w = size
    except (TypeError, ValueError):
        h = w = None
    if h is None or isinstance(size, (str, bytes)):
        raise ArgumentTypeError(
            f"`{name}` must be an int or a (height, width) pair, got {_got(size)}."
        )
    check_positive_int(h, f"{name}[0]")
    check_positive_int(w, f"{name}[1]")
    return int(h), int(w)
