"""Iterate over the batches of an array, a Keras iterator or any iterable.

Statistics and whitening can be fitted on data that does not fit in memory
by reading it batch by batch; this module turns every kind of input the
book meets into a finite stream of image arrays.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from ._checks import ArgumentTypeError, check_batch_size

__all__ = ["iter_image_batches", "count_batches"]


def _images_of(batch, name: str) -> np.ndarray:
    # Keras iterators yield (x, y) or (x, y, w); plain generators may yield x.
    if isinstance(batch, (tuple, list)) and len(batch) in (2, 3) and np.ndim(batch[0]) >= 3:
        batch = batch[0]
    images = np.asarray(batch)
    if images.ndim not in (3, 4):
        raise ValueError(
            f"`{name}` yielded a batch of shape {images.shape}; expected images "
            "(n, height, width[, channels]) or (x, y[, w]) tuples of them."
        )
    return images


def _source_kind(data, name: str) -> str:
    """``"array"``, ``"indexable"`` or ``"iterable"``; anything else is refused."""
    if isinstance(data, np.ndarray):
        if data.ndim not in (3, 4):
            raise ValueError(
                f"`{name}` must have shape (n, height, width[, channels]), got shape {data.shape}."
            )
        return "array"
    indexable = hasattr(data, "__len__") and hasattr(data, "__getitem__")
    if isinstance(data, (str, bytes)) or not (indexable or isinstance(data, Iterable)):
        raise ArgumentTypeError(
            f"`{name}` must be an array (n, height, width[, channels]), a Keras iterator or an "
            f"iterable of batches, got {type(data).__name__}."
        )
    return "indexable" if indexable and not isinstance(data, (list, tuple)) else "iterable"


def count_batches(data, batch_size: int = 256, *, name: str = "data") -> int | None:
    """Number of batches :func:`iter_image_batches` will yield, or None if unknown.

    Examples
    --------
    >>> count_batches(np.zeros((5, 2, 2, 1)), batch_size=2), count_batches(iter([]))
    (3, None)
    >>> count_batches(np.zeros((5, 2, 2, 1)), batch_size=0)
    Traceback (most recent call last):
    ...
    ValueError: `batch_size` must be an integer >= 1, got 0.
    """
    batch_size = check_batch_size(batch_size)
    if _source_kind(data, name) == "array":
        return -(-len(data) // batch_size)
    try:
        return len(data)
    except TypeError:
        return None


def iter_image_batches(data, batch_size: int = 256, *, name: str = "data") -> Iterator[np.ndarray]:
    """Yield image batches from ``data`` exactly once.

    The arguments are checked when this is called, not when the first batch is read.

    Parameters
    ----------
    data : ndarray, keras iterator / Sequence, or iterable
        An array ``(N, H, W[, C])`` is cut into batches of ``batch_size``.
        An object with ``len()`` and integer indexing (``DirectoryIterator``,
        ``NumpyArrayIterator``, ``keras.utils.PyDataset``) is read once,
        batch ``0`` to ``len(data) - 1``, even though iterating it directly
        would never stop. Any other iterable is consumed as it is; items may
        be ``x`` or ``(x, y[, w])`` tuples, ``x`` of shape ``(n, H, W[, C])``
        (anything else raises ``ValueError`` when it is read).
    batch_size : int
        Batch size used to cut an array; an integer >= 1.
    name : str
        What error messages call ``data``: the caller's own argument name (``"x"``).

    Examples
    --------
    >>> [b.shape[0] for b in iter_image_batches(np.zeros((5, 2, 2, 1)), batch_size=2)]
    [2, 2, 1]
    """
    batch_size = check_batch_size(batch_size)
    kind = _source_kind(data, name)
    if kind == "array":
        return (data[start : start + batch_size] for start in range(0, len(data), batch_size))
    if kind == "indexable":
        return (_images_of(data[i], name) for i in range(len(data)))
    return (_images_of(batch, name) for batch in data)
