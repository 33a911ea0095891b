"""Featurewise statistics, as ``ImageDataGenerator.fit`` computes them, streamed.

``ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)``
subtracts one mean per channel and divides by one standard deviation per
channel, both computed by ``fit`` over every pixel of every training image.
:func:`featurewise_stats` computes the same numbers batch by batch (so the data
never has to be in memory at once), with Chan et al.'s numerically stable
merge of partial results in float64. The result can be saved to ``.npz``,
loaded back with ``allow_pickle=False`` and put into a fresh generator, so the
test set is standardized with the *training* statistics.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from ._checks import check_batch, check_bool, check_positive_int
from ._float_batches import check_rescale, float_batch, image_list_as_array
from ._npz import load_arrays, save_arrays
from ._progress import progress_bar
from .batches import count_batches, iter_image_batches

__all__ = ["FeaturewiseStats", "featurewise_stats", "load_stats"]

#: ``ImageDataGenerator`` divides by ``std + 1e-6``; so do we.
STD_EPSILON = 1e-6
_KEYS = ("mean", "std", "count")


def _real_array(value, name: str) -> np.ndarray:
    """``value`` as a float64 array, refusing complex, string, object and bool arrays."""
    array = np.asarray(value)
    if array.dtype == bool or not (
        np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
    ):
        raise ValueError(f"`{name}` must hold real numbers, got dtype {array.dtype}.")
    return array.astype(np.float64)


@dataclass(frozen=True, eq=False)
class FeaturewiseStats:
    """Per-channel mean and standard deviation of a training set.

    Attributes
    ----------
    mean, std : ndarray
        float64 arrays of shape ``(channels,)``.
    count : int
        Number of values each channel's statistics were computed from.

    Examples
    --------
    >>> s = FeaturewiseStats(mean=np.array([1.0]), std=np.array([2.0]), count=4)
    >>> s.standardize(np.full((1, 2, 2, 1), 5.0)).ravel().round(3).tolist()
    [2.0, 2.0, 2.0, 2.0]
    """

    mean: np.ndarray
    std: np.ndarray
    count: int

    def __post_init__(self):
        mean = _real_array(self.mean, "mean")
        std = _real_array(self.std, "std")
        if mean.ndim != 1 or mean.size == 0:
            raise ValueError(
                "`mean` must be a non-empty 1-D array (one value per channel), "
                f"got shape {mean.shape}."
            )
        if std.shape != mean.shape:
            raise ValueError(f"`std` shape {std.shape} does not match `mean` shape {mean.shape}.")
        for name, value in (("mean", mean), ("std", std)):
            if not np.all(np.isfinite(value)):
                raise ValueError(f"`{name}` must be finite, got {value}.")
        if np.any(std < 0):
            raise ValueError(f"`std` must be non-negative, got {std}.")
        count = check_positive_int(self.count, "count")
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "std", std)
        object.__setattr__(self, "count", count)

    @property
    def channels(self) -> int:
        """Number of channels."""
        return self.mean.size

    def _check_channels(self, x: np.ndarray, name: str) -> None:
        c = x.shape[-1] if x.ndim == 4 else 1
        if x.ndim not in (3, 4) or c != self.channels:
            raise ValueError(
                f"`{name}` has shape {x.shape}, which does not match statistics with "
                f"{self.channels} channel(s); expected (n, height, width, {self.channels})"
                + (" or (n, height, width)" if self.channels == 1 else "")
                + "."
            )

    def standardize(self, x) -> np.ndarray:
        """``(x - mean) / (std + 1e-6)`` per channel, as float32 (a new array).

        Parameters
        ----------
        x : array_like
            ``(N, H, W, C)`` with C equal to :attr:`channels` (or ``(N, H, W)``
            for one channel), on the same scale the statistics were fitted on.
        """
        x = np.asarray(x)
        self._check_channels(x, "x")
        mean, std = self.mean, self.std
        if x.ndim == 3:
            mean, std = mean[0], std[0]
        return (
            (x.astype(np.float32) - mean.astype(np.float32))
            / (std + STD_EPSILON).astype(np.float32)
        ).astype(np.float32)

    def apply_to(self, generator):
        """Put these statistics into an ``ImageDataGenerator`` (no ``fit`` needed).

        The generator must have ``featurewise_center`` and/or
        ``featurewise_std_normalization`` switched on -- both are off by
        default, and a generator with both off silently ignores statistics.

        Returns
        -------
        generator
            The same generator, for chaining.
        """
        center = bool(getattr(generator, "featurewise_center", False))
        scale = bool(getattr(generator, "featurewise_std_normalization", False))
        if not (center or scale):
            raise ValueError(
                "`generator` has featurewise_center=False and featurewise_std_normalization=False "
                "(the defaults), so it would ignore the statistics; create it with "
                "featurewise_center=True and/or featurewise_std_normalization=True."
            )
        shape = [1, 1, 1]
        channel_axis = getattr(generator, "channel_axis", 3)
        shape[channel_axis - 1] = self.channels
        generator.mean = self.mean.astype(np.float32).reshape(shape)
        generator.std = self.std.astype(np.float32).reshape(shape)
        return generator

    def save(self, path) -> str:
        """Save to a new ``.npz`` file (plain arrays only; loadable with ``allow_pickle=False``).

        Returns the path written (``.npz`` appended if missing). The write is
        atomic; an existing file is never overwritten (:class:`FileExistsError`).
        """
        arrays = {"mean": self.mean, "std": self.std, "count": np.int64(self.count)}
        return save_arrays(path, arrays)

    def merge(self, other: FeaturewiseStats) -> FeaturewiseStats:
        """Statistics of the union of two disjoint shards, from each shard's statistics.

        The mean is the count-weighted mean; the variance follows Chan et
        al.'s parallel formula on the stored means, standard deviations and
        counts, in float64. So shards can be summarized separately (on
        different workers or machines) and merged afterwards.

        Parameters
        ----------
        other : FeaturewiseStats
            Statistics of the other shard, with the same number of channels
            (and computed with the same ``rescale``).

        Returns
        -------
        FeaturewiseStats
            A new object; neither operand changes.

        Examples
        --------
        >>> x = np.random.default_rng(0).random((10, 4, 4, 3))
        >>> merged = featurewise_stats(x[:3]).merge(featurewise_stats(x[3:]))
        >>> whole = featurewise_stats(x)
        >>> merged.count, bool(np.allclose(merged.mean, whole.mean))
        (160, True)
        >>> bool(np.allclose(merged.std, whole.std))
        True
        """
        if not isinstance(other, FeaturewiseStats):
            raise ValueError(f"`other` must be a FeaturewiseStats, got {type(other).__name__}.")
        if other.channels != self.channels:
            raise ValueError(
                f"`other` has {other.channels} channel(s), but these statistics have "
                f"{self.channels}; only statistics of the same channels can be merged."
            )
        count, mean, m2 = _merge_moments(
            (self.count, self.mean, self.std**2 * self.count),
            (other.count, other.mean, other.std**2 * other.count),
        )
        return FeaturewiseStats(mean=mean, std=np.sqrt(m2 / count), count=count)

    @classmethod
    def load(cls, path) -> FeaturewiseStats:
        """Load statistics written by :meth:`save`."""
        return load_stats(path)


def load_stats(path) -> FeaturewiseStats:
    """Load :class:`FeaturewiseStats` from a ``.npz`` file, never unpickling.

    Raises ValueError naming ``path`` (and the key) if the file is missing,
    unreadable, has missing or unexpected keys, or invalid values: NaN or
    infinite ``mean``/``std``, a negative ``std``, complex or string arrays,
    shapes of ``mean`` and ``std`` that differ, or a ``count`` that is not an
    integer >= 1.

    Examples
    --------
    >>> import tempfile, os
    >>> s = featurewise_stats(np.arange(8.0).reshape(2, 2, 2, 1))
    >>> p = s.save(os.path.join(tempfile.mkdtemp(), "train_stats"))
    >>> bool(np.allclose(load_stats(p).mean, s.mean))
    True
    """
    path = os.fspath(path)
    arrays = load_arrays(path, _KEYS, "featurewise statistics")
    count = arrays["count"]
    try:
        if count.shape != () or not np.issubdtype(count.dtype, np.integer):
            raise ValueError(
                f"`count` must be an integer scalar, got dtype {count.dtype}, shape {count.shape}."
            )
        return FeaturewiseStats(mean=arrays["mean"], std=arrays["std"], count=count[()])
    except ValueError as exc:  # every message names the key in backticks
        raise ValueError(f"`path` {path!r} holds invalid statistics: {exc}") from None


def _merge_moments(a: tuple, b: tuple) -> tuple:
    """Merge two partial ``(count, mean, m2)`` results (Chan et al.), in float64.

    ``m2`` is the sum of squared deviations from ``mean``, so the variance of
    the merged values is ``m2 / count``. This is what lets the statistics be
    computed batch by batch, in one pass and without cancellation.

    Parameters
    ----------
    a, b : tuple
        ``(count, mean, m2)`` with ``count >= 0`` and per-channel ``mean`` and
        ``m2`` arrays (either may be ``(0, None, None)``, the empty result).

    Returns
    -------
    tuple
        ``(count, mean, m2)`` of all the values together.

    Examples
    --------
    >>> v = np.array([[1.0], [2.0], [4.0], [7.0]])
    >>> part = lambda x: (len(x), x.mean(axis=0), ((x - x.mean(axis=0)) ** 2).sum(axis=0))
    >>> n, mean, m2 = _merge_moments(part(v[:1]), part(v[1:]))
    >>> n, mean.tolist(), bool(np.allclose(m2 / n, v.var(axis=0)))
    (4, [3.5], True)
    """
    (count_a, mean_a, m2_a), (count_b, mean_b, m2_b) = a, b
    if count_b == 0:
        return a
    if count_a == 0:
        return b
    total = count_a + count_b
    delta = mean_b - mean_a
    mean = mean_a + delta * (count_b / total)
    m2 = m2_a + m2_b + delta**2 * (count_a * count_b / total)
    return total, mean, m2


def featurewise_stats(
    data, rescale: float | None = None, batch_size: int = 256, progress: bool = False
) -> FeaturewiseStats:
    """Per-channel mean and standard deviation, streamed over batches.

    Gives the numbers ``ImageDataGenerator(featurewise_center=True,
    featurewise_std_normalization=True, rescale=rescale).fit(x)`` stores in
    its ``mean`` and ``std``, without holding the data (or a float copy of
    it) in memory.

    Parameters
    ----------
    data : ndarray or iterable of batches
        ``(N, H, W, C)`` / ``(N, H, W)`` array, a Keras iterator such as a
        ``DirectoryIterator`` (read once, ``len()`` batches), or any iterable
        of arrays or ``(x, y)`` tuples.
    rescale : float, optional
        Multiply values by this first, as the generator's ``rescale`` does.
    batch_size : int
        Batch size used when ``data`` is an array.
    progress : bool
        Show a progress bar over the batches.

    Returns
    -------
    FeaturewiseStats

    Examples
    --------
    >>> x = np.random.default_rng(0).integers(0, 256, (10, 4, 4, 3)).astype(np.uint8)
    >>> s = featurewise_stats(x, rescale=1 / 255)
    >>> bool(np.allclose(s.mean, (x / 255).mean(axis=(0, 1, 2))))
    True
    >>> bool(np.allclose(s.std, (x / 255).std(axis=(0, 1, 2))))
    True
    """
    rescale = check_rescale(rescale)
    progress = check_bool(progress, "progress")
    array = image_list_as_array(data, "data")
    if array is not None:
        data = check_batch(array, "data")
    moments = (0, None, None)
    channels = None
    batches = iter_image_batches(data, batch_size=batch_size)
    total = count_batches(data, batch_size)
    for batch in progress_bar(batches, total, "featurewise stats", progress):
        batch = float_batch(batch, "data", np.float64, rescale)
        if batch.size == 0:
            continue
        if channels is None:
            channels = batch.shape[-1]
        elif batch.shape[-1] != channels:
            raise ValueError(
                f"`data` changed channel count from {channels} to {batch.shape[-1]} "
                "between batches."
            )
        flat = batch.reshape(-1, channels)
        mean = flat.mean(axis=0)
        moments = _merge_moments(moments, (len(flat), mean, ((flat - mean) ** 2).sum(axis=0)))
    count, mean, m2 = moments
    if count == 0:
        raise ValueError("`data` is empty: it yielded no images.")
    return FeaturewiseStats(mean=mean, std=np.sqrt(m2 / count), count=count)
