"""The covariance of flattened images, streamed per shard and merged: what a ZCA fit needs.

ZCA whitening (``ImageDataGenerator(zca_whitening=True)``, :class:`tutorial_lib.ZCA`)
depends on the data only through three numbers per training set: the image
count ``n``, the mean image, and the scatter matrix ``S = sum (x - mean)(x -
mean)^T`` of the images flattened to vectors of ``d = H * W * C`` values.
:class:`CovarianceStats` holds them (float64); shards of the data are summarized
separately -- on different workers or machines -- and merged exactly with
Chan et al.'s parallel formula, the matrix form of :meth:`FeaturewiseStats.merge
<tutorial_lib.FeaturewiseStats.merge>`. :meth:`tutorial_lib.ZCA.from_stats`
fits the whitening from the merged statistics, and :meth:`CovarianceStats.featurewise`
gives the per-channel statistics of ``featurewise_center`` /
``featurewise_std_normalization``, so one pass serves both.

The scatter matrix is ``d x d``: ``d**2 * 8`` bytes (4.5 MiB at 16x16x3, 288
MiB at 64x64x3). For larger images use the low-rank streamed
``tl.ZCA(n_components=k)``.

:func:`covariance_moments` computes one batch's statistics with TensorFlow
operations, so that tf.data service workers can compute them next to the data
(``dataset.batch(b).map(covariance_moments)``); :func:`covariance_stats_on_service`
does that through a service and merges the results on the client.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ._checks import check_batch, check_batch_size, check_positive_int
from ._float_batches import check_rescale, float_batch, image_list_as_array
from .batches import iter_image_batches
from .stats import FeaturewiseStats

__all__ = [
    "CovarianceStats",
    "covariance_moments",
    "covariance_stats",
    "covariance_stats_on_service",
]


@dataclass(frozen=True, eq=False)
class CovarianceStats:
    """Count, mean image and scatter matrix of a set of images (float64).

    Attributes
    ----------
    count : int
        Number of images.
    mean : ndarray
        ``(H, W, C)`` mean image.
    scatter : ndarray
        ``(d, d)`` sum of outer products of the centred flattened images,
        ``d = H * W * C``; the covariance is ``scatter / count``.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(30, 2, 2, 3))
    >>> a, b = covariance_stats(x[:10]), covariance_stats(x[10:])
    >>> merged = a.merge(b)
    >>> flat = x.reshape(30, -1)
    >>> merged.count, bool(np.allclose(merged.covariance, np.cov(flat, rowvar=False, bias=True)))
    (30, True)
    """

    count: int
    mean: np.ndarray
    scatter: np.ndarray

    def __post_init__(self):
        count = check_positive_int(self.count, "count")
        mean = np.asarray(self.mean, dtype=np.float64)
        scatter = np.asarray(self.scatter, dtype=np.float64)
        if mean.ndim != 3 or mean.size == 0:
            raise ValueError(
                f"`mean` must be one (height, width, channels) image, got shape {mean.shape}."
            )
        if scatter.shape != (mean.size, mean.size):
            raise ValueError(
                f"`scatter` must be ({mean.size}, {mean.size}) for a mean of shape {mean.shape}, "
                f"got {scatter.shape}."
            )
        for name, value in (("mean", mean), ("scatter", scatter)):
            if not np.isfinite(value).all():
                raise ValueError(f"`{name}` contains NaN or infinite values.")
        object.__setattr__(self, "count", count)
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "scatter", scatter)

    @property
    def image_shape(self) -> tuple:
        """``(H, W, C)``."""
        return self.mean.shape

    @property
    def covariance(self) -> np.ndarray:
        """``scatter / count``, the (biased) covariance of the flattened images."""
        return self.scatter / self.count

    def merge(self, other: CovarianceStats) -> CovarianceStats:
        """Statistics of the union of two disjoint shards (Chan et al., matrix form).

        ``scatter = S_a + S_b + outer(delta, delta) * n_a * n_b / n`` with
        ``delta`` the difference of the two mean images; exact up to float64
        rounding, in any order and grouping of shards.

        Parameters
        ----------
        other : CovarianceStats
            Statistics of images of the same shape (and the same ``rescale``).

        Returns
        -------
        CovarianceStats
            A new object; neither operand changes.
        """
        if not isinstance(other, CovarianceStats):
            raise ValueError(f"`other` must be a CovarianceStats, got {type(other).__name__}.")
        if other.image_shape != self.image_shape:
            raise ValueError(
                f"`other` has image shape {other.image_shape}, these statistics "
                f"{self.image_shape}; only statistics of same-shaped images can be merged."
            )
        total = self.count + other.count
        delta = (other.mean - self.mean).reshape(-1)
        mean = self.mean + (other.mean - self.mean) * (other.count / total)
        correction = np.outer(delta, delta * (self.count * other.count / total))
        return CovarianceStats(total, mean, self.scatter + other.scatter + correction)

    def featurewise(self) -> FeaturewiseStats:
        """The per-channel mean and standard deviation over every pixel of every image.

        The numbers :func:`tutorial_lib.featurewise_stats` computes from the
        images themselves, here from the mean image and the scatter
        matrix's diagonal.

        Examples
        --------
        >>> from tutorial_lib import featurewise_stats
        >>> x = np.random.default_rng(0).random((8, 3, 3, 2))
        >>> s, f = covariance_stats(x).featurewise(), featurewise_stats(x)
        >>> bool(np.allclose(s.mean, f.mean) and np.allclose(s.std, f.std)), s.count
        (True, 72)
        """
        channels = self.image_shape[-1]
        pixel_mean = self.mean.reshape(-1, channels)
        pixel_m2 = np.diag(self.scatter).reshape(-1, channels)
        mean = pixel_mean.mean(axis=0)
        m2 = (pixel_m2 + self.count * (pixel_mean - mean) ** 2).sum(axis=0)
        count = self.count * len(pixel_mean)
        return FeaturewiseStats(mean=mean, std=np.sqrt(m2 / count), count=count)


def covariance_stats(data, rescale: float | None = None, batch_size: int = 256) -> CovarianceStats:
    """Count, mean image and scatter matrix of images, streamed over batches (float64).

    Parameters
    ----------
    data : ndarray or iterable of batches
        ``(N, H, W, C)`` / ``(N, H, W)`` array, a Keras iterator, or any
        iterable of arrays or ``(x, y)`` tuples (read once).
    rescale : float, optional
        Multiply values by this first (``ImageDataGenerator(rescale=...)``).
    batch_size : int
        Batch size used when ``data`` is an array.

    Returns
    -------
    CovarianceStats

    Examples
    --------
    >>> x = np.arange(24.0).reshape(4, 2, 3, 1)
    >>> s = covariance_stats(x, batch_size=3)
    >>> s.count, s.mean.shape, s.scatter.shape, float(s.scatter[0, 0])
    (4, (2, 3, 1), (6, 6), 180.0)
    """
    rescale = check_rescale(rescale)
    batch_size = check_batch_size(batch_size)
    array = image_list_as_array(data, "data")
    if array is not None:
        data = check_batch(array, "data")
    result, image_shape = None, None
    for batch in iter_image_batches(data, batch_size=batch_size):
        batch = float_batch(batch, "data", np.float64, rescale, image_shape)
        if len(batch):
            image_shape = batch.shape[1:]
            part = _batch_stats(batch)
            result = part if result is None else result.merge(part)
    if result is None:
        raise ValueError("`data` is empty: it yielded no images.")
    return result


def _batch_stats(batch: np.ndarray) -> CovarianceStats:
    mean = batch.mean(axis=0)
    centred = (batch - mean).reshape(len(batch), -1)
    return CovarianceStats(len(batch), mean, centred.T @ centred)


def covariance_moments(images):
    """One batch's ``{"count", "mean", "scatter"}`` as TensorFlow float64 tensors.

    A pure TensorFlow function (graph operations only), so a ``tf.data``
    ``map`` can run it on tf.data service workers:
    ``dataset.batch(64).map(covariance_moments)``. Turn each result into
    :class:`CovarianceStats` with ``CovarianceStats(**numpy_values)`` and merge.

    Parameters
    ----------
    images : tf.Tensor
        ``(n, H, W, C)`` batch, any real dtype, ``n >= 1``.

    Examples
    --------
    >>> import tensorflow as tf
    >>> x = np.random.default_rng(0).random((5, 2, 2, 1))
    >>> m = {k: v.numpy() for k, v in covariance_moments(tf.constant(x)).items()}
    >>> bool(np.allclose(CovarianceStats(**m).scatter, covariance_stats(x).scatter))
    True
    """
    import tensorflow as tf

    x = tf.cast(images, tf.float64)
    mean = tf.reduce_mean(x, axis=0)
    centred = tf.reshape(x - mean, [tf.shape(x)[0], -1])
    scatter = tf.matmul(centred, centred, transpose_a=True)
    return {"count": tf.shape(x, out_type=tf.int64)[0], "mean": mean, "scatter": scatter}


def covariance_stats_on_service(dataset, service: str, batch_size: int = 64) -> CovarianceStats:
    """Covariance statistics computed by tf.data service workers, merged on the client.

    The workers batch their share of ``dataset`` (``processing_mode=
    "distributed_epoch"``: every image goes to exactly one worker) and run
    :func:`covariance_moments` on each batch; only the small per-batch
    statistics travel to the client, which merges them with
    :meth:`CovarianceStats.merge`.

    Parameters
    ----------
    dataset : tf.data.Dataset
        Of single images ``(H, W, C)`` (any real dtype), from a splittable
        source such as ``Dataset.from_tensor_slices`` or ``Dataset.range``.
    service : str
        The dispatcher's address, e.g. ``LocalDataService.address``.
    batch_size : int
        Images per partial result.

    Returns
    -------
    CovarianceStats
        Equal to :func:`covariance_stats` of all the images (up to float64 rounding).

    Examples
    --------
    A dispatcher and a worker in this process (:func:`tutorial_lib.local_data_service`
    starts them in processes of their own):

    >>> import tensorflow as tf
    >>> service = tf.data.experimental.service
    >>> dispatcher = service.DispatchServer()
    >>> address = dispatcher.target.split("://")[1]
    >>> worker = service.WorkerServer(service.WorkerConfig(dispatcher_address=address))
    >>> x = np.random.default_rng(0).random((40, 3, 3, 2))
    >>> stats = covariance_stats_on_service(
    ...     tf.data.Dataset.from_tensor_slices(x), dispatcher.target, batch_size=16)
    >>> stats.count, bool(np.allclose(stats.scatter, covariance_stats(x).scatter))
    (40, True)
    """
    import tensorflow as tf

    batch_size = check_batch_size(batch_size)
    if not isinstance(dataset, tf.data.Dataset):
        raise ValueError(f"`dataset` must be a tf.data.Dataset, got {type(dataset).__name__}.")
    partials = dataset.batch(batch_size).map(covariance_moments)
    distribute = tf.data.experimental.service.distribute
    partials = partials.apply(distribute(processing_mode="distributed_epoch", service=service))
    parts = [CovarianceStats(**{k: v.numpy() for k, v in p.items()}) for p in partials]
    if not parts:
        raise ValueError("`dataset` is empty: it yielded no images.")
    return functools.reduce(CovarianceStats.merge, parts)
