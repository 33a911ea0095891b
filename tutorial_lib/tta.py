"""Test-time augmentation (TTA): predict on fixed views of each image and average.

- :func:`tta_views` -- fixed views of a batch: the images themselves, flips, shifts by a
  few pixels, or any function of the batch.
- :func:`tta_predict` -- a prediction function's outputs averaged over those views.

Plain NumPy: the prediction function can be anything that maps a batch to one row of
outputs per image (a Keras ``model.predict_on_batch``, a scikit-learn ``predict_proba``,
a function of arrays), and nothing here imports Keras. The views are deterministic, so
the same images always give the same prediction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ._checks import (
    ArgumentTypeError,
    check_batch,
    check_batch_size,
    check_bool,
    check_choice,
    check_positive_int,
)

__all__ = ["TTA_TRANSFORMS", "tta_predict", "tta_views"]

#: The view names :func:`tta_views` accepts: the images, two flips and four shifts.
TTA_TRANSFORMS = (
    "identity",
    "hflip",
    "vflip",
    "shift_left",
    "shift_right",
    "shift_up",
    "shift_down",
)
_MOVES = {"shift_left": (0, -1), "shift_right": (0, 1), "shift_up": (-1, 0), "shift_down": (1, 0)}
# Keras' fill modes (RandomTranslation's docstring) as numpy.pad modes: "reflect" there
# repeats the edge pixel (d c b a | a b c d), which numpy calls "symmetric".
_PAD_MODES = {"nearest": "edge", "constant": "constant", "reflect": "symmetric", "wrap": "wrap"}

Transform = str | Callable[[np.ndarray], np.ndarray]


def _shifted(images: np.ndarray, dy: int, dx: int, mode: str) -> np.ndarray:
    """The batch moved ``dy`` rows down and ``dx`` columns right, borders filled by ``mode``."""
    h, w = images.shape[1:3]
    pad = [(0, 0), (max(dy, 0), max(-dy, 0)), (max(dx, 0), max(-dx, 0))]
    padded = np.pad(images, pad + [(0, 0)] * (images.ndim - 3), mode=_PAD_MODES[mode])
    top, left = max(-dy, 0), max(-dx, 0)
    return padded[:, top : top + h, left : left + w]


def _view(images: np.ndarray, transform: Transform, shift: int, fill_mode: str) -> np.ndarray:
    if callable(transform):
        out = np.asarray(transform(images))
        if out.shape != images.shape:
            raise ValueError(
                f"`transforms`: the function {transform!r} must return an array of the input's "
                f"shape {images.shape}, got shape {out.shape}."
            )
        return out
    if transform == "identity":
        return images
    if transform == "hflip":
        return images[:, :, ::-1]
    if transform == "vflip":
        return images[:, ::-1]
    dy, dx = _MOVES[transform]
    return _shifted(images, dy * shift, dx * shift, fill_mode)


def _check_transforms(transforms) -> list:
    if isinstance(transforms, (str, bytes)) or not isinstance(transforms, Sequence):
        raise ArgumentTypeError(
            "`transforms` must be a sequence (list, tuple) of names or functions, "
            f"got {type(transforms).__name__} {transforms!r}."
        )
    if len(transforms) == 0:
        raise ValueError("`transforms` is empty: give at least one view, e.g. ('identity',).")
    for i, t in enumerate(transforms):
        if not callable(t):
            check_choice(t, f"transforms[{i}]", TTA_TRANSFORMS)
    return list(transforms)


def _check_shift(shift, shape: tuple[int, ...], transforms: list) -> int:
    """``shift`` as an int, smaller than the side each requested shift moves along."""
    shift = check_positive_int(shift, "shift")
    for t in transforms:
        if not callable(t) and t in _MOVES:
            axis = 1 if _MOVES[t][0] else 2
            if shift >= shape[axis]:
                side = "height" if axis == 1 else "width"
                raise ValueError(
                    f"`shift` must be smaller than the images' {side} for {t!r} "
                    f"({shape[1]}x{shape[2]} pixels), got {shift}."
                )
    return shift


def tta_views(
    images,
    transforms: Sequence[Transform] = ("identity", "hflip"),
    shift: int = 2,
    fill_mode: str = "nearest",
) -> np.ndarray:
    """Fixed views of a batch, one per transform, stacked on a new first axis.

    Parameters
    ----------
    images : array_like
        A channels-last batch ``(N, H, W, C)`` or ``(N, H, W)``, any dtype.
    transforms : sequence of str or callable
        Each one view. Names (``TTA_TRANSFORMS``): ``"identity"``; ``"hflip"``
        (left-right) and ``"vflip"`` (up-down); ``"shift_left"``, ``"shift_right"``,
        ``"shift_up"``, ``"shift_down"`` (the content moves ``shift`` pixels that way).
        A callable takes the whole batch and returns an array of the same shape.
    shift : int
        Pixels a shift view moves the content, ``>= 1`` and smaller than the side it
        moves along.
    fill_mode : {"nearest", "constant", "reflect", "wrap"}
        What fills the strip a shift uncovers, as Keras' ``RandomTranslation`` means
        it: the edge pixel repeated, zeros, the image mirrored, or the opposite edge.

    Returns
    -------
    ndarray
        ``(len(transforms), N, H, W[, C])``, the input's dtype. Views are new arrays
        (flips are copies, not views of ``images``).

    Examples
    --------
    >>> batch = np.arange(6).reshape(1, 2, 3)
    >>> v = tta_views(batch, ("identity", "hflip", "shift_right"), shift=1)
    >>> v.shape
    (3, 1, 2, 3)
    >>> v[1, 0].tolist(), v[2, 0].tolist()
    ([[2, 1, 0], [5, 4, 3]], [[0, 0, 1], [3, 3, 4]])
    """
    arr = check_batch(images, "images")
    transforms = _check_transforms(transforms)
    fill_mode = check_choice(fill_mode, "fill_mode", tuple(_PAD_MODES))
    shift = _check_shift(shift, arr.shape, transforms)
    return np.stack([_view(arr, t, shift, fill_mode) for t in transforms])


def tta_predict(
    predict: Callable[[np.ndarray], np.ndarray],
    images,
    transforms: Sequence[Transform] = ("identity", "hflip"),
    shift: int = 2,
    fill_mode: str = "nearest",
    batch_size: int | None = None,
    return_all: bool = False,
) -> np.ndarray:
    """Predict every view of every image (:func:`tta_views`) and average over the views.

    With class probabilities (a softmax output) the average is again a probability
    row; its ``argmax`` is the TTA prediction. Each image costs ``len(transforms)``
    predictions. Only use views that do not change the answer: a flipped digit is
    a different symbol, a flipped photo of a cat is still a cat.

    Parameters
    ----------
    predict : callable
        Maps a batch ``(M, H, W[, C])`` to outputs with ``M`` rows, e.g.
        ``model.predict_on_batch`` or ``lambda x: model(x, training=False)`` for a
        Keras model, or ``clf.predict_proba`` on flattened images. Not the Keras model
        itself when it holds augmentation layers: a plain call ``model(x)`` runs them
        (their ``training`` argument defaults to True), so every call would differ.
        The result is converted with ``numpy.asarray``.
    images : array_like
        ``(N, H, W, C)`` or ``(N, H, W)``.
    transforms, shift, fill_mode
        The views, as in :func:`tta_views`.
    batch_size : int, optional
        Images per call; each call receives ``batch_size * len(transforms)`` views.
        Default: all images in one call.
    return_all : bool
        Also return every view's outputs.

    Returns
    -------
    ndarray or (ndarray, ndarray)
        The mean over the views, shaped like one call's output for ``N`` images
        (``(N, K)`` for ``K`` classes); with ``return_all`` also the outputs of every
        view, ``(len(transforms), N, ...)``.

    Examples
    --------
    A "model" that scores the brightness of the left and the right half:

    >>> def predict(x):
    ...     halves = np.stack([x[:, :, :2].mean((1, 2)), x[:, :, 2:].mean((1, 2))], 1)
    ...     e = np.exp(halves)
    ...     return e / e.sum(1, keepdims=True)
    >>> x = np.array([[[0.0, 0.0, 1.0, 1.0]]])  # one 1x4 image, bright on the right
    >>> predict(x).round(3).tolist()
    [[0.269, 0.731]]
    >>> tta_predict(predict, x, ("identity", "hflip")).round(3).tolist()  # 0.5 each
    [[0.5, 0.5]]
    >>> mean, every = tta_predict(predict, x, ("identity",), return_all=True)
    >>> bool(np.array_equal(mean, predict(x))), every.shape
    (True, (1, 1, 2))
    """
    if not callable(predict):
        raise ArgumentTypeError(
            "`predict` must be callable (a function of a batch of images), "
            f"got {type(predict).__name__} {predict!r}."
        )
    arr = check_batch(images, "images")
    transforms = _check_transforms(transforms)
    fill_mode = check_choice(fill_mode, "fill_mode", tuple(_PAD_MODES))
    shift = _check_shift(shift, arr.shape, transforms)
    step = len(arr) if batch_size is None else check_batch_size(batch_size)
    return_all = check_bool(return_all, "return_all")
    parts = []
    for start in range(0, len(arr), step):
        chunk = arr[start : start + step]
        views = tta_views(chunk, transforms, shift, fill_mode)
        out = np.asarray(predict(views.reshape((-1,) + chunk.shape[1:])))
        if out.ndim == 0 or out.shape[0] != len(views) * len(chunk):
            raise ValueError(
                f"`predict` must return one row per image: given {len(views) * len(chunk)} "
                f"images it returned shape {out.shape}."
            )
        parts.append(out.reshape((len(views), len(chunk)) + out.shape[1:]))
    every = np.concatenate(parts, axis=1)
    mean = every.mean(axis=0)
    return (mean, every) if return_all else mean
