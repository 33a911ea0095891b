"""The one rule for guessing which range an image's values live in.

Transforms need it to know what "white" is, plots to show an image without
stretching it, and the PNG writers to know whether to multiply by 255. The
rule, from the dtype first and from the values only where the dtype cannot
tell:

- ``bool``: ``(0, 1)``.
- integers: ``(0, 255)`` when every value lies in 0..255 and the dtype can
  hold 255 (always for ``uint8``); otherwise the dtype's own range (a 16-bit
  image with values above 255 is ``(0, 65535)``; ``int8`` is always
  ``(-128, 127)``).
- floats: ``(0, 1)`` when every finite value lies in [0, 1], otherwise
  ``(0, 255)`` (what ``ImageDataGenerator`` hands a ``preprocessing_function``).

NaN and infinite values are ignored by the guess (an image of only NaN is
``(0, 1)``); what to do with them is the caller's decision. The values may
still fall outside the guessed range (a float image in [-1, 1] guesses
``(0, 255)``): check with :func:`finite_min_max` before relying on it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["guess_value_range", "finite_min_max", "fits_range"]


def finite_min_max(arr: np.ndarray) -> tuple[float, float] | None:
    """Smallest and largest finite value of ``arr``, or None if it has none.

    Examples
    --------
    >>> finite_min_max(np.array([np.nan, -2.0, 3.0, np.inf]))
    (-2.0, 3.0)
    >>> finite_min_max(np.array([np.nan])) is None
    True
    """
    arr = np.asarray(arr)
    if arr.size == 0:
        return None
    low, high = float(arr.min()), float(arr.max())
    if np.isfinite(low) and np.isfinite(high):  # the common case: no copy
        return low, high
    finite = arr[np.isfinite(arr)]
    if finite.size == 0:
        return None
    return float(finite.min()), float(finite.max())


def fits_range(arr: np.ndarray, low: float, high: float) -> bool:
    """True if every finite value of ``arr`` lies in ``[low, high]``.

    Examples
    --------
    >>> fits_range(np.array([0.0, 0.5, np.nan]), 0.0, 1.0)
    True
    >>> fits_range(np.array([0, 300]), 0, 255)
    False
    """
    extremes = finite_min_max(arr)
    return extremes is None or (extremes[0] >= low and extremes[1] <= high)


def guess_value_range(arr: np.ndarray) -> tuple[float, float]:
    """Guess the ``(low, high)`` range of an image's values (see the module's rule).

    Parameters
    ----------
    arr : ndarray
        An image or a batch of any shape; bool, integer or float.

    Returns
    -------
    (float, float)
        ``low < high``.

    Examples
    --------
    >>> guess_value_range(np.zeros((2, 2), np.uint8))
    (0.0, 255.0)
    >>> guess_value_range(np.array([[0, 4000]], np.uint16))
    (0.0, 65535.0)
    >>> guess_value_range(np.array([[0.0, 0.5]])), guess_value_range(np.array([[0.0, 7.0]]))
    ((0.0, 1.0), (0.0, 255.0))
    """
    arr = np.asarray(arr)
    if arr.dtype == bool:
        return 0.0, 1.0
    if np.issubdtype(arr.dtype, np.integer):
        info = np.iinfo(arr.dtype)
        if info.min <= 0 and info.max >= 255 and fits_range(arr, 0, 255):
            return 0.0, 255.0
        return float(info.min), float(info.max)
    if fits_range(arr, 0.0, 1.0):
        return 0.0, 1.0
    return 0.0, 255.0
