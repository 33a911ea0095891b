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
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Iterator

import numpy as np

from .batches import count_batches, iter_image_batches

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
_CENTERINGS = ("channel", "pixel")
#: Directions whose singular value is below this fraction of the largest one
#: are numerically zero (the data do not span them) and are dropped.
_RANK_RTOL = 1e-6


def _progress(iterable, total, desc, enabled):
    if not enabled:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, unit="batch")


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
        if (
            isinstance(epsilon, bool)
            or not isinstance(epsilon, numbers.Real)
            or not np.isfinite(epsilon)
            or epsilon < 0
        ):
            raise ValueError(f"`epsilon` must be a finite number >= 0, got {epsilon!r}.")
        if n_components is not None and (
            isinstance(n_components, bool)
            or not isinstance(n_components, numbers.Integral)
            or n_components < 1
        ):
            raise ValueError(
                f"`n_components` must be None or an integer >= 1, got {n_components!r}."
            )
        if centering not in _CENTERINGS:
            raise ValueError(f"`centering` must be one of {_CENTERINGS}, got {centering!r}.")
        if rescale is not None and (
            isinstance(rescale, bool)
            or not isinstance(rescale, numbers.Real)
            or not np.isfinite(rescale)
            or rescale == 0
        ):
            raise ValueError(
                f"`rescale` must be a finite non-zero number or None, got {rescale!r}."
            )
        for name, value, low in (
            ("n_iter", n_iter, 1),
            ("oversample", oversample, 0),
            ("batch_size", batch_size, 1),
        ):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
                raise ValueError(f"`{name}` must be an integer >= {low}, got {value!r}.")
        self.epsilon = float(epsilon)
        self.n_components = None if n_components is None else int(n_components)
        self.centering = centering
        self.rescale = None if rescale is None else float(rescale)
        self.n_iter = int(n_iter)
        self.oversample = int(oversample)
        self.batch_size = int(batch_size)
        self.seed = seed
        self.progress = bool(progress)
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

    def _prepare(self, batch, name: str, image_shape=None) -> np.ndarray:
        """Batch -> float32 (n, H, W, C), rescaled, checked for shape and NaN."""
        batch = np.asarray(batch)
        if batch.dtype == object or not (
            np.issubdtype(batch.dtype, np.number) or batch.dtype == bool
        ):
            raise ValueError(f"`{name}` must hold numeric images, got dtype {batch.dtype}.")
        if batch.ndim == 3:
            batch = batch[..., None]
        if batch.ndim != 4:
            raise ValueError(
                f"`{name}` must have shape (n, height, width[, channels]), got shape {batch.shape}."
            )
        if image_shape is not None and batch.shape[1:] != tuple(image_shape):
            raise ValueError(
                f"`{name}` has images of shape {batch.shape[1:]}, but the ZCA "
                f"{'was fitted on' if self.components_ is not None else 'saw'} images of shape {tuple(image_shape)}."
            )
        out = batch.astype(np.float32)  # always a copy
        if self.rescale is not None:
            out *= np.float32(self.rescale)
        if not np.all(np.isfinite(out)):
            raise ValueError(f"`{name}` contains NaN or infinite values.")
        return out

    def _center(self, batch: np.ndarray, mean) -> np.ndarray:
        batch -= np.asarray(mean, dtype=np.float32)
        return batch.reshape(len(batch), -1)

    @staticmethod
    def _passes(data):
        """A zero-argument function returning a fresh batch source, or raise."""
        if callable(data) and not hasattr(data, "__getitem__"):
            return data
        indexable = hasattr(data, "__len__") and hasattr(data, "__getitem__")
        if isinstance(data, Iterator) and not indexable:
            raise ValueError(
                "`x` is a one-shot iterator (e.g. a generator), but the streaming fit reads the data "
                "several times: pass a list of batches, a Keras iterator (DirectoryIterator, PyDataset) "
                "or a function that returns a fresh iterator."
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
        """
        if isinstance(x, np.ndarray) or (isinstance(x, (list, tuple)) and x and np.ndim(x[0]) == 2):
            arr = np.asarray(x)
            if arr.ndim not in (3, 4):
                raise ValueError(
                    f"`x` must have shape (n, height, width[, channels]), got shape {arr.shape}."
                )
            if arr.shape[0] < 2:
                raise ValueError(
                    f"`x` must hold at least 2 images to whiten, got shape {arr.shape}."
                )
            if arr.size == 0:
                raise ValueError(f"`x` is empty (shape {arr.shape}).")
            x = arr
        if self.n_components is None:
            return self._fit_exact(x)
        return self._fit_streaming(self._passes(x))

    def fit_transform(self, x) -> np.ndarray:
        """``fit(x)`` then ``transform(x)`` (``x`` must be an array)."""
        return self.fit(x).transform(x)

    def _mean_of(self, pixel_sum: np.ndarray, n: int) -> np.ndarray:
        pixel_mean = pixel_sum / n
        if self.centering == "pixel":
            return pixel_mean
        return pixel_mean.mean(axis=(0, 1))

    def _fit_exact(self, x) -> ZCA:
        if isinstance(x, np.ndarray):
            if x.dtype == np.float32 and self.rescale is None and x.ndim == 4:
                data = x  # already what _prepare would make: read it in place, no copy
            else:
                data = self._prepare(x, "x")
        else:
            source = x() if callable(x) and not hasattr(x, "__getitem__") else x
            parts, shape = [], None
            for batch in _progress(
                iter_image_batches(source, self.batch_size),
                count_batches(source, self.batch_size),
                "ZCA read",
                self.progress,
            ):
                batch = self._prepare(batch, "x", shape)
                shape = batch.shape[1:]
                if len(batch):
                    parts.append(batch)
            if not parts:
                raise ValueError("`x` is empty: it yielded no images.")
            data = np.concatenate(parts) if len(parts) > 1 else parts[0]
            del parts
        n = len(data)
        if n < 2:
            raise ValueError(f"`x` must hold at least 2 images to whiten, got {n}.")
        image_shape = data.shape[1:]
        if self.centering == "pixel":
            mean = data.mean(axis=0, dtype=np.float64)
        else:
            # ImageDataGenerator: np.mean over (0, 1, 2) of the float32 array.
            mean = data.mean(axis=(0, 1, 2)).astype(np.float64)
        if not np.isfinite(mean).all():
            raise ValueError("`x` contains NaN or infinite values.")
        flat = data.reshape(n, -1)
        d = flat.shape[1]
        column_mean = np.broadcast_to(mean, image_shape).reshape(-1)
        # Centred float64 column blocks of about 16 MiB: the centred data are never copied whole.
        width = max(1, (2 << 20) // n)
        blocks = lambda: (
            (a, flat[:, a : a + width] - column_mean[a : a + width]) for a in range(0, d, width)
        )
        if n < d:
            # Eigen-decomposition of the small n x n Gram matrix, in float64.
            gram = np.zeros((n, n))
            for _, block in blocks():
                gram += block @ block.T
            lam, v = np.linalg.eigh(gram)
            del gram
            lam, v = lam[::-1], v[:, ::-1]
            s = np.sqrt(np.clip(lam, 0.0, None))
            keep = s > s[0] * _RANK_RTOL
            s, vs = s[keep], v[:, keep] / s[keep]
            del v
            comps = np.empty((d, s.size), dtype=np.float32)
            for start, block in blocks():
                comps[start : start + width] = block.T @ vs
        else:
            _, s, vt = np.linalg.svd(flat - column_mean, full_matrices=False)
            keep = s > s[0] * _RANK_RTOL
            s = s[keep]
            comps = vt[keep].T.astype(np.float32)
        self._set(mean, comps, s, n, image_shape)
        return self

    def _fit_streaming(self, make_source) -> ZCA:
        k = self.n_components
        rng = np.random.default_rng(self.seed)
        passes = self.n_iter + 1

        def batches(i):
            source = make_source()
            it = iter_image_batches(source, self.batch_size)
            return _progress(
                it,
                count_batches(source, self.batch_size),
                f"ZCA pass {i + 1}/{passes}",
                self.progress,
            )

        # Pass 1: count, per-pixel sums and Xc^T Xc @ omega, all at once. The
        # products use data shifted by the first batch's mean (numerically
        # stable); the exact centring is corrected for afterwards.
        n, pixel_sum, shift, z, omega, shape = 0, None, None, None, None, None
        for batch in batches(0):
            batch = self._prepare(batch, "x", shape)
            if len(batch) == 0:
                continue
            if shape is None:
                shape = batch.shape[1:]
                d = int(np.prod(shape))
                shift = self._mean_of(batch.sum(axis=0, dtype=np.float64), len(batch))
                shift = np.broadcast_to(shift, shape).reshape(-1)
                l = min(k + self.oversample, d)
                omega = rng.standard_normal((d, l))
                z = np.zeros((d, l))
                pixel_sum = np.zeros(d)
                omega32 = omega.astype(np.float32)
            n += len(batch)
            pixel_sum += batch.reshape(len(batch), -1).sum(axis=0, dtype=np.float64)
            xb = self._center(batch, shift.reshape(shape))
            z += xb.T @ (xb @ omega32)
        if n == 0:
            raise ValueError("`x` is empty: it yielded no images.")
        if n < 2:
            raise ValueError(f"`x` must hold at least 2 images to whiten, got {n}.")
        if k > min(n, d):
            raise ValueError(
                f"`n_components` ({k}) must be at most min(n images, d = H*W*C) = {min(n, d)}."
            )
        mean = self._mean_of(pixel_sum.reshape(shape), n)
        m = np.broadcast_to(mean, shape).reshape(-1)
        delta = m - shift  # exact centre minus the shift used above
        mu = pixel_sum / n - shift  # per-pixel mean of the shifted data
        z += n * (
            -np.outer(mu, delta @ omega)
            - np.outer(delta, mu @ omega)
            + np.outer(delta, delta @ omega)
        )
        q, _ = np.linalg.qr(z)
        # Passes 2..: power iterations on Xc^T Xc, one pass each.
        for i in range(1, passes):
            w = np.zeros_like(q)
            q32 = q.astype(np.float32)
            for batch in batches(i):
                batch = self._prepare(batch, "x", shape)
                if len(batch) == 0:
                    continue
                xb = self._center(batch, mean)
                w += xb.T @ (xb @ q32)
            if i < passes - 1:
                q, _ = np.linalg.qr(w)
        # Rayleigh-Ritz: eigenpairs of q^T (Xc^T Xc) q.
        b = q.T @ w
        lam, v = np.linalg.eigh((b + b.T) / 2)
        lam, v = lam[::-1][:k], v[:, ::-1][:, :k]
        s = np.sqrt(np.clip(lam, 0.0, None))
        keep = s > s[0] * _RANK_RTOL
        comps = (q @ v[:, keep]).astype(np.float32)
        self._set(mean, comps, s[keep], n, shape)
        return self

    def _set(self, mean, comps, s, n, image_shape):
        self.mean_ = np.asarray(mean, dtype=np.float64)
        self.components_ = np.ascontiguousarray(comps, dtype=np.float32)
        self.singular_values_ = np.asarray(s, dtype=np.float64)
        self.n_samples_ = int(n)
        self.image_shape_ = tuple(int(v) for v in image_shape)

    # --------------------------------------------------------------- transform
    def transform(self, x) -> np.ndarray:
        """Whiten images: ``((x - mean) @ U) * scale @ U.T``, as float32.

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
            raise ValueError(
                f"`x` has shape {arr.shape}; expected (n, {', '.join(map(str, self.image_shape_))}) as fitted."
            )
        if arr.ndim not in (3, 4):
            raise ValueError(
                f"`x` must have shape (n, height, width[, channels]), got shape {arr.shape}."
            )
        out = np.empty(arr.shape, dtype=np.float32)
        flat_out = out.reshape(len(arr), -1)
        u = self.components_
        scale = self.scale_.astype(np.float32)
        mean = self.mean_.reshape(self.mean_.shape if self.centering == "pixel" else (1, 1, -1))
        for start in range(0, len(arr), self.batch_size):
            batch = self._prepare(arr[start : start + self.batch_size], "x", self.image_shape_)
            flat = self._center(batch, mean)
            flat_out[start : start + len(flat)] = ((flat @ u) * scale) @ u.T
        return out

    # ------------------------------------------------------------- save / load
    def save(self, path) -> str:
        """Save the fitted whitening to ``.npz`` (plain arrays, no pickle).

        Returns the path written (``.npz`` appended if missing). Refuses to
        overwrite an existing file that is not a ZCA file.
        """
        self._check_fitted()
        path = os.fspath(path)
        if not path.endswith(".npz"):
            path += ".npz"
        if os.path.exists(path):
            try:
                ZCA.load(path)
            except ValueError:
                raise ValueError(
                    f"`path` {path!r} exists and is not a ZCA file; refusing to overwrite it."
                ) from None
        np.savez(
            path,
            centering=np.array(self.centering),
            components=self.components_,
            epsilon=np.float64(self.epsilon),
            image_shape=np.array(self.image_shape_, dtype=np.int64),
            mean=self.mean_,
            n_samples=np.int64(self.n_samples_),
            rescale=np.float64(np.nan if self.rescale is None else self.rescale),
            singular_values=self.singular_values_,
        )
        return path

    @classmethod
    def load(cls, path) -> ZCA:
        """Load a whitening written by :meth:`save`, with ``allow_pickle=False``.

        Raises ValueError naming ``path`` if the file is missing, unreadable,
        or has missing or unexpected keys or inconsistent shapes.

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
        if not os.path.isfile(path):
            raise ValueError(f"`path` {path!r} is not a file.")
        try:
            with np.load(path, allow_pickle=False) as data:
                keys = set(data.files)
                if keys != set(_KEYS):
                    raise ValueError(
                        f"`path` {path!r} is not a ZCA file: missing keys {sorted(set(_KEYS) - keys)}, "
                        f"unexpected keys {sorted(keys - set(_KEYS))}; expected exactly {list(_KEYS)}."
                    )
                a = {k: data[k] for k in _KEYS}
        except Exception as exc:  # not a zip, truncated, pickled content...
            if isinstance(exc, ValueError) and str(exc).startswith("`path`"):
                raise
            raise ValueError(
                f"`path` {path!r} could not be read as a ZCA .npz file: {exc}"
            ) from exc
        try:
            centering = str(a["centering"])
            image_shape = tuple(int(v) for v in a["image_shape"])
            comps, s, mean = a["components"], a["singular_values"], a["mean"]
            rescale = float(a["rescale"])
            zca = cls(
                epsilon=float(a["epsilon"]),
                n_components=None,
                centering=centering,
                rescale=None if np.isnan(rescale) else rescale,
            )
            d = int(np.prod(image_shape))
            expected_mean = image_shape if centering == "pixel" else image_shape[-1:]
            if (
                len(image_shape) != 3
                or comps.ndim != 2
                or comps.shape[0] != d
                or s.shape != (comps.shape[1],)
            ):
                raise ValueError(
                    f"components {comps.shape}, singular values {s.shape}, image shape {image_shape}"
                )
            if mean.shape != tuple(expected_mean) or a["n_samples"].shape != ():
                raise ValueError(
                    f"mean {mean.shape} for image shape {image_shape} and centering {centering!r}"
                )
        except ValueError as exc:
            raise ValueError(f"`path` {path!r} holds inconsistent ZCA arrays: {exc}") from None
        zca.n_components = (
            int(comps.shape[1]) if comps.shape[1] < min(int(a["n_samples"]), d) else None
        )
        zca._set(mean, comps, s, int(a["n_samples"]), image_shape)
        return zca
