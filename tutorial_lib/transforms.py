"""Custom augmentations as plain functions: no fork of Keras needed.

- :func:`salt_and_pepper` -- set a random fraction of pixels to the lowest or highest value.
- :func:`erode` -- grey-scale morphological erosion (bright strokes get thinner).
- :func:`gaussian_noise` -- add Gaussian noise, clipped back into the value range.
- :func:`random_apply` -- wrap any transform so that it runs with probability ``p``.
- :func:`compose` -- chain transforms into one function of the image.

Every transform takes a single image ``(H, W)`` or ``(H, W, C)`` -- exactly what
``ImageDataGenerator`` hands to its ``preprocessing_function`` (a float32
``(H, W, C)`` array) -- or a batch ``(N, H, W, C)``. A 3-D array is always one
image with channels; give a batch of grey images a channel axis. Any channel
count works. The result has the input's shape and dtype, values stay inside
the value range, and the input array is never written to: a new array is
returned every time.

Randomness comes from ``seed``: ``None``, an int or a ``numpy.random.Generator``.
Pass one Generator to every transform of a pipeline and the whole pipeline
repeats when that Generator is re-created with the same seed.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np

from ._checks import (
    as_generator,
    check_bool,
    check_callable,
    check_fraction,
    check_image_or_batch,
    check_number,
)
from ._value_range import finite_min_max, fits_range, guess_value_range

__all__ = ["salt_and_pepper", "erode", "gaussian_noise", "random_apply", "compose"]

Transform = Callable[[np.ndarray], np.ndarray]


def _check_images(image, name: str = "image") -> np.ndarray:
    """Accept ``(H, W)``, ``(H, W, C)`` or ``(N, H, W, C)`` integer or float, non-empty arrays."""
    arr = check_image_or_batch(image, name)
    if arr.dtype == bool or np.issubdtype(arr.dtype, np.complexfloating):
        raise ValueError(f"`{name}` must hold integer or float values, got dtype {arr.dtype}.")
    return arr


def _resolve_value_range(arr: np.ndarray, value_range) -> tuple[float, float]:
    """The ``(low, high)`` an image's values live in (explicit, or from its dtype/values)."""
    if value_range is not None:
        try:
            low, high = value_range
            low, high = float(low), float(high)
        except (TypeError, ValueError):
            raise ValueError(
                f"`value_range` must be a (low, high) pair of numbers, got {value_range!r}."
            ) from None
        if not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise ValueError(f"`value_range` must be finite with low < high, got {value_range!r}.")
        if np.issubdtype(arr.dtype, np.integer):
            info = np.iinfo(arr.dtype)
            if low < info.min or high > info.max:
                raise ValueError(
                    f"`value_range` {value_range!r} does not fit the image dtype {arr.dtype}."
                )
        return low, high
    if not np.all(np.isfinite(arr)):
        raise ValueError("`image` holds NaN or infinite values.")
    low, high = guess_value_range(arr)
    if not fits_range(arr, low, high):
        lo, hi = finite_min_max(arr)
        raise ValueError(
            f"`image` is float with values in [{lo:g}, {hi:g}], neither [0, 1] nor [0, 255]; "
            "pass `value_range=(low, high)`."
        )
    return low, high


def _cast_like(values: np.ndarray, like: np.ndarray, low: float, high: float) -> np.ndarray:
    """Clip to ``[low, high]`` and return in ``like``'s dtype (rounding for integers)."""
    values = np.clip(values, low, high)
    if np.issubdtype(like.dtype, np.integer):
        values = np.rint(values)
    return values.astype(like.dtype, copy=False)


def _pixel_shape(arr: np.ndarray) -> tuple[int, ...]:
    """Shape of one random draw per pixel (all channels of a pixel share it)."""
    if arr.ndim == 2:
        return arr.shape
    return arr.shape[:-1] + (1,)


def salt_and_pepper(
    image, amount: float = 0.05, salt_vs_pepper: float = 0.5, seed=None, value_range=None
) -> np.ndarray:
    """Replace a random fraction of pixels by the lowest ("pepper") or highest ("salt") value.

    Each pixel is hit independently with probability ``amount``; all channels
    of a hit pixel take the same value, so colour images get black and white
    dots, not coloured ones.

    Parameters
    ----------
    image : array_like
        ``(H, W)``, ``(H, W, C)`` or a batch ``(N, H, W, C)``; integer or float.
    amount : float
        Probability that a pixel is replaced, in [0, 1]. 0 returns an unchanged copy.
    salt_vs_pepper : float
        Fraction of the replaced pixels that become salt (high), in [0, 1].
    seed : None, int or numpy.random.Generator
        Source of randomness.
    value_range : (float, float), optional
        Values of pepper and salt. Default, guessed as for every function of
        the package: for integers [0, 255] if the values fit there (always for
        uint8), else the dtype's range (a 16-bit image with values above 255
        gets [0, 65535]); for floats [0, 1] if the values fit there, else
        [0, 255] (``ImageDataGenerator`` hands its function 0..255 floats);
        NaN or infinite values are refused. Pass it explicitly when an image
        could be ambiguous (an all-dark 0..255 image looks like a 0..1 one).
        So an ``int32`` image holding 0..255 gets salt 255, as a uint8 one
        does, not 2147483647.

    Returns
    -------
    ndarray
        A new array, same shape and dtype as ``image``.

    Examples
    --------
    >>> img = np.full((4, 4, 3), 128, dtype=np.uint8)
    >>> out = salt_and_pepper(img, amount=0.5, seed=0)
    >>> out.dtype, out.shape, sorted(np.unique(out).tolist())
    (dtype('uint8'), (4, 4, 3), [0, 128, 255])
    >>> bool(np.all(img == 128))  # the input is untouched
    True
    """
    arr = _check_images(image)
    amount = check_fraction(amount, "amount")
    salt_vs_pepper = check_fraction(salt_vs_pepper, "salt_vs_pepper")
    low, high = _resolve_value_range(arr, value_range)
    rng = as_generator(seed)
    u = rng.random(_pixel_shape(arr))
    salt = u < amount * salt_vs_pepper
    pepper = (u >= amount * salt_vs_pepper) & (u < amount)
    out = arr.copy()
    np.copyto(out, np.asarray(high).astype(arr.dtype), where=np.broadcast_to(salt, arr.shape))
    np.copyto(out, np.asarray(low).astype(arr.dtype), where=np.broadcast_to(pepper, arr.shape))
    return out


def gaussian_noise(image, sigma: float = 0.05, seed=None, value_range=None) -> np.ndarray:
    """Add zero-mean Gaussian noise, then clip back into the value range.

    Parameters
    ----------
    image : array_like
        ``(H, W)``, ``(H, W, C)`` or a batch ``(N, H, W, C)``; integer or float.
    sigma : float
        Standard deviation *as a fraction of the value range* (0.1 means 25.5
        grey levels for uint8 and 0.1 for a [0, 1] float image), so the same
        call suits both. Must be >= 0; 0 returns an unchanged copy.
    seed : None, int or numpy.random.Generator
        Source of randomness.
    value_range : (float, float), optional
        Range to scale ``sigma`` by and clip to; default as in :func:`salt_and_pepper`.

    Returns
    -------
    ndarray
        A new array, same shape and dtype as ``image``; integers are rounded.

    Examples
    --------
    >>> img = np.full((8, 8), 0.5, dtype=np.float32)
    >>> out = gaussian_noise(img, sigma=0.1, seed=0)
    >>> out.dtype, bool(out.min() >= 0.0 and out.max() <= 1.0), bool(np.any(out != img))
    (dtype('float32'), True, True)
    """
    arr = _check_images(image)
    sigma = check_number(sigma, "sigma", minimum=0)
    low, high = _resolve_value_range(arr, value_range)
    rng = as_generator(seed)
    if sigma == 0:
        return arr.copy()
    work = np.float64 if arr.dtype == np.float64 else np.float32
    noise = rng.standard_normal(arr.shape, dtype=work) * work(sigma * (high - low))
    return _cast_like(arr.astype(work) + noise, arr, low, high)


def _footprint(footprint) -> np.ndarray:
    if isinstance(footprint, numbers.Integral) and not isinstance(footprint, bool):
        k = int(footprint)
        if k < 1 or k % 2 == 0:
            raise ValueError(
                f"`footprint` must be an odd size >= 1 (so that it has a centre pixel), got {k}."
            )
        return np.ones((k, k), dtype=bool)
    try:
        fp = np.asarray(footprint)
    except Exception:
        fp = None
    if (
        fp is None
        or fp.dtype == object
        or not (fp.dtype == bool or np.issubdtype(fp.dtype, np.number))
    ):
        raise ValueError(
            f"`footprint` must be an odd int or a 2-D boolean array, got {footprint!r}."
        )
    if fp.ndim != 2:
        raise ValueError(f"`footprint` must be a 2-D array (height, width), got shape {fp.shape}.")
    if fp.size == 0 or not fp.any():
        raise ValueError(
            f"`footprint` must contain at least one True element, got shape {fp.shape}."
        )
    if fp.shape[0] % 2 == 0 or fp.shape[1] % 2 == 0:
        raise ValueError(
            "`footprint` must have odd sides (so that it has a centre pixel), "
            f"got shape {fp.shape}."
        )
    return fp.astype(bool)


def erode(image, footprint=3) -> np.ndarray:
    """Grey-scale erosion: each pixel becomes the minimum over its neighbourhood.

    Bright shapes on a dark background (MNIST-style digits) get thinner;
    dark ones on a bright background get thicker. Each channel is eroded on
    its own; in a batch each image on its own (one vectorized call).
    Deterministic: wrap it in :func:`random_apply` to apply it at random.

    Parameters
    ----------
    image : array_like
        ``(H, W)``, ``(H, W, C)`` or a batch ``(N, H, W, C)``; integer or float.
        NaN is refused (a minimum over NaN has no value, and
        ``scipy.ndimage.grey_erosion`` would silently drop it); ``inf`` and
        ``-inf`` are ordinary values here (``-inf`` spreads like any minimum).
    footprint : int or array_like of bool
        An odd size ``k`` for a ``k x k`` square, or a 2-D boolean array with
        odd sides (e.g. ``skimage.morphology.disk(1)``). 1 returns a copy.

    Returns
    -------
    ndarray
        A new array, same shape and dtype as ``image``; borders repeat the edge pixel.

    Examples
    --------
    >>> img = np.zeros((5, 5), dtype=np.uint8); img[1:4, 1:4] = 255
    >>> erode(img, 3)[2].tolist()
    [0, 0, 255, 0, 0]
    >>> int(img.sum() // 255)  # the input keeps its 3x3 square
    9
    """
    from scipy import ndimage

    arr = _check_images(image)
    fp = _footprint(footprint)
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise ValueError(
            f"`image` holds {int(np.isnan(arr).sum())} NaN value(s); erosion takes a minimum, "
            "which NaN does not have. Replace them first, e.g. np.nan_to_num(image)."
        )
    if fp.shape == (1, 1):
        return arr.copy()
    # (k, k) for (H, W); (k, k, 1) for (H, W, C); (1, k, k, 1) for (N, H, W, C)
    shape = {2: fp.shape, 3: fp.shape + (1,), 4: (1,) + fp.shape + (1,)}[arr.ndim]
    return ndimage.grey_erosion(arr, footprint=fp.reshape(shape), mode="nearest")


class _RandomApply:
    """The callable :func:`random_apply` returns (a class so that its repr is readable)."""

    def __init__(self, fn, p, rng, batch):
        self.fn, self.p, self.rng, self.batch = fn, p, rng, batch

    def __call__(self, image):
        arr = np.asarray(image)
        if self.batch:
            if arr.ndim < 1 or len(arr) == 0:
                raise ValueError(
                    f"`image` must be a non-empty batch (n, ...), got shape {arr.shape}."
                )
            chosen = self.rng.random(len(arr)) < self.p
            out = arr.copy()
            if chosen.any():
                picked = arr[chosen]
                changed = np.asarray(self.fn(picked))
                if changed.shape != picked.shape:
                    raise ValueError(
                        f"`fn` returned shape {changed.shape} for a batch of shape "
                        f"{picked.shape}; with batch=True it must keep the shape."
                    )
                out[chosen] = changed
            return out
        if self.rng.random() < self.p:
            return self.fn(arr)
        return arr.copy()

    def __repr__(self):
        return f"random_apply({self.fn!r}, p={self.p}{', batch=True' if self.batch else ''})"


def random_apply(fn: Transform, p: float = 0.5, seed=None, batch: bool = False) -> Transform:
    """Wrap ``fn`` so that each call applies it with probability ``p``.

    Parameters
    ----------
    fn : callable
        A function of one image returning an image of the same shape, e.g.
        ``functools.partial(erode, footprint=3)``.
    p : float
        Probability of applying ``fn``, in [0, 1]. 0 never applies it (the
        result is a copy of the input), 1 always does.
    seed : None, int or numpy.random.Generator
        Source of the coin flips. Share one Generator with ``fn`` to make the
        whole pipeline repeatable from one seed.
    batch : bool
        False (default): the argument is one image, one coin flip per call --
        what ``preprocessing_function`` needs. True: the argument is a batch
        ``(N, ...)``, one coin flip per image, and ``fn`` is called once on
        the chosen images together (so ``fn`` must accept a batch).

    Returns
    -------
    callable
        ``f(image) -> image``, usable as ``ImageDataGenerator(preprocessing_function=f)``
        or inside ``tf.numpy_function``. It never writes into its argument.

    Examples
    --------
    >>> from functools import partial
    >>> rng = np.random.default_rng(0)
    >>> maybe_noise = random_apply(partial(gaussian_noise, sigma=0.2, seed=rng), p=0.5, seed=rng)
    >>> img = np.full((4, 4, 1), 100, dtype=np.uint8)
    >>> changed = [bool(np.any(maybe_noise(img) != img)) for _ in range(200)]
    >>> 60 < sum(changed) < 140
    True
    """
    check_callable(fn, "fn")
    p = check_fraction(p, "p")
    return _RandomApply(fn, p, as_generator(seed), check_bool(batch, "batch"))


class _Compose:
    def __init__(self, fns):
        self.fns = fns

    def __call__(self, image):
        out = np.array(image, copy=True)
        for fn in self.fns:
            out = fn(out)
        return out

    def __repr__(self):
        return "compose(" + ", ".join(repr(f) for f in self.fns) + ")"


def compose(*fns: Transform) -> Transform:
    """Chain transforms: ``compose(f, g)(x)`` is ``g(f(x))``.

    Parameters
    ----------
    *fns : callable
        Functions of one image (or one batch) returning the same shape.
        With none, the result returns a copy of its argument.

    Returns
    -------
    callable
        ``f(image) -> image`` that never writes into its argument; plug it
        into ``ImageDataGenerator(preprocessing_function=...)``.

    Examples
    --------
    >>> from functools import partial
    >>> rng = np.random.default_rng(0)
    >>> noise = partial(salt_and_pepper, amount=0.1, seed=rng)
    >>> pipeline = compose(partial(erode, footprint=3), random_apply(noise, p=0.5, seed=rng))
    >>> x = np.zeros((28, 28, 1), dtype=np.float32)
    >>> y = pipeline(x)
    >>> y.shape, y.dtype
    ((28, 28, 1), dtype('float32'))
    """
    if len(fns) == 1 and isinstance(fns[0], (list, tuple)):
        fns = tuple(fns[0])
    for i, fn in enumerate(fns):
        check_callable(fn, f"fns[{i}]")
    return _Compose(tuple(fns))


# --- label-mixing batch augmentations: MixUp and CutMix (NumPy only) ---------------------

__all__ += ["mixup", "cutmix"]


def _check_mix_batch(images, labels, alpha, num_classes):
    """Check the arguments shared by :func:`mixup` and :func:`cutmix`; return soft labels."""
    arr = _check_images(images, "images")
    if arr.ndim != 4:
        raise ValueError(
            "`images` must be a batch of shape (n, height, width, channels), "
            f"got shape {arr.shape}."
        )
    if (
        isinstance(alpha, bool)
        or not isinstance(alpha, numbers.Real)
        or not np.isfinite(alpha)
        or alpha <= 0
    ):
        raise ValueError(f"`alpha` must be a finite number > 0, got {alpha!r}.")
    if num_classes is not None and (
        isinstance(num_classes, bool)
        or not isinstance(num_classes, numbers.Integral)
        or num_classes < 1
    ):
        raise ValueError(f"`num_classes` must be None or an integer >= 1, got {num_classes!r}.")
    lab = np.asarray(labels)
    if lab.ndim == 0 or len(lab) != len(arr):
        raise ValueError(
            f"`labels` must have one entry per image ({len(arr)}), got shape {lab.shape}."
        )
    if lab.ndim == 1:
        if not np.issubdtype(lab.dtype, np.integer):
            raise ValueError(
                f"`labels` of shape {lab.shape} must be integer class indices, got dtype "
                f"{lab.dtype}; pass one-hot labels of shape (n, classes) instead."
            )
        if num_classes is None:
            raise ValueError(
                "`num_classes` is required with integer `labels` (the width of the soft "
                "labels); pass e.g. num_classes=int(labels.max()) + 1."
            )
        if lab.min() < 0 or lab.max() >= num_classes:
            raise ValueError(
                f"`labels` must lie in [0, {num_classes}) for num_classes={num_classes}, "
                f"got values {lab.min()} to {lab.max()}."
            )
        return arr, np.eye(num_classes, dtype=np.float32)[lab]
    if lab.ndim != 2 or not np.issubdtype(lab.dtype, np.number):
        raise ValueError(
            f"`labels` must be integer indices (n,) or one-hot rows (n, classes), "
            f"got shape {lab.shape} and dtype {lab.dtype}."
        )
    if num_classes is not None and lab.shape[1] != num_classes:
        raise ValueError(f"`labels` has {lab.shape[1]} columns but `num_classes` is {num_classes}.")
    return arr, lab.astype(np.float32)


def mixup(images, labels, alpha: float = 0.2, seed=None, num_classes=None, return_params=False):
    """MixUp: blend each image with a random partner from the batch, labels alike.

    For image ``i`` a weight ``lam[i] ~ Beta(alpha, alpha)`` and a partner
    ``j = partner[i]`` (a random permutation of the batch) are drawn; the
    result is ``lam[i] * x[i] + (1 - lam[i]) * x[j]``, and the label is the
    same blend of the two one-hot labels (Zhang et al., 2018).

    Parameters
    ----------
    images : array_like
        Batch ``(N, H, W, C)`` of any numeric dtype.
    labels : array_like
        Integer class indices ``(N,)`` (then ``num_classes`` is required) or
        one-hot / soft labels ``(N, K)``.
    alpha : float
        Beta distribution parameter, > 0. Small values (0.1 to 0.4) keep most
        images close to one source; 1 draws the weight uniformly.
    seed : None, int or numpy.random.Generator
        Source of randomness; same seed, same bytes.
    num_classes : int, optional
        Number of classes; required with integer labels.
    return_params : bool
        Also return ``{"lam": (N,), "partner": (N,)}``, the draws used.

    Returns
    -------
    mixed_images : ndarray
        ``float32`` ``(N, H, W, C)`` in the input's value range.
    mixed_labels : ndarray
        ``float32`` ``(N, K)``; each row sums to 1 when the input rows do.

    Examples
    --------
    >>> x = np.stack([np.zeros((2, 2, 1)), np.full((2, 2, 1), 10.0)]).astype(np.uint8)
    >>> mixed, soft = mixup(x, np.array([0, 1]), alpha=1.0, seed=0, num_classes=2)
    >>> mixed.dtype.name, soft.shape, np.allclose(soft.sum(axis=1), 1)
    ('float32', (2, 2), True)
    >>> bool(np.allclose(mixed[:, 0, 0, 0], 10 * soft[:, 1]))
    True
    """
    arr, soft = _check_mix_batch(images, labels, alpha, num_classes)
    rng = as_generator(seed)
    n = len(arr)
    lam = rng.beta(alpha, alpha, size=n)
    partner = rng.permutation(n)
    lam_img = lam.astype(np.float32)[:, None, None, None]
    x = arr.astype(np.float32)
    mixed = lam_img * x + (1.0 - lam_img) * x[partner]
    lam_lab = lam.astype(np.float32)[:, None]
    mixed_labels = lam_lab * soft + (1.0 - lam_lab) * soft[partner]
    if return_params:
        return mixed, mixed_labels, {"lam": lam, "partner": partner}
    return mixed, mixed_labels


def cutmix(images, labels, alpha: float = 1.0, seed=None, num_classes=None, return_params=False):
    """CutMix: paste a random rectangle of a partner image; labels weighted by its area.

    For image ``i`` a weight ``lam ~ Beta(alpha, alpha)`` and a partner
    ``j = partner[i]`` (a random permutation of the batch) are drawn; a box of
    about ``(1 - lam)`` of the image area, centred uniformly and clipped at the
    borders, is copied from ``x[j]`` into ``x[i]``. The label weight of the
    partner is the pasted area *after* clipping (Yun et al., 2019).

    Parameters
    ----------
    images : array_like
        Batch ``(N, H, W, C)`` of any numeric dtype.
    labels : array_like
        Integer class indices ``(N,)`` (then ``num_classes`` is required) or
        one-hot / soft labels ``(N, K)``.
    alpha : float
        Beta distribution parameter, > 0; 1 draws the box area uniformly.
    seed : None, int or numpy.random.Generator
        Source of randomness; same seed, same bytes.
    num_classes : int, optional
        Number of classes; required with integer labels.
    return_params : bool
        Also return ``{"box": (N, 4) top, bottom, left, right; "partner": (N,)}``.

    Returns
    -------
    mixed_images : ndarray
        ``(N, H, W, C)`` with the input's dtype: every pixel is copied from
        one of the two sources, none is blended.
    mixed_labels : ndarray
        ``float32`` ``(N, K)``; each row sums to 1 when the input rows do.

    Examples
    --------
    >>> x = np.stack([np.zeros((8, 8, 3)), np.full((8, 8, 3), 255)]).astype(np.uint8)
    >>> mixed, soft = cutmix(x, np.array([0, 1]), seed=1, num_classes=2)
    >>> mixed.dtype.name, set(np.unique(mixed).tolist()) <= {0, 255}
    ('uint8', True)
    >>> bool(np.allclose(soft[:, 1], (mixed[..., 0] == 255).mean(axis=(1, 2))))
    True
    """
    arr, soft = _check_mix_batch(images, labels, alpha, num_classes)
    rng = as_generator(seed)
    n, h, w = arr.shape[:3]
    lam = rng.beta(alpha, alpha, size=n)
    partner = rng.permutation(n)
    cut = np.sqrt(1.0 - lam)
    cut_h, cut_w = np.round(cut * h).astype(int), np.round(cut * w).astype(int)
    cy, cx = rng.integers(0, h, size=n), rng.integers(0, w, size=n)
    top, bottom = np.clip(cy - cut_h // 2, 0, h), np.clip(cy + cut_h - cut_h // 2, 0, h)
    left, right = np.clip(cx - cut_w // 2, 0, w), np.clip(cx + cut_w - cut_w // 2, 0, w)
    rows, cols = np.arange(h), np.arange(w)
    inside = ((rows >= top[:, None]) & (rows < bottom[:, None]))[:, :, None] & (
        (cols >= left[:, None]) & (cols < right[:, None])
    )[:, None, :]  # (N, H, W): True where the partner's pixel is pasted
    mixed = np.where(inside[..., None], arr[partner], arr)
    area = (inside.sum(axis=(1, 2)) / (h * w)).astype(np.float32)[:, None]
    mixed_labels = (1.0 - area) * soft + area * soft[partner]
    if return_params:
        box = np.stack([top, bottom, left, right], axis=1)
        return mixed, mixed_labels, {"box": box, "partner": partner}
    return mixed, mixed_labels
