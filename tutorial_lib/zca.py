"""ZCA whitening that never builds the d x d matrix.

``ImageDataGenerator(zca_whitening=True).fit(x)`` flattens every image to a
vector of ``d = height * width * channels`` numbers, centres it with the
per-channel mean, takes ``u, s, _ = svd(x_flat.T, full_matrices=False)`` and
stores the ``d x d`` matrix ``W = (u * sqrt(n) / (s + epsilon)) @ u.T``.
At 224x224x3 that matrix alone is ``150528**2 * 4`` bytes = 84 GiB in float32
(with NumPy 2 it is even float64, 169 GiB, because ``sqrt(n)`` promotes it).

:class:`ZCA` keeps only the principal directions ``u`` (``d x k``) and their
scales, and whitens through them: ``((x - mean) @ u) * scale @ u.T``. With
``n_components=None`` this is ImageDataGenerator's result (``k = min(n, d)``;
when ``n < d`` the part of an image outside the span of the ``n`` training
images is set to zero, by ImageDataGenerator as by us). With
``n_components=k`` the top ``k`` directions are found by a randomized range
finder with power iterations that reads the data batch by batch a bounded
number of times (``n_iter + 1`` passes), so the images never have to be in
memory at once: memory is ``O(d * k)`` plus one batch.

The two fits themselves are plain functions over arrays in the private module
``tutorial_lib._zca_fit``; this module reads and rescales the data, calls
them, whitens, and saves and loads the result (through ``tutorial_lib._npz``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np

from ._checks import (
    check_batch,
    check_batch_size,
    check_bool,
    check_choice,
    check_nonnegative_int,
    check_number,
    check_positive_int,
    check_seed,
)
from ._float_batches import check_rescale, float_batch, image_list_as_array
from ._npz import load_arrays, save_arrays
from ._progress import progress_bar
from ._zca_fit import CENTERINGS, fit_covariance, fit_exact, fit_streaming
from .batches import count_batches, iter_image_batches
from .covariance import CovarianceStats

__all__ = ["ZCA"]

_KEYS = (
    "centering",
    "components",
    "epsilon",
    "image_shape",
    "mean",
    "n_samples",
    "rescale",
    "singular_values",
)


def _real_scalar(a: dict, key: str, integer: bool = False):
    value = a[key]
    kinds = (np.integer,) if integer else (np.integer, np.floating)
    if value.shape != () or not any(np.issubdtype(value.dtype, k) for k in kinds):
        expects = "an integer" if integer else "a real number"
        raise ValueError(
            f"`{key}` must be {expects} (a scalar), got dtype {value.dtype}, shape {value.shape}."
        )
    return value[()]


def _check_saved(a: dict) -> dict:
    """Check the arrays of a saved ZCA; return its scalar fields. Messages name the key."""
    centering = a["centering"]
    if centering.dtype.kind != "U" or centering.shape != () or str(centering) not in CENTERINGS:
        raise ValueError(f"`centering` must be one of {CENTERINGS}, got {centering!r}.")
    n = int(check_positive_int(_real_scalar(a, "n_samples", integer=True), "n_samples"))
    if n < 2:
        raise ValueError(f"`n_samples` must be at least 2, got {n}.")
    image_shape = a["image_shape"]
    if (
        image_shape.shape != (3,)
        or not np.issubdtype(image_shape.dtype, np.integer)
        or np.any(image_shape < 1)
    ):
        raise ValueError(f"`image_shape` must be 3 integers >= 1, got {image_shape!r}.")
    image_shape = tuple(int(v) for v in image_shape)
    k = a["components"].shape[-1] if a["components"].ndim == 2 else None
    expected = {
        "components": (int(np.prod(image_shape)), None),
        "singular_values": (k,),
        "mean": image_shape if str(centering) == "pixel" else image_shape[-1:],
    }
    for key, shape in expected.items():
        value = a[key]
        if not np.issubdtype(value.dtype, np.floating):
            raise ValueError(f"`{key}` must hold real floats, got dtype {value.dtype}.")
        if value.ndim != len(shape) or any(e not in (None, g) for e, g in zip(shape, value.shape)):
            raise ValueError(
                f"`{key}` has shape {value.shape}, expected {shape} (None: any) for image "
                f"shape {image_shape} and centering {str(centering)!r}."
            )
        if not np.isfinite(value).all():
            raise ValueError(f"`{key}` contains NaN or infinite values.")
    if np.any(a["singular_values"] <= 0):
        raise ValueError("`singular_values` must all be > 0.")
    rescale = float(_real_scalar(a, "rescale"))
    return {
        "centering": str(centering),
        "epsilon": float(_real_scalar(a, "epsilon")),
        "image_shape": image_shape,
        "n_samples": n,
        "rescale": None if np.isnan(rescale) else rescale,
    }


class _BatchReader:
    """The training batches, as checked float32 arrays, one pass at a time.

    ``reader(desc)`` reads a fresh source from ``make_source()`` and yields its
    non-empty batches; it remembers the image shape (every batch of every pass
    must have it) and, after a full pass, the number of images.
    """

    def __init__(self, make_source, batch_size: int, rescale: float | None, progress: bool):
        self.make_source = make_source
        self.batch_size = batch_size
        self.rescale = rescale
        self.progress = progress
        self.image_shape = None
        self.n_images = 0

    def __call__(self, desc: str) -> Iterator[np.ndarray]:
        source = self.make_source()
        batches = progress_bar(
            iter_image_batches(source, self.batch_size, name="x"),
            count_batches(source, self.batch_size, name="x"),
            desc,
            self.progress,
        )
        n = 0
        for batch in batches:
            batch = float_batch(batch, "x", np.float32, self.rescale, self.image_shape)
            if len(batch):
                self.image_shape = batch.shape[1:]
                n += len(batch)
                yield batch
        self.n_images = n


class ZCA:
    """ZCA whitening, low-rank, fitted on an array or streamed from batches.

    Parameters
    ----------
    epsilon : float
        Added to each singular value before inverting, like
        ``ImageDataGenerator(zca_epsilon=...)`` (default ``1e-6`` there and
        here). Larger values whiten less: directions whose singular value is
        small compared with ``epsilon`` are damped instead of amplified.
    n_components : int or None
        ``None`` (exact): keep every direction the training data span, which
        reproduces ``ImageDataGenerator``'s ZCA; it needs the ``n x d`` data in
        memory (as one float32 copy). An int ``k``: keep the ``k`` directions
        of largest variance, found by streaming over the batches; the rest of
        each image (the finest, least common detail) is set to zero.
    centering : {"channel", "pixel"}
        ``"channel"`` subtracts one mean per channel, exactly what
        ``ImageDataGenerator`` does (``zca_whitening`` switches on
        ``featurewise_center``). ``"pixel"`` subtracts the mean *image* (one
        mean per pixel and channel), the textbook definition of ZCA: then
        the average image is mapped to zero and the whitening does not spend
        a direction on the mean image's deviation from a flat grey, which
        per-channel centring leaves in the data (it shows up as a faint
        average-image ghost in every whitened output).
    rescale : float, optional
        Multiply the images by this first (``ImageDataGenerator(rescale=...)``),
        both in :meth:`fit` and in :meth:`transform`.
    n_iter : int
        Power iterations of the streaming fit (``n_components`` given), at
        least 1. Each one is a pass over the data; the fit reads the data
        ``n_iter + 1`` times. More iterations give more accurate components.
    oversample : int
        Extra random directions kept during the streaming fit (accuracy).
    batch_size : int
        Batch size used to cut an array (fit and transform).
    seed : int or None
        Seed of the random start of the streaming fit.
    progress : bool
        Show a progress bar per pass over the data.

    Attributes
    ----------
    mean_ : ndarray
        ``(C,)`` for ``centering="channel"``, ``(H, W, C)`` for ``"pixel"``.
    components_ : ndarray
        ``(d, k)`` float32, orthonormal principal directions (columns).
    singular_values_ : ndarray
        ``(k,)`` float64 singular values of the centred ``n x d`` data.
    scale_ : ndarray
        ``sqrt(n) / (singular_values_ + epsilon)``, the whitening factors.
    n_samples_ : int
        Number of training images.
    image_shape_ : tuple
        ``(H, W, C)`` of the training images.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(50, 4, 4, 3)).astype(np.float32)
    >>> zca = ZCA(epsilon=1e-6, centering="pixel").fit(x)
    >>> white = zca.transform(x)
    >>> white.shape, white.dtype.name
    ((50, 4, 4, 3), 'float32')
    >>> cov = np.cov(white.reshape(50, -1), rowvar=False, bias=True)
    >>> bool(np.allclose(cov, np.eye(48), atol=1e-3))  # n > d: covariance becomes the identity
    True
    """

    def __init__(
        self,
        epsilon: float = 1e-6,
        n_components: int | None = None,
        centering: str = "channel",
        rescale: float | None = None,
        n_iter: int = 2,
        oversample: int = 10,
        batch_size: int = 256,
        seed: int | None = 0,
        progress: bool = False,
    ):
        epsilon = check_number(epsilon, "epsilon", minimum=0)
        if n_components is not None:
            n_components = check_positive_int(n_components, "n_components")
        check_choice(centering, "centering", CENTERINGS)
        rescale = check_rescale(rescale)
        n_iter = check_positive_int(n_iter, "n_iter")
        oversample = check_nonnegative_int(oversample, "oversample")
        batch_size = check_batch_size(batch_size)
        if seed is not None:
            seed = check_seed(seed)
        progress = check_bool(progress, "progress")
        self.epsilon = float(epsilon)
        self.n_components = None if n_components is None else int(n_components)
        self.centering = centering
        self.rescale = rescale
        self.n_iter = int(n_iter)
        self.oversample = int(oversample)
        self.batch_size = int(batch_size)
        self.seed = seed
        self.progress = progress
        self.mean_ = None
        self.components_ = None
        self.singular_values_ = None
        self.n_samples_ = None
        self.image_shape_ = None

    # ------------------------------------------------------------------ helpers
    def __repr__(self) -> str:
        fitted = (
            ""
            if self.components_ is None
            else f", fitted on {self.n_samples_} images of {self.image_shape_}"
        )
        return (
            f"ZCA(epsilon={self.epsilon:g}, n_components={self.n_components}, "
            f"centering={self.centering!r}{fitted})"
        )

    @property
    def scale_(self) -> np.ndarray:
        self._check_fitted()
        return np.sqrt(self.n_samples_) / (self.singular_values_ + self.epsilon)

    def _check_fitted(self):
        if self.components_ is None:
            raise ValueError(
                "This ZCA is not fitted yet: call `fit(x)` (or `ZCA.load(path)`) first."
            )

    @staticmethod
    def _passes(data):
        """A zero-argument function returning a fresh batch source, or raise."""
        if callable(data) and not hasattr(data, "__getitem__"):
            return data
        indexable = hasattr(data, "__len__") and hasattr(data, "__getitem__")
        if isinstance(data, Iterator) and not indexable:
            raise ValueError(
                "`x` is a one-shot iterator (e.g. a generator), but the streaming fit reads the "
                "data several times: pass a list of batches, a Keras iterator (DirectoryIterator, "
                "PyDataset) or a function that returns a fresh iterator."
            )
        return lambda: data

    # --------------------------------------------------------------------- fit
    def fit(self, x) -> ZCA:
        """Fit the whitening on training images.

        Parameters
        ----------
        x : ndarray, iterable of batches, or callable
            ``(N, H, W[, C])`` array; or something :func:`iter_image_batches`
            reads (a ``DirectoryIterator`` / ``PyDataset`` is read once per
            pass, ``len()`` batches; a list of arrays or ``(x, y)`` tuples);
            or a function returning a fresh iterable of batches (needed for
            a generator when ``n_components`` is set, since the streaming fit
            makes ``n_iter + 1`` passes).

        Returns
        -------
        ZCA
            ``self``, fitted.

        Raises
        ------
        ValueError
            Naming ``x``: fewer than 2 images (one image has no covariance to
            whiten; :func:`featurewise_stats` does accept a single image), no
            variance at all (every image identical, or constant, after
            centring: nothing to whiten, every output would be zero), NaN or
            infinite values, complex or non-numeric data.
        """
        array = image_list_as_array(x, "x")
        if array is not None:
            x = check_batch(array, "x")
            if x.shape[0] < 2:
                raise ValueError(f"`x` must hold at least 2 images to whiten, got shape {x.shape}.")
        if self.n_components is None:
            data = self._read_all(x)
            mean, comps, s = fit_exact(data, self.centering)
            n, image_shape = len(data), data.shape[1:]
        else:
            reader = _BatchReader(self._passes(x), self.batch_size, self.rescale, self.progress)
            passes = self.n_iter + 1
            mean, comps, s = fit_streaming(
                lambda i: reader(f"ZCA pass {i + 1}/{passes}"),
                self.n_components,
                centering=self.centering,
                n_iter=self.n_iter,
                oversample=self.oversample,
                seed=self.seed,
            )
            n, image_shape = reader.n_images, reader.image_shape
        self._set(mean, comps, s, n, image_shape)
        return self

    @classmethod
    def from_stats(
        cls, stats: CovarianceStats, epsilon: float = 1e-6, centering: str = "channel"
    ) -> ZCA:
        """The exact whitening from covariance statistics, e.g. merged over shards.

        Gives what ``ZCA(epsilon=epsilon, centering=centering).fit(x)`` gives
        for the images ``x`` the statistics summarize, up to rounding (and
        the sign of each direction, which whitening does not depend on),
        without the images.

        Parameters
        ----------
        stats : CovarianceStats
            From :func:`tutorial_lib.covariance_stats`, merged shards, or
            :func:`tutorial_lib.covariance_stats_on_service`; at least 2 images.
        epsilon, centering
            As in :class:`ZCA`. Images passed to :meth:`transform` must be on
            the scale the statistics were computed on (``rescale`` is not applied).

        Examples
        --------
        >>> from tutorial_lib import covariance_stats
        >>> x = np.random.default_rng(0).normal(size=(40, 3, 3, 2)).astype(np.float32)
        >>> stats = covariance_stats(x[:15]).merge(covariance_stats(x[15:]))
        >>> white = ZCA.from_stats(stats, epsilon=0.1).transform(x)
        >>> bool(np.allclose(white, ZCA(epsilon=0.1).fit(x).transform(x), atol=1e-4))
        True
        """
        if not isinstance(stats, CovarianceStats):
            raise ValueError(f"`stats` must be a CovarianceStats, got {type(stats).__name__}.")
        zca = cls(epsilon=epsilon, centering=centering)
        mean, comps, s = fit_covariance(stats.count, stats.mean, stats.scatter, centering)
        zca._set(mean, comps, s, stats.count, stats.image_shape)
        return zca

    def fit_transform(self, x) -> np.ndarray:
        """``fit(x)`` then ``transform(x)`` (``x`` must be an array)."""
        return self.fit(x).transform(x)

    def _read_all(self, x) -> np.ndarray:
        """The training images as one float32 (n, H, W, C) array, for the exact fit."""
        if isinstance(x, np.ndarray):
            if x.dtype == np.float32 and self.rescale is None and x.ndim == 4:
                return x  # already what float_batch would make: read it in place, no copy
            return float_batch(x, "x", np.float32, self.rescale)
        make_source = x if callable(x) and not hasattr(x, "__getitem__") else lambda: x
        reader = _BatchReader(make_source, self.batch_size, self.rescale, self.progress)
        parts = list(reader("ZCA read"))
        if not parts:
            raise ValueError("`x` is empty: it yielded no images.")
        return np.concatenate(parts) if len(parts) > 1 else parts[0]

    def _set(self, mean, comps, s, n, image_shape):
        self.mean_ = np.asarray(mean, dtype=np.float64)
        self.components_ = np.ascontiguousarray(comps, dtype=np.float32)
        self.singular_values_ = np.asarray(s, dtype=np.float64)
        self.n_samples_ = int(n)
        self.image_shape_ = tuple(int(v) for v in image_shape)

    # --------------------------------------------------------------- transform
    def transform(self, x) -> np.ndarray:
        """Whiten images: ``((x - mean) @ U) * scale @ U.T``, as float32.

        Computed as two whole-batch float32 matrix products: the images are
        converted, checked and centred batch by batch straight into the
        output array (centring there costs no extra pass and, unlike
        folding the mean into a bias after the product, loses no precision
        when the mean is large against the spread), which the second
        product then overwrites; the only other buffer is the ``(N, k)``
        product. So it runs at the speed of the machine's matrix product
        (``benchmarks/bench_zca_transform.py``).

        Parameters
        ----------
        x : array_like
            ``(N, H, W, C)`` (or ``(N, H, W)`` for one channel) with the
            training images' height, width and channels, on the scale the
            ZCA was fitted on (``rescale`` is applied again here).

        Returns
        -------
        ndarray
            Whitened images, float32, same shape as ``x`` (a new array).
        """
        self._check_fitted()
        arr = np.asarray(x)
        if arr.ndim == 3 and self.image_shape_[-1] != 1:
            expected = ", ".join(map(str, self.image_shape_))
            raise ValueError(f"`x` has shape {arr.shape}; expected (n, {expected}) as fitted.")
        if arr.ndim not in (3, 4):
            raise ValueError(
                f"`x` must have shape (n, height, width[, channels]), got shape {arr.shape}."
            )
        out = np.empty(arr.shape, dtype=np.float32)
        flat_out = out.reshape(len(arr), -1)
        fitted_on = "the images the ZCA was fitted on"
        mean = np.broadcast_to(self.mean_, self.image_shape_).reshape(-1).astype(np.float32)
        for start in range(0, len(arr), self.batch_size):
            batch = arr[start : start + self.batch_size]
            batch = float_batch(batch, "x", np.float32, self.rescale, self.image_shape_, fitted_on)
            np.subtract(
                batch.reshape(len(batch), -1), mean, out=flat_out[start : start + len(batch)]
            )
        u = self.components_
        projected = flat_out @ u
        projected *= self.scale_.astype(np.float32)
        np.matmul(projected, u.T, out=flat_out)
        return out

    # ------------------------------------------------------------- save / load
    def save(self, path) -> str:
        """Save the fitted whitening to a new ``.npz`` file (plain arrays, no pickle).

        Returns the path written (``.npz`` appended if missing). The write is
        atomic; an existing file is never overwritten (:class:`FileExistsError`).
        """
        self._check_fitted()
        arrays = {
            "centering": np.array(self.centering),
            "components": self.components_,
            "epsilon": np.float64(self.epsilon),
            "image_shape": np.array(self.image_shape_, dtype=np.int64),
            "mean": self.mean_,
            "n_samples": np.int64(self.n_samples_),
            "rescale": np.float64(np.nan if self.rescale is None else self.rescale),
            "singular_values": self.singular_values_,
        }
        return save_arrays(path, arrays)

    @classmethod
    def load(cls, path) -> ZCA:
        """Load a whitening written by :meth:`save`, with ``allow_pickle=False``.

        Raises ValueError naming ``path`` and the key if the file is missing,
        unreadable, has missing or unexpected keys, or invalid arrays: NaN or
        infinite values, fewer than 2 samples, a count that is not an integer,
        complex or string arrays, shapes that disagree between keys.

        Examples
        --------
        >>> import tempfile, os
        >>> x = np.random.default_rng(1).normal(size=(10, 3, 3, 1))
        >>> zca = ZCA().fit(x)
        >>> p = zca.save(os.path.join(tempfile.mkdtemp(), "zca"))
        >>> bool(np.allclose(ZCA.load(p).transform(x), zca.transform(x)))
        True
        """
        path = os.fspath(path)
        a = load_arrays(path, _KEYS, "ZCA")
        try:
            fields = _check_saved(a)
            zca = cls(
                epsilon=fields["epsilon"],
                n_components=None,
                centering=fields["centering"],
                rescale=fields["rescale"],
            )
        except ValueError as exc:  # every message names the key in backticks
            raise ValueError(
                f"`path` {path!r} holds invalid or inconsistent ZCA arrays: {exc}"
            ) from None
        comps, s, mean = a["components"], a["singular_values"], a["mean"]
        n, image_shape = fields["n_samples"], fields["image_shape"]
        d = comps.shape[0]
        zca.n_components = int(comps.shape[1]) if comps.shape[1] < min(n, d) else None
        zca._set(mean, comps, s, n, image_shape)
        return zca
