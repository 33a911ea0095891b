"""The two ZCA fits as plain functions: principal directions of centred images.

Both return ``(mean, components, singular_values)``:

- ``mean``: ``(C,)`` for ``centering="channel"`` (one mean per channel, as
  ``ImageDataGenerator``), ``(H, W, C)`` for ``"pixel"`` (the mean image);
- ``components``: ``(d, k)`` float32, orthonormal columns, ``d = H * W * C``;
- ``singular_values``: ``(k,)`` float64, decreasing, of the centred ``n x d``
  data; directions whose singular value is below ``RANK_RTOL`` times the
  largest are numerically zero and are dropped.

:func:`fit_exact` decomposes the data in memory (every direction, which is
``ImageDataGenerator``'s result); :func:`fit_covariance` gives the same from the
count, mean image and scatter matrix (statistics merged over shards);
:func:`fit_streaming` finds the top ``k`` by a randomized range finder that
reads the batches ``n_iter + 1`` times.
:class:`tutorial_lib.ZCA` is the public face: it reads and rescales the data,
calls one of these and whitens with the result. They live in a private
module because readers meet ZCA as an estimator (``fit``/``transform``); the
functions are tested on their own in ``tests/lib/test_zca.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from ._checks import check_positive_int

__all__ = [
    "CENTERINGS",
    "RANK_RTOL",
    "VARIANCE_RTOL",
    "check_variance",
    "fit_covariance",
    "fit_exact",
    "fit_streaming",
    "image_mean",
]

CENTERINGS = ("channel", "pixel")
#: Directions whose singular value is below this fraction of the largest one
#: are numerically zero (the data do not span them) and are dropped.
RANK_RTOL = 1e-6
#: Data whose largest singular value is below this fraction of ``peak * sqrt(n * d)`` (``peak``
#: the largest absolute value) have no variance beyond float32 rounding: refused.
VARIANCE_RTOL = 1e-6
#: Size in float64 values (16 MiB) of the centred column blocks of the exact fit.
_BLOCK_VALUES = 2 << 20


def image_mean(pixel_sum: np.ndarray, n: int, centering: str) -> np.ndarray:
    """The mean to subtract, from the ``(H, W, C)`` sum of ``n`` images.

    Examples
    --------
    >>> s = np.arange(12.0).reshape(2, 2, 3)
    >>> image_mean(s, 2, "channel").tolist(), image_mean(s, 2, "pixel").shape
    ([2.25, 2.75, 3.25], (2, 2, 3))
    """
    pixel_mean = pixel_sum / n
    if centering == "pixel":
        return pixel_mean
    return pixel_mean.mean(axis=(0, 1))


def check_variance(s: np.ndarray, peak: float, n: int, d: int) -> None:
    """Refuse data with no variance (``s`` its singular values, decreasing).

    Examples
    --------
    >>> check_variance(np.array([2.0, 0.5]), peak=1.0, n=3, d=4)  # fine: returns None
    >>> try:
    ...     check_variance(np.array([0.0]), peak=1.0, n=3, d=4)
    ... except ValueError as exc:
    ...     print(str(exc)[:26])
    `x` has no variance: every
    """
    if s.size == 0 or not s[0] > VARIANCE_RTOL * peak * np.sqrt(n * d):
        largest = float(s[0]) if s.size else 0.0
        raise ValueError(
            f"`x` has no variance: every image is the same after centring ({n} images, "
            f"largest singular value {largest:.3g}), so there is nothing to whiten."
        )


def _top_directions(s: np.ndarray, directions: np.ndarray):
    keep = s > s[0] * RANK_RTOL
    return s[keep], directions[:, keep]


def fit_exact(x: np.ndarray, centering: str = "channel"):
    """Every principal direction of ``(n, H, W, C)`` float images, in memory.

    For ``n < d`` the small ``n x n`` Gram matrix is decomposed in float64,
    built from centred column blocks of about 16 MiB (the centred data are
    never copied whole); otherwise the centred ``n x d`` data are decomposed
    by SVD. ``x`` is read, never modified.

    Parameters
    ----------
    x : ndarray
        ``(n, H, W, C)`` floating-point images, ``n >= 2``.
    centering : {"channel", "pixel"}
        Subtract one mean per channel (computed like ``ImageDataGenerator``,
        in ``x``'s dtype) or the mean image (float64).

    Returns
    -------
    mean, components, singular_values : ndarray
        See the module docstring.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(20, 2, 2, 1))
    >>> mean, u, s = fit_exact(x, centering="pixel")
    >>> flat = (x - x.mean(axis=0)).reshape(20, -1)
    >>> bool(np.allclose(s, np.linalg.svd(flat, compute_uv=False)))
    True
    >>> bool(np.allclose(u.T @ u, np.eye(4), atol=1e-6))
    True
    """
    if not isinstance(x, np.ndarray) or x.ndim != 4 or not np.issubdtype(x.dtype, np.floating):
        raise ValueError(
            f"`x` must be a float array of shape (n, height, width, channels), got {x!r:.80}."
        )
    n, image_shape = len(x), x.shape[1:]
    if n < 2:
        raise ValueError(f"`x` must hold at least 2 images to whiten, got {n}.")
    if centering == "pixel":
        mean = x.mean(axis=0, dtype=np.float64)
    else:
        # ImageDataGenerator: np.mean over (0, 1, 2) of the float32 array.
        mean = x.mean(axis=(0, 1, 2)).astype(np.float64)
    if not np.isfinite(mean).all():
        raise ValueError("`x` contains NaN or infinite values.")
    flat = x.reshape(n, -1)
    d = flat.shape[1]
    peak = max(float(flat.max()), -float(flat.min()))
    column_mean = np.broadcast_to(mean, image_shape).reshape(-1)
    if n >= d:
        _, s, vt = np.linalg.svd(flat - column_mean, full_matrices=False)
        check_variance(s, peak, n, d)
        s, comps = _top_directions(s, vt.T)
        return mean, comps.astype(np.float32), s
    width = max(1, _BLOCK_VALUES // n)

    def blocks():
        for start in range(0, d, width):
            yield start, flat[:, start : start + width] - column_mean[start : start + width]

    gram = np.zeros((n, n))
    for _, block in blocks():
        gram += block @ block.T
    lam, v = np.linalg.eigh(gram)
    del gram
    s = np.sqrt(np.clip(lam[::-1], 0.0, None))
    check_variance(s, peak, n, d)
    s, v = _top_directions(s, v[:, ::-1])
    vs = v / s
    del v
    comps = np.empty((d, s.size), dtype=np.float32)
    for start, block in blocks():
        comps[start : start + width] = block.T @ vs
    return mean, comps, s


def fit_covariance(count: int, pixel_mean: np.ndarray, scatter: np.ndarray, centering: str):
    """Every principal direction, from ``count`` images' mean image and scatter matrix.

    The eigenvectors of the scatter matrix about the chosen centre are the
    principal directions, its eigenvalues the squared singular values of the
    centred data: :func:`fit_exact`'s result without the images. For
    ``centering="channel"`` the scatter about the per-pixel mean is moved to
    the per-channel mean: ``S + n * outer(m - c, m - c)``.

    Parameters
    ----------
    count : int
        Number of images, ``>= 2``.
    pixel_mean : ndarray
        ``(H, W, C)`` float64 mean image.
    scatter : ndarray
        ``(d, d)`` sum of outer products of the images minus ``pixel_mean``, flattened.
    centering : {"channel", "pixel"}
        As in :func:`fit_exact`.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(20, 2, 2, 1))
    >>> flat = (x - x.mean(axis=0)).reshape(20, -1)
    >>> _, u, s = fit_covariance(20, x.mean(axis=0), flat.T @ flat, "pixel")
    >>> _, u_exact, s_exact = fit_exact(x, centering="pixel")
    >>> same_directions = np.allclose(np.abs(u.T @ u_exact), np.eye(4), atol=1e-5)
    >>> bool(np.allclose(s, s_exact)), bool(same_directions)
    (True, True)
    """
    if count < 2:
        raise ValueError(f"`count` must be at least 2 images to whiten, got {count}.")
    mean = image_mean(pixel_mean * count, count, centering)
    if centering == "channel":
        delta = (pixel_mean - mean).reshape(-1)
        scatter = scatter + count * np.outer(delta, delta)
    lam, v = np.linalg.eigh(scatter)
    s = np.sqrt(np.clip(lam[::-1], 0.0, None))
    if not s[0] > 0:
        raise ValueError(
            f"`scatter` is zero: the {count} images are all the same after centring, so there "
            "is nothing to whiten."
        )
    s, comps = _top_directions(s, v[:, ::-1])
    return mean, comps.astype(np.float32), s


def fit_streaming(
    x: Callable[[int], Iterable[np.ndarray]],
    n_components: int,
    centering: str = "channel",
    n_iter: int = 2,
    oversample: int = 10,
    seed=0,
):
    """The top ``n_components`` principal directions, reading the batches ``n_iter + 1`` times.

    A randomized range finder with power iterations on ``Xc^T Xc`` (``Xc`` the
    centred data) and a final Rayleigh-Ritz step. The first pass counts the
    images, sums them and multiplies by a random start at once, on data
    shifted by the first batch's mean (numerically stable); the exact centring
    is corrected for afterwards. Memory is ``O(d * (n_components +
    oversample))`` plus one batch.

    Parameters
    ----------
    x : callable
        ``x(i)`` returns the batches for pass ``i`` (``0 .. n_iter``): every
        pass the same ``(n_b, H, W, C)`` float32 batches, in any order.
    n_components : int
        ``k``, at most ``min(n, d)``.
    centering : {"channel", "pixel"}
        As in :func:`fit_exact` (here the mean is computed in float64).
    n_iter : int
        Power iterations (passes after the first), at least 1.
    oversample : int
        Extra random directions kept while iterating (accuracy).
    seed : int, Generator or None
        Random start.

    Returns
    -------
    mean, components, singular_values : ndarray
        See the module docstring; at most ``n_components`` directions.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(40, 3, 3, 1)).astype(np.float32)
    >>> _, u, s = fit_streaming(lambda i: np.array_split(x, 3), n_components=9)
    >>> _, u_exact, s_exact = fit_exact(x)
    >>> bool(np.allclose(s, s_exact, rtol=1e-5)), u.shape
    (True, (9, 9))
    """
    k = check_positive_int(n_components, "n_components")
    n_iter = check_positive_int(n_iter, "n_iter")
    rng = np.random.default_rng(seed)
    n, pixel_sum, shift, z, omega, shape, peak = 0, None, None, None, None, None, 0.0
    for batch in x(0):
        if len(batch) == 0:
            continue
        if shape is None:
            shape = batch.shape[1:]
            d = int(np.prod(shape))
            shift = image_mean(batch.sum(axis=0, dtype=np.float64), len(batch), centering)
            shift = np.broadcast_to(shift, shape).reshape(-1)
            shift32 = shift.astype(np.float32)
            omega = rng.standard_normal((d, min(k + oversample, d)))
            z = np.zeros(omega.shape)
            pixel_sum = np.zeros(d)
            omega32 = omega.astype(np.float32)
        n += len(batch)
        xb = batch.reshape(len(batch), -1)
        peak = max(peak, float(xb.max()), -float(xb.min()))
        pixel_sum += xb.sum(axis=0, dtype=np.float64)
        xb = xb - shift32  # a new array: the caller's batch is never modified
        z += xb.T @ (xb @ omega32)
    if n == 0:
        raise ValueError("`x` is empty: it yielded no images.")
    if n < 2:
        raise ValueError(f"`x` must hold at least 2 images to whiten, got {n}.")
    if k > min(n, d):
        raise ValueError(
            f"`n_components` ({k}) must be at most min(n images, d = H*W*C) = {min(n, d)}."
        )
    mean = image_mean(pixel_sum.reshape(shape), n, centering)
    m = np.broadcast_to(mean, shape).reshape(-1)
    delta = m - shift  # exact centre minus the shift used above
    mu = pixel_sum / n - shift  # per-pixel mean of the shifted data
    z += n * (
        -np.outer(mu, delta @ omega) - np.outer(delta, mu @ omega) + np.outer(delta, delta @ omega)
    )
    q, _ = np.linalg.qr(z)
    m32 = m.astype(np.float32)
    for i in range(1, n_iter + 1):  # power iterations on Xc^T Xc, one pass each
        w = np.zeros_like(q)
        q32 = q.astype(np.float32)
        for batch in x(i):
            if len(batch):
                xb = batch.reshape(len(batch), -1) - m32
                w += xb.T @ (xb @ q32)
        if i < n_iter:
            q, _ = np.linalg.qr(w)
    # Rayleigh-Ritz: eigenpairs of q^T (Xc^T Xc) q.
    b = q.T @ w
    lam, v = np.linalg.eigh((b + b.T) / 2)
    s = np.sqrt(np.clip(lam[::-1][:k], 0.0, None))
    check_variance(s, peak, n, d)
    s, v = _top_directions(s, v[:, ::-1][:, :k])
    return mean, (q @ v).astype(np.float32), s
