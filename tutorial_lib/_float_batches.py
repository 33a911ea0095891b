"""Batches of images as checked, rescaled floats: the first step of every statistics fit.

:func:`featurewise_stats` and :class:`ZCA` both accept a ``rescale`` factor (as
``ImageDataGenerator(rescale=...)``) and read batches of any numeric dtype;
:func:`check_rescale` validates the factor once, :func:`float_batch` turns a
batch into a ``(n, height, width, channels)`` float array, rescaled and
checked for shape and non-finite values.
"""

from __future__ import annotations

import numpy as np

from ._checks import ArgumentTypeError, check_number

__all__ = ["check_rescale", "float_batch", "image_list_as_array"]


def check_rescale(rescale) -> float | None:
    """Return ``rescale`` as a float (or None), or raise ValueError naming it.

    Examples
    --------
    >>> check_rescale(None), check_rescale(1 / 255) == 1 / 255, check_rescale(np.float32(2))
    (None, True, 2.0)
    >>> check_rescale(0)
    Traceback (most recent call last):
    ...
    ValueError: `rescale` must be a finite non-zero number or None, got 0.
    """
    if rescale is None:
        return None
    try:
        value = check_number(rescale, "rescale")
    except ArgumentTypeError:
        raise ArgumentTypeError(
            f"`rescale` must be a finite non-zero number or None, got "
            f"{type(rescale).__name__} {rescale!r}."
        ) from None
    except ValueError:
        value = 0.0  # NaN or infinite: refused below with the same message
    if value == 0:
        raise ValueError(f"`rescale` must be a finite non-zero number or None, got {rescale!r}.")
    return value


def image_list_as_array(data, name: str):
    """``data`` as one array if it is an array or a list of 2-D (one-channel) images, else None.

    A list or tuple whose items are ``(x, y[, w])`` batches (what a Keras
    iterator yields) is a stream of batches, not a list of images: None.

    Examples
    --------
    >>> image_list_as_array([np.zeros((2, 2))] * 3, "x").shape
    (3, 2, 2)
    >>> image_list_as_array([(np.zeros((3, 2, 2, 1)), np.arange(3))], "x") is None
    True
    """
    if isinstance(data, np.ndarray):
        return data
    if not isinstance(data, (list, tuple)) or not data:
        return None
    first = data[0]
    if isinstance(first, (list, tuple)) and len(first) in (2, 3):
        try:
            if np.ndim(first[0]) >= 3:
                return None  # (x, y[, w]) batches
        except ValueError:
            return None
    try:
        ndim = np.ndim(first)
    except ValueError:  # a ragged item: not one image
        return None
    if ndim != 2:
        return None
    try:
        return np.asarray(data)
    except ValueError as exc:
        raise ValueError(f"`{name}` is a list of images of different shapes: {exc}") from None


def float_batch(
    batch,
    name: str,
    dtype,
    rescale: float | None,
    image_shape=None,
    shape_source: str = "the earlier images",
) -> np.ndarray:
    """A batch as a new ``(n, H, W, C)`` array of ``dtype``, multiplied by ``rescale``.

    Parameters
    ----------
    batch : array_like
        ``(n, H, W, C)`` or ``(n, H, W)`` (one channel) numeric images.
    name : str
        Argument name for error messages.
    dtype : numpy float dtype
        Result dtype (the product is computed in it).
    rescale : float or None
        Factor from :func:`check_rescale`.
    image_shape : tuple, optional
        ``(H, W, C)`` every image must have.
    shape_source : str
        Where ``image_shape`` comes from, for the error message.

    Raises
    ------
    ValueError
        Naming ``name``: non-numeric dtype, wrong rank or image shape, NaN or infinity.

    Examples
    --------
    >>> out = float_batch(np.full((2, 3, 3), 255, np.uint8), "x", np.float32, 1 / 255)
    >>> out.shape, out.dtype.name, float(out.max())
    ((2, 3, 3, 1), 'float32', 1.0)
    """
    batch = np.asarray(batch)
    numeric = np.issubdtype(batch.dtype, np.number) or batch.dtype == bool
    if batch.dtype == object or not numeric or np.issubdtype(batch.dtype, np.complexfloating):
        raise ValueError(f"`{name}` must hold real numeric images, got dtype {batch.dtype}.")
    if batch.ndim == 3:
        batch = batch[..., None]
    if batch.ndim != 4:
        raise ValueError(
            f"`{name}` must have shape (n, height, width[, channels]), got shape {batch.shape}."
        )
    if image_shape is not None and batch.shape[1:] != tuple(image_shape):
        raise ValueError(
            f"`{name}` has images of shape {batch.shape[1:]}, but {shape_source} "
            f"have shape {tuple(image_shape)}."
        )
    out = batch.astype(dtype)  # always a copy
    if rescale is not None:
        out *= dtype(rescale)
    if not np.all(np.isfinite(out)):
        raise ValueError(f"`{name}` contains NaN or infinite values.")
    return out
