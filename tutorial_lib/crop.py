"""Random and center crops of images, batches, image/mask pairs and Keras iterators.

``ImageDataGenerator`` cannot crop: its ``preprocessing_function`` must return
an image of the shape it received. This module crops *after* the generator:

- :func:`random_crop` / :func:`center_crop` -- one image or a batch (the same
  window for every image of the batch);
- :func:`random_crop_batch` -- an independent random window per image, without
  a Python loop over images and without changing the dtype;
- :func:`paired_random_crop` -- the same window for an image and its mask, a
  different window for each pair;
- :class:`RandomCropIterator` -- wraps any ``(x, y)`` batch iterator with
  ``len()`` and indexing (``DirectoryIterator``, ``NumpyArrayIterator``, a
  ``keras.utils.PyDataset``) and keeps its ``samples``, ``class_indices``,
  ``filenames`` and ``reset()``, so ``model.fit`` / ``model.predict`` take it
  as it is.

Every function accepts any number of channels and returns a new array (never a
view into the caller's data).
"""

from __future__ import annotations

import numpy as np

from ._checks import (
    as_generator,
    check_batch,
    check_bool,
    check_choice,
    check_fits,
    check_image,
    check_image_or_batch,
    check_size,
)
from ._keras_dataset import (
    FirstFetchLock,
    KerasDatasetMixin,
    batch_index,
    batch_rng,
    draw_entropy,
)

__all__ = [
    "random_crop",
    "center_crop",
    "random_crop_batch",
    "paired_random_crop",
    "RandomCropIterator",
]


def _draw_windows(rng: np.random.Generator, n: int, shape: tuple[int, int], size: tuple[int, int]):
    """Top-left corners of ``n`` windows of ``size`` inside ``shape``, uniformly."""
    tops = rng.integers(0, shape[0] - size[0] + 1, size=n)
    lefts = rng.integers(0, shape[1] - size[1] + 1, size=n)
    return tops, lefts


def _gather(
    images: np.ndarray, tops: np.ndarray, lefts: np.ndarray, size: tuple[int, int]
) -> np.ndarray:
    """Cut window ``i`` out of ``images[i]`` for all ``i`` at once (no Python loop).

    A strided view lists every possible window of every image without copying;
    advanced indexing then copies exactly one window per image, in the input dtype.
    """
    n, height, width = images.shape[:3]
    h, w = size
    rest = images.shape[3:]
    s = images.strides
    windows = np.lib.stride_tricks.as_strided(
        images,
        shape=(n, height - h + 1, width - w + 1, h, w) + rest,
        strides=(s[0], s[1], s[2], s[1], s[2]) + s[3:],
        writeable=False,
    )
    return windows[np.arange(n), tops, lefts]


def random_crop(image, size, seed=None) -> np.ndarray:
    """Cut one random ``size`` window out of an image (or the same one out of a whole batch).

    Parameters
    ----------
    image : array_like
        ``(H, W)``, ``(H, W, C)`` or a batch ``(N, H, W, C)``; any dtype, any
        number of channels. A batch gets ONE window for all its images; use
        :func:`random_crop_batch` for one window per image.
    size : int or (int, int)
        Crop ``(height, width)``; not larger than the image.
    seed : None, int or numpy.random.Generator
        Source of randomness; same seed, same crop.

    Returns
    -------
    ndarray
        A new array of shape ``size`` (+ channels), same dtype as ``image``.

    Examples
    --------
    >>> img = np.arange(25, dtype=np.uint8).reshape(5, 5)
    >>> crop = random_crop(img, 3, seed=0)
    >>> crop.shape, crop.dtype
    ((3, 3), dtype('uint8'))
    >>> np.array_equal(crop, random_crop(img, 3, seed=0))
    True
    """
    arr = check_image_or_batch(image, "image")
    spatial = arr.shape[1:3] if arr.ndim == 4 else arr.shape[:2]
    size = check_size(size, "size")
    check_fits(size, spatial, "size", "image")
    rng = as_generator(seed)
    (top,), (left,) = _draw_windows(rng, 1, spatial, size)
    if arr.ndim == 4:
        return arr[:, top : top + size[0], left : left + size[1]].copy()
    return arr[top : top + size[0], left : left + size[1]].copy()


def center_crop(images, size) -> np.ndarray:
    """Cut the central ``size`` window out of one image or out of every image of a batch.

    Use it at prediction time for a model trained on random crops: the center
    window is the deterministic "average" crop. When the margin is odd the
    extra pixel goes to the bottom/right (as ``keras.layers.CenterCrop``).

    Parameters
    ----------
    images : array_like
        ``(H, W)``, ``(H, W, C)`` (one image) or ``(N, H, W, C)`` (a batch).
        A 3-D array is read as ONE image with channels; pass a grey batch
        ``(N, H, W)`` as ``images[..., None]``.
    size : int or (int, int)
        Crop ``(height, width)``; not larger than the image.

    Returns
    -------
    ndarray
        A new array, same dtype.

    Examples
    --------
    >>> img = np.arange(16).reshape(4, 4)
    >>> center_crop(img, 2).tolist()
    [[5, 6], [9, 10]]
    >>> center_crop(np.zeros((8, 32, 32, 6), np.float32), (24, 20)).shape
    (8, 24, 20, 6)
    """
    arr = check_image_or_batch(images, "images")
    spatial = arr.shape[1:3] if arr.ndim == 4 else arr.shape[:2]
    size = check_size(size, "size")
    check_fits(size, spatial, "size", "image")
    top = (spatial[0] - size[0]) // 2
    left = (spatial[1] - size[1]) // 2
    if arr.ndim == 4:
        return arr[:, top : top + size[0], left : left + size[1]].copy()
    return arr[top : top + size[0], left : left + size[1]].copy()


def random_crop_batch(images, size, seed=None) -> np.ndarray:
    """Cut an independent random window out of every image of a batch.

    Vectorized: one copy of exactly the cropped pixels, in the input dtype
    (a ``uint8`` batch stays ``uint8``), for any number of channels.

    Parameters
    ----------
    images : array_like
        ``(N, H, W)`` or ``(N, H, W, C)``.
    size : int or (int, int)
        Crop ``(height, width)``; not larger than the images.
    seed : None, int or numpy.random.Generator
        Source of randomness; same seed, same windows.

    Returns
    -------
    ndarray
        ``(N, height, width[, C])``, same dtype, a new contiguous array.

    Examples
    --------
    >>> batch = np.zeros((4, 10, 10, 6), dtype=np.uint8)
    >>> batch[:, 5, 5] = 1                      # a marker in the same place in every image
    >>> crops = random_crop_batch(batch, 6, seed=3)
    >>> crops.shape, crops.dtype
    ((4, 6, 6, 6), dtype('uint8'))
    >>> len({tuple(np.argwhere(c[..., 0])[0]) for c in crops}) > 1   # different windows
    True
    """
    arr = check_batch(images, "images")
    size = check_size(size, "size")
    check_fits(size, arr.shape[1:3], "size", "images")
    rng = as_generator(seed)
    tops, lefts = _draw_windows(rng, arr.shape[0], arr.shape[1:3], size)
    return _gather(arr, tops, lefts, size)


def _check_mask_for(
    mask: np.ndarray, image_shape: tuple[int, ...], name: str, image_name: str
) -> None:
    if mask.shape[: len(image_shape)] != tuple(image_shape):
        raise ValueError(
            f"`{name}` shape {mask.shape} does not match `{image_name}` shape; "
            f"expected it to start with {tuple(image_shape)}."
        )


def paired_random_crop(images, masks, size, seed=None):
    """Crop images and their masks with the SAME window per pair (a new window for each pair).

    Parameters
    ----------
    images : array_like
        One image ``(H, W[, C])`` or a batch ``(N, H, W, C)``.
    masks : array_like
        Matching ``(H, W[, K])`` or ``(N, H, W[, K])``: any dtype, any number of
        channels; only the leading (batch and) spatial dimensions must match.
    size : int or (int, int)
        Crop ``(height, width)``.
    seed : None, int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    (ndarray, ndarray)
        Cropped images and masks, each in its own dtype.

    Notes
    -----
    A 4-D ``images`` is a batch; a 2-D or 3-D one is a single image (pass a
    grey batch as ``images[..., None]``). The windows are drawn exactly
    as :func:`random_crop_batch` draws them, so cropping an image that
    carries the mask as an extra channel gives the same pixels.

    Examples
    --------
    >>> img = np.arange(36, dtype=np.uint8).reshape(6, 6)
    >>> mask = (img % 2).astype(np.int32)
    >>> ci, cm = paired_random_crop(img, mask, 4, seed=0)
    >>> np.array_equal(ci % 2, cm)   # still aligned
    True
    """
    imgs = check_image_or_batch(images, "images")
    size = check_size(size, "size")
    single = imgs.ndim != 4
    if single:
        msks = check_image(masks, "masks")
        _check_mask_for(msks, imgs.shape[:2], "masks", "images")
        check_fits(size, imgs.shape[:2], "size", "images")
        rng = as_generator(seed)
        tops, lefts = _draw_windows(rng, 1, imgs.shape[:2], size)
        return _gather(imgs[None], tops, lefts, size)[0], _gather(msks[None], tops, lefts, size)[0]
    msks = check_batch(masks, "masks")
    _check_mask_for(msks, imgs.shape[:3], "masks", "images")
    check_fits(size, imgs.shape[1:3], "size", "images")
    rng = as_generator(seed)
    tops, lefts = _draw_windows(rng, imgs.shape[0], imgs.shape[1:3], size)
    return _gather(imgs, tops, lefts, size), _gather(msks, tops, lefts, size)


class RandomCropIterator(KerasDatasetMixin):
    """Wrap an ``(x, y)`` batch iterator so that every image comes out cropped.

    Resize-then-crop training: let ``flow_from_directory(target_size=(256, 256))`` (or any
    iterator) load and augment images, and wrap it to cut an independent random ``size``
    window out of each image of each batch. At prediction time use ``mode="center"``. The
    wrapper keeps what the wrapped iterator offers -- ``len()``, ``samples``,
    ``class_indices``, ``filenames``, ``classes``, ``batch_size``, ``reset()`` -- and is a
    ``keras.utils.PyDataset`` when Keras is installed, so ``model.fit(it)`` and
    ``model.predict(it)`` need no ``steps_per_epoch``.

    Parameters
    ----------
    iterator : object with ``len()`` and ``iterator[i]``
        Yields ``x``, ``(x, y)`` or ``(x, y, sample_weight)`` with ``x`` of shape
        ``(N, H, W[, C])``: a ``DirectoryIterator``, ``NumpyArrayIterator``,
        ``keras.utils.PyDataset`` or a list of batches.
    size : int or (int, int)
        Crop ``(height, width)``.
    mode : {"random", "center"}
        Random windows (training) or the center window (evaluation, prediction).
    seed : None, int or numpy.random.Generator
        Source of the crop windows. Batch ``i`` of epoch ``e`` always gets the same windows
        for the same seed, whatever order Keras asks for batches in.
    crop_targets : bool or None
        Crop ``y`` with the same windows as ``x`` (segmentation masks, ``class_mode="input"``).
        ``None`` (default) does so when ``y`` has the batch and spatial shape of ``x``.

    Notes
    -----
    Safe to index from several threads: the first batch of each epoch is read alone, so a
    Keras iterator builds its (lazy, unlocked) epoch order once before others read it.

    Examples
    --------
    >>> batches = [(np.zeros((4, 32, 32, 3), np.uint8), np.arange(4))] * 3
    >>> it = RandomCropIterator(batches, 24, seed=0)
    >>> x, y = it[0]
    >>> len(it), x.shape, x.dtype, y.tolist()
    (3, (4, 24, 24, 3), dtype('uint8'), [0, 1, 2, 3])
    """

    def __init__(
        self, iterator, size, mode: str = "random", seed=None, crop_targets: bool | None = None
    ):
        self._size = _check_iterator_arguments(iterator, size, mode, crop_targets)
        self.init_keras()
        self._iterator = iterator
        self._mode = mode
        self._crop_targets = None if crop_targets is None else bool(crop_targets)
        self._entropy = draw_entropy(seed)  # batch i of epoch e: batch_rng(entropy, e, i)
        self._epoch = 0
        self._reader = FirstFetchLock()  # thread-safe reads of the wrapped iterator

    @property
    def iterator(self):
        """The wrapped iterator."""
        return self._iterator

    @property
    def size(self) -> tuple[int, int]:
        """Crop ``(height, width)``."""
        return self._size

    @property
    def mode(self) -> str:
        """``"random"`` or ``"center"``."""
        return self._mode

    @property
    def samples(self) -> int:
        """Number of images (``samples`` of a DirectoryIterator, ``n`` of other iterators)."""
        for name in ("samples", "n"):
            value = getattr(self._iterator, name, None)
            if value is not None:
                return int(value)
        raise AttributeError(f"the wrapped {type(self._iterator).__name__} has no `samples` or `n`")

    def __getattr__(self, name):
        # class_indices, filenames, classes, batch_size, filepaths, ...
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return getattr(self.__dict__["_iterator"], name)
        except KeyError:
            raise AttributeError(name) from None

    def __len__(self) -> int:
        return len(self._iterator)

    def reset(self) -> None:
        """Reset the wrapped iterator (to its first batch, e.g. before predicting in file order)."""
        reset = getattr(self._iterator, "reset", None)
        if callable(reset):
            reset()
        self._reader.rearm()

    def on_epoch_end(self) -> None:
        """Called by Keras after each epoch: new windows, and the wrapped iterator reshuffles."""
        self._epoch += 1
        hook = getattr(self._iterator, "on_epoch_end", None)
        if callable(hook):
            hook()
        self._reader.rearm()

    def __getitem__(self, index):
        index = batch_index(index, len(self))
        batch = self._reader.fetch(self._iterator, index)
        rng = batch_rng(self._entropy, self._epoch, index) if self._mode == "random" else None
        return _crop_iterator_batch(batch, self._size, rng, self._crop_targets)

    def __repr__(self) -> str:
        return (
            f"RandomCropIterator({type(self._iterator).__name__}, size={self._size}, "
            f"mode={self._mode!r}, batches={len(self)})"
        )


def _crop_iterator_batch(batch, size: tuple[int, int], rng, crop_targets):
    """Crop ``x`` (and ``y`` if it is to be cropped) of one batch of a wrapped iterator."""
    is_tuple = isinstance(batch, (tuple, list))
    x = check_batch(batch[0] if is_tuple else batch, "x (a batch of the wrapped iterator)")
    check_fits(size, x.shape[1:3], "size", "iterator's images")
    tops, lefts = _iterator_windows(x.shape, size, rng)
    crops = _gather(x, tops, lefts, size)
    if not is_tuple:
        return crops
    rest = list(batch[1:])
    if rest and _crops_targets(crop_targets, x.shape, rest[0]):
        rest[0] = _gather(np.asarray(rest[0]), tops, lefts, size)
    return (crops, *rest)


def _iterator_windows(x_shape, size: tuple[int, int], rng: np.random.Generator | None):
    """Windows of one batch: drawn from ``rng``, or the center window for every image if None."""
    if rng is not None:
        return _draw_windows(rng, x_shape[0], x_shape[1:3], size)
    tops = np.full(x_shape[0], (x_shape[1] - size[0]) // 2)
    lefts = np.full(x_shape[0], (x_shape[2] - size[1]) // 2)
    return tops, lefts


def _crops_targets(crop_targets: bool | None, x_shape, y) -> bool:
    """Whether ``y`` gets cropped like ``x``: if asked, or (``None``) if it is shaped like x."""
    y_shape = None if y is None else np.shape(y)
    like_x = y_shape is not None and len(y_shape) >= 3 and y_shape[:3] == x_shape[:3]
    if crop_targets and not like_x:
        raise ValueError(
            "`crop_targets=True` needs y with the batch and spatial shape of x "
            f"{x_shape[:3]}, got {y_shape}."
        )
    return like_x if crop_targets is None else crop_targets


def _check_iterator_arguments(iterator, size, mode, crop_targets) -> tuple[int, int]:
    """Check the wrapper's arguments; return ``size`` as ``(height, width)``."""
    if not (hasattr(iterator, "__len__") and hasattr(iterator, "__getitem__")):
        raise ValueError(
            "`iterator` must support len() and indexing (a Keras DirectoryIterator, "
            "NumpyArrayIterator, PyDataset or a list of batches), "
            f"got {type(iterator).__name__}."
        )
    if len(iterator) == 0:
        raise ValueError(
            f"`iterator` ({type(iterator).__name__}) has no batches (len 0); "
            "did flow_from_directory find no images?"
        )
    size = check_size(size, "size")
    known = _known_image_size(iterator)
    if known is not None:
        check_fits(size, known, "size", "iterator's images")
    check_choice(mode, "mode", ("random", "center"))
    if crop_targets is not None:
        check_bool(crop_targets, "crop_targets")
    return size


def _known_image_size(iterator) -> tuple[int, int] | None:
    """``(height, width)`` of a Keras iterator's images when it says so up front, else None."""
    target_size = getattr(iterator, "target_size", None)  # DirectoryIterator
    if isinstance(target_size, tuple) and len(target_size) == 2:
        return target_size
    x = getattr(iterator, "x", None)  # NumpyArrayIterator
    if isinstance(x, np.ndarray) and x.ndim == 4:
        if getattr(iterator, "data_format", "channels_last") == "channels_last":
            return x.shape[1:3]
    return None
