"""Augment images and their segmentation masks together: ONE random draw per pair.

Two ``ImageDataGenerator`` objects sharing a seed keep an image and its mask
aligned only as long as both draw exactly the same random numbers in the same
order, and the mask generator interpolates labels like pixel values. Here one
set of parameters is drawn per pair and applied to both:

- geometric arguments named as in ``ImageDataGenerator``: ``rotation_range``,
  ``width_shift_range``, ``height_shift_range``, ``zoom_range``,
  ``shear_range``, ``horizontal_flip``, ``vertical_flip``, plus a random crop;
- the image is resampled with the spline order you ask for
  (``interpolation_order``, 1 = bilinear, as ``ImageDataGenerator``);
- the mask is ALWAYS resampled with nearest neighbour (order 0), keeps its
  integer dtype, and pixels that come from outside the picture get the
  background label ``mask_fill`` (never a reflected or repeated label), so
  the output labels are a subset of the input labels plus ``mask_fill``.

Everything runs on NumPy: the output -> input coordinates are computed once
per pair and all channels are gathered at once (bilinear weights for the
image, rounding for the mask), with the numbers and fill modes of
:func:`scipy.ndimage.affine_transform` (and so of ``ImageDataGenerator``);
spline orders 2 to 5 call scipy. TensorFlow is not needed
(:class:`PairedBatchIterator` becomes a ``keras.utils.PyDataset`` when Keras
is installed, for ``model.fit``).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._checks import (
    as_generator,
    check_batch,
    check_batch_size,
    check_bool,
    check_image,
    check_nonnegative_int,
    check_size,
)
from ._checks import check_fits as _check_fits
from ._keras_dataset import KerasDatasetMixin, batch_index, batch_rng, draw_entropy, epoch_order

__all__ = ["PairedAugmenter", "PairedBatchIterator", "check_image_mask_pair"]

_FILL_MODES = ("constant", "nearest", "reflect", "wrap")


def _check_mask_dtype(mask: np.ndarray, name: str) -> None:
    if not (np.issubdtype(mask.dtype, np.integer) or mask.dtype == bool):
        raise ValueError(
            f"`{name}` must hold integer labels, got dtype {mask.dtype}. Float masks cannot tell a label "
            f"from an interpolated value; convert with np.rint(mask).astype(np.uint8) if the values are whole."
        )


def check_image_mask_pair(
    image, mask, batch: bool = False, image_name: str = "image", mask_name: str = "mask"
):
    """Check that ``mask`` is an integer label map of the same height and width as ``image``.

    Parameters
    ----------
    image : array_like
        ``(H, W[, C])``, or ``(N, H, W[, C])`` when ``batch`` is True.
    mask : array_like
        ``(H, W)`` or ``(H, W, 1)`` (``(N, H, W[, 1])`` for a batch), integer or bool.
    batch : bool
        Whether the arrays are batches.

    Returns
    -------
    (ndarray, ndarray)
        The image and mask as arrays (not copied).

    Raises
    ------
    ValueError
        On float labels, a mask with more than one channel, or mismatched shapes.

    Examples
    --------
    >>> img, m = check_image_mask_pair(np.zeros((4, 4, 3)), np.zeros((4, 4), np.uint8))
    >>> check_image_mask_pair(np.zeros((4, 4, 3)), np.zeros((4, 5), np.uint8))
    Traceback (most recent call last):
    ...
    ValueError: `mask` shape (4, 5) does not match `image` shape (4, 4, 3): height and width must be equal.
    """
    if batch:
        img = check_batch(image, image_name)
        msk = check_batch(mask, mask_name)
        lead = 3
    else:
        img = check_image(image, image_name)
        msk = check_image(mask, mask_name)
        lead = 2
    if msk.ndim == lead + 1 and msk.shape[-1] != 1:
        raise ValueError(
            f"`{mask_name}` has shape {msk.shape}: {msk.shape[-1]} channels where one label map is expected "
            f"({'(N, H, W)' if batch else '(H, W)'} or with a trailing 1). Convert a one-hot mask with "
            f"mask.argmax(axis=-1)."
        )
    _check_mask_dtype(msk, mask_name)
    if msk.shape[:lead] != img.shape[:lead]:
        what = "batch size, height and width" if batch else "height and width"
        raise ValueError(
            f"`{mask_name}` shape {msk.shape} does not match `{image_name}` shape {img.shape}: {what} must be equal."
        )
    return img, msk


def _range_pair(value, name: str, default_center: float = 0.0) -> tuple[float, float]:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"`{name}` must be a finite number >= 0, got {value!r}.")
        return default_center - float(value), default_center + float(value)
    try:
        lo, hi = value
        lo, hi = float(lo), float(hi)
    except (TypeError, ValueError):
        raise ValueError(
            f"`{name}` must be a number or a (low, high) pair, got {value!r}."
        ) from None
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo > hi:
        raise ValueError(
            f"`{name}` must be a finite (low, high) pair with low <= high, got {value!r}."
        )
    return lo, hi


# -- fast resampling (orders 0 and 1): one coordinate grid per pair, all channels at once --


class _Scratch:
    """Scratch arrays reused from one pair to the next.

    The resampling works on a few arrays as large as the output; allocating
    them afresh for every pair makes the C library hand memory back to the
    system and fault it in again, which can triple the time. One ``_Scratch``
    per call of :meth:`PairedAugmenter.augment_batch` (never shared between
    threads) keeps them.
    """

    def __init__(self):
        self._arrays = {}

    def __call__(self, name: str, shape, dtype) -> np.ndarray:
        size = math.prod(shape)
        buf = self._arrays.get(name)
        if buf is None or buf.dtype != dtype or buf.size < size:
            buf = self._arrays[name] = np.empty(size, dtype)
        return buf[:size].reshape(shape)


def _input_coords(matrix, offset, out_shape, scratch: _Scratch):
    """Input (row, col) coordinates of every output pixel, flattened, as scipy computes them.

    ``scipy.ndimage.affine_transform`` evaluates ``(r * m[0] + c * m[1]) + offset``
    in double precision; the same operations in the same order give the same bits,
    so nearest-neighbour rounding ties fall the same way.
    """
    oh, ow = out_shape
    r = np.arange(oh, dtype=np.float64)
    c = np.arange(ow, dtype=np.float64)
    coords = []
    for axis, name in enumerate(("rows", "cols")):
        x = scratch(name, (oh, ow), np.float64)
        np.add((r * matrix[axis, 0])[:, None], (c * matrix[axis, 1])[None, :], out=x)
        x += offset[axis]
        coords.append(x.reshape(-1))
    return coords


def _map_axis(x, n: int, mode: str, out: np.ndarray, scratch: _Scratch) -> np.ndarray:
    """scipy's ``map_coordinate``, written to ``out``: bring coordinates outside ``[0, n - 1]`` back inside.

    Returns coordinates in ``[-1, n)``; with ``mode="constant"`` the points
    outside become exactly ``-1``, which reads the fill border of the padded
    input. As in scipy (and so ``ImageDataGenerator``), ``wrap`` repeats with
    period ``n - 1`` (the first and last samples overlap), and ``reflect`` is
    the half-sample mirror ``d c b a | a b c d | d c b a``.
    """
    low = np.less(x, 0, out=scratch("low", x.shape, bool))
    high = np.greater(x, n - 1, out=scratch("high", x.shape, bool))
    np.copyto(out, x)
    if mode == "constant":
        np.logical_or(low, high, out=low)
        np.copyto(out, -1.0, where=low)
        return out
    if n <= 1:
        out[...] = 0.0
        return out
    if mode == "nearest":
        return np.clip(out, 0, n - 1, out=out)
    if not (low.any() or high.any()):
        return out
    xl, xh = x[low], x[high]
    if mode == "reflect":
        sz2 = 2 * n
        xl = np.where(xl < -sz2, sz2 * np.trunc(-xl / sz2) + xl, xl)
        xl = np.where(xl < -n, xl + sz2, -xl - 1)
        xh = xh - sz2 * np.trunc(xh / sz2)
        xh = np.where(xh >= n, sz2 - xh - 1, xh)
    else:  # wrap, with scipy's period n - 1
        sz = n - 1
        xl = xl + sz * (np.trunc(-xl / sz) + 1)
        xh = xh - sz * np.trunc(xh / sz)
    out[low], out[high] = xl, xh
    return out


def _padded(image: np.ndarray, mode: str, fill, out: np.ndarray) -> np.ndarray:
    """``(H, W[, C])`` -> channel planes ``out`` of shape ``(C, H + 2, W + 2)`` with a one-pixel border.

    The border is ``fill`` for ``mode="constant"``, otherwise a copy of the
    edge: scipy (1.6 and later) extends the samples of an order-1 filter that
    stick out of the picture that way for ``reflect``, and with the other modes
    such samples only ever get a zero weight.
    """
    planes = image[None] if image.ndim == 2 else np.moveaxis(image, -1, 0)
    out[:, 1:-1, 1:-1] = planes
    if mode == "constant":
        out[:, 0] = out[:, -1] = fill
        out[:, :, 0] = out[:, :, -1] = fill
    else:
        out[:, 1:-1, 0] = planes[:, :, 0]
        out[:, 1:-1, -1] = planes[:, :, -1]
        out[:, 0] = out[:, 1]
        out[:, -1] = out[:, -2]
    return out


def _floor_index(x, scratch: _Scratch, name: str, half: bool) -> np.ndarray:
    """``floor(x)`` (or ``floor(x + 0.5)`` when ``half``) as integers, written to scratch ``name``."""
    tmp = scratch("floor", x.shape, np.float64)
    if half:
        np.add(x, 0.5, out=tmp)
        np.floor(tmp, out=tmp)
    else:
        np.floor(x, out=tmp)
    idx = scratch(name, x.shape, np.intp)
    np.copyto(idx, tmp, casting="unsafe")  # whole numbers: exact
    return idx


def _gather_nearest(padded: np.ndarray, rows, cols, scratch: _Scratch) -> np.ndarray:
    """Order 0 on padded planes ``(C, H + 2, W + 2)`` at mapped coordinates in ``[-1, n)``: a new ``(C, points)``."""
    wp = padded.shape[2]
    i = _floor_index(rows, scratch, "i", half=True)
    j = _floor_index(cols, scratch, "j", half=True)
    i *= wp
    i += j
    i += wp + 1  # the border: padded index = index + 1 on both axes
    return np.take(padded.reshape(len(padded), -1), i, axis=1, mode="clip")


def _gather_bilinear(padded: np.ndarray, rows, cols, scratch: _Scratch) -> np.ndarray:
    """Order 1 on padded float planes ``(C, H + 2, W + 2)`` at mapped coordinates in ``[-1, n)``.

    Returns ``(C, points)`` in a scratch array.
    """
    wp, dtype, n = padded.shape[2], padded.dtype, len(rows)
    flat = padded.reshape(len(padded), -1)
    weights = []
    for x, name in ((rows, "i"), (cols, "j")):
        idx = _floor_index(x, scratch, name, half=False)
        frac = scratch("frac", x.shape, np.float64)
        np.subtract(x, scratch("floor", x.shape, np.float64), out=frac)
        weights.append(scratch("w" + name, x.shape, dtype))
        np.copyto(weights[-1], frac, casting="same_kind")
    tr, tc = weights
    i00 = scratch("i", (n,), np.intp)
    i00 *= wp
    i00 += scratch("j", (n,), np.intp)
    i00 += wp + 1  # the border: padded index = index + 1 on both axes
    i01 = np.add(i00, 1, out=scratch("j", (n,), np.intp))
    shape = (len(padded), n)
    a = np.take(flat, i00, axis=1, out=scratch("a", shape, dtype), mode="clip")
    b = np.take(flat, i01, axis=1, out=scratch("b", shape, dtype), mode="clip")
    b -= a
    b *= tc
    a += b  # along the top row
    i00 += wp
    i01 += wp
    c = np.take(flat, i00, axis=1, out=scratch("c", shape, dtype), mode="clip")
    d = np.take(flat, i01, axis=1, out=b, mode="clip")
    d -= c
    d *= tc
    c += d  # along the bottom row
    c -= a
    c *= tr
    a += c  # between the rows
    return a


def _to_pixels(values: np.ndarray, out_shape, ndim: int, dtype) -> np.ndarray:
    """Channel planes ``(C, points)`` -> a NEW channels-last image of ``dtype``.

    Its shape is ``out_shape``, plus ``(C,)`` when ``ndim == 3``.
    """
    if ndim == 2:
        out = np.empty(tuple(out_shape), dtype=dtype)
        np.copyto(out, values.reshape(out_shape), casting="unsafe")
        return out
    out = np.empty(tuple(out_shape) + (len(values),), dtype=dtype)
    np.copyto(out.reshape(-1, len(values)), values.T, casting="unsafe")
    return out


class PairedAugmenter:
    """Random geometric augmentation applied identically to an image and its mask.

    Parameters
    ----------
    rotation_range : float
        Degrees; the angle is uniform in ``[-rotation_range, rotation_range]``.
    width_shift_range, height_shift_range : float
        A value below 1 is a fraction of the width/height, 1 or more is pixels;
        the shift is uniform in ``[-r, r]`` (as ``ImageDataGenerator``).
    zoom_range : float or (float, float)
        ``z`` means ``[1 - z, 1 + z]``. Values above 1 zoom OUT (the
        ``ImageDataGenerator`` convention: the factor scales the sampling grid).
    keep_aspect_ratio : bool
        Draw one zoom factor for both axes (``ImageDataGenerator`` draws them
        independently, which stretches the picture).
    shear_range : float
        Shear angle in degrees, uniform in ``[-shear_range, shear_range]``.
    horizontal_flip, vertical_flip : bool
        Flip with probability 0.5.
    crop_size : int or (int, int), optional
        Cut a random window of this size out of the transformed picture
        (only the window is computed).
    interpolation_order : int
        Spline order for the IMAGE, 0 (nearest) to 5; 1 (bilinear) by default.
        The mask always uses 0.
    fill_mode : {"constant", "nearest", "reflect", "wrap"}
        How the IMAGE is filled outside its borders. The mask is always filled
        with ``mask_fill``.
    cval : float
        Image fill value for ``fill_mode="constant"``.
    mask_fill : int
        Background label given to mask pixels that come from outside the picture.

    Examples
    --------
    >>> images, labels, masks = __import__("tutorial_lib").make_shapes(2, size=32, seed=0)
    >>> aug = PairedAugmenter(rotation_range=30, zoom_range=0.2, horizontal_flip=True, crop_size=24)
    >>> img, m = aug.augment(images[0], masks[0], seed=1)
    >>> img.shape, img.dtype, m.shape, m.dtype
    ((24, 24, 3), dtype('uint8'), (24, 24), dtype('uint8'))
    >>> set(np.unique(m)) <= set(np.unique(masks[0])) | {0}
    True
    """

    def __init__(
        self,
        rotation_range: float = 0.0,
        width_shift_range: float = 0.0,
        height_shift_range: float = 0.0,
        zoom_range=0.0,
        shear_range: float = 0.0,
        horizontal_flip: bool = False,
        vertical_flip: bool = False,
        crop_size=None,
        interpolation_order: int = 1,
        fill_mode: str = "constant",
        cval: float = 0.0,
        mask_fill: int = 0,
        keep_aspect_ratio: bool = False,
    ):
        self.rotation_range = _range_pair(rotation_range, "rotation_range")[1]
        self.width_shift_range = _range_pair(width_shift_range, "width_shift_range")[1]
        self.height_shift_range = _range_pair(height_shift_range, "height_shift_range")[1]
        self.zoom_range = _range_pair(zoom_range, "zoom_range", default_center=1.0)
        if self.zoom_range[0] <= 0:
            raise ValueError(f"`zoom_range` must give factors > 0, got {zoom_range!r}.")
        self.shear_range = _range_pair(shear_range, "shear_range")[1]
        for flag, name in (
            (horizontal_flip, "horizontal_flip"),
            (vertical_flip, "vertical_flip"),
            (keep_aspect_ratio, "keep_aspect_ratio"),
        ):
            if not isinstance(flag, (bool, np.bool_)):
                raise ValueError(f"`{name}` must be True or False, got {flag!r}.")
        self.horizontal_flip = bool(horizontal_flip)
        self.vertical_flip = bool(vertical_flip)
        self.keep_aspect_ratio = bool(keep_aspect_ratio)
        self.crop_size = None if crop_size is None else check_size(crop_size, "crop_size")
        self.interpolation_order = check_nonnegative_int(interpolation_order, "interpolation_order")
        if self.interpolation_order > 5:
            raise ValueError(f"`interpolation_order` must be 0..5, got {interpolation_order}.")
        if fill_mode not in _FILL_MODES:
            raise ValueError(f"`fill_mode` must be one of {_FILL_MODES}, got {fill_mode!r}.")
        self.fill_mode = fill_mode
        if isinstance(cval, bool) or not isinstance(cval, numbers.Real):
            raise ValueError(f"`cval` must be a number, got {cval!r}.")
        self.cval = float(cval)
        if isinstance(mask_fill, bool) or not isinstance(mask_fill, numbers.Integral):
            raise ValueError(f"`mask_fill` must be an integer label, got {mask_fill!r}.")
        self.mask_fill = int(mask_fill)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"PairedAugmenter({args})"

    # -- parameters --------------------------------------------------------
    def random_params(self, shape, seed=None) -> dict:
        """Draw the parameters for ONE pair of height and width ``shape[:2]``.

        Nine numbers are drawn every time, in a fixed order, whatever is
        switched on, so enabling a flip does not change the angles drawn.

        Examples
        --------
        >>> p = PairedAugmenter(rotation_range=10).random_params((32, 32), seed=0)
        >>> sorted(p)
        ['crop_left', 'crop_top', 'horizontal_flip', 'rotation', 'shear', 'shift_x', 'shift_y', 'vertical_flip', 'zoom_x', 'zoom_y']
        >>> -10 <= p["rotation"] <= 10
        True
        """
        h, w = int(shape[0]), int(shape[1])
        rng = as_generator(seed)
        u = rng.random(9)
        lo_z, hi_z = self.zoom_range

        def span(r, k):  # uniform in [-r, r]
            return (2.0 * u[k] - 1.0) * r

        dy = span(self.height_shift_range, 1)
        dx = span(self.width_shift_range, 2)
        if self.height_shift_range < 1:
            dy *= h
        if self.width_shift_range < 1:
            dx *= w
        zx = lo_z + (hi_z - lo_z) * u[4]
        zy = zx if self.keep_aspect_ratio else lo_z + (hi_z - lo_z) * u[5]
        crop_top = crop_left = 0
        if self.crop_size is not None:
            _check_fits(self.crop_size, (h, w), "crop_size", "image")
            crop_top = int(u[7] * (h - self.crop_size[0] + 1))
            crop_left = int(u[8] * (w - self.crop_size[1] + 1))
        return {
            "rotation": float(span(self.rotation_range, 0)),
            "shift_y": float(dy),
            "shift_x": float(dx),
            "shear": float(span(self.shear_range, 3)),
            "zoom_x": float(zx),
            "zoom_y": float(zy),
            "horizontal_flip": bool(self.horizontal_flip and u[6] < 0.5),
            "vertical_flip": bool(self.vertical_flip and (u[6] * 2) % 1 < 0.5),
            "crop_top": crop_top,
            "crop_left": crop_left,
        }

    def _matrix(self, shape, params):
        """Output (row, col) -> input (row, col): ``input = M @ out + offset``; plus output shape."""
        h, w = shape
        oh, ow = self.crop_size if self.crop_size is not None else (h, w)
        theta = np.deg2rad(params["rotation"])
        shear = np.deg2rad(params["shear"])
        rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
        she = np.array([[1.0, -np.sin(shear)], [0.0, np.cos(shear)]])
        zoo = np.diag([params["zoom_y"], params["zoom_x"]])
        a = rot @ she @ zoo
        d = np.diag(
            [-1.0 if params["vertical_flip"] else 1.0, -1.0 if params["horizontal_flip"] else 1.0]
        )
        e = np.array(
            [
                h - 1.0 if params["vertical_flip"] else 0.0,
                w - 1.0 if params["horizontal_flip"] else 0.0,
            ]
        )
        center = np.array([(h - 1) / 2.0, (w - 1) / 2.0])
        tl = np.array([params["crop_top"], params["crop_left"]], dtype=float)
        shift = np.array([params["shift_y"], params["shift_x"]])
        matrix = a @ d
        offset = center + a @ (d @ tl + e - center) + rot @ shift
        return matrix, offset, (oh, ow)

    @staticmethod
    def _is_slice(params) -> bool:
        return (
            params["rotation"] == 0
            and params["shear"] == 0
            and params["zoom_x"] == 1
            and params["zoom_y"] == 1
            and params["shift_x"] == 0
            and params["shift_y"] == 0
        )

    # -- applying ------------------------------------------------------------
    def apply(self, image, mask, params: dict):
        """Apply given ``params`` (from :meth:`random_params`) to one image and its mask.

        Returns
        -------
        (ndarray, ndarray)
            New arrays; the image keeps its dtype (integers are rounded and
            clipped to the dtype's range), the mask its dtype and shape convention.
        """
        return self._apply(image, mask, params, _Scratch())

    def _apply(self, image, mask, params: dict, scratch: _Scratch):
        img, msk = check_image_mask_pair(image, mask)
        h, w = img.shape[:2]
        if self.crop_size is not None:
            _check_fits(self.crop_size, (h, w), "crop_size", "image")
        if msk.dtype != bool:
            info = np.iinfo(msk.dtype)
            if not info.min <= self.mask_fill <= info.max:
                raise ValueError(
                    f"`mask_fill` {self.mask_fill} does not fit the mask dtype {msk.dtype}."
                )
        elif self.mask_fill not in (0, 1):
            raise ValueError(f"`mask_fill` must be 0 or 1 for a bool mask, got {self.mask_fill}.")
        if self._is_slice(params):  # flips and crop only: exact, by slicing
            oh, ow = self.crop_size if self.crop_size is not None else (h, w)
            t, l = params["crop_top"], params["crop_left"]
            rows = (
                slice(h - 1 - t, h - 1 - t - oh, -1)
                if params["vertical_flip"]
                else slice(t, t + oh)
            )
            cols = (
                slice(w - 1 - l, w - 1 - l - ow, -1)
                if params["horizontal_flip"]
                else slice(l, l + ow)
            )
            if rows.stop is not None and rows.stop < 0:
                rows = slice(rows.start, None, -1)
            if cols.stop is not None and cols.stop < 0:
                cols = slice(cols.start, None, -1)
            return np.array(img[rows, cols], order="C"), np.array(
                msk[rows, cols], order="C"
            )  # copies

        matrix, offset, out_shape = self._matrix((h, w), params)
        rows, cols = _input_coords(
            matrix, offset, out_shape, scratch
        )  # once for the image and the mask
        n = len(rows)
        mask_rows = _map_axis(rows, h, "constant", scratch("mask_rows", (n,), np.float64), scratch)
        mask_cols = _map_axis(cols, w, "constant", scratch("mask_cols", (n,), np.float64), scratch)
        if self.interpolation_order > 1:
            out = self._resample_scipy(img, matrix, offset, out_shape)
        elif self.fill_mode == "constant":
            out = self._resample_fast(img, mask_rows, mask_cols, out_shape, scratch)
        else:
            img_rows = _map_axis(
                rows, h, self.fill_mode, scratch("img_rows", (n,), np.float64), scratch
            )
            img_cols = _map_axis(
                cols, w, self.fill_mode, scratch("img_cols", (n,), np.float64), scratch
            )
            out = self._resample_fast(img, img_rows, img_cols, out_shape, scratch)

        # The mask: nearest neighbour at the same coordinates, copying the labels
        # themselves (any integer dtype, exactly); from outside: `mask_fill`.
        labels = _padded(
            msk,
            "constant",
            np.array(self.mask_fill).astype(msk.dtype),
            scratch("labels", (1, h + 2, w + 2), msk.dtype),
        )
        return out, _to_pixels(
            _gather_nearest(labels, mask_rows, mask_cols, scratch), out_shape, msk.ndim, msk.dtype
        )

    def _resample_fast(self, img, rows, cols, out_shape, scratch: _Scratch):
        """Orders 0 and 1 at mapped coordinates: NumPy gathers of all channels at once, as scipy computes them."""
        h, w = img.shape[:2]
        channels = 1 if img.ndim == 2 else img.shape[2]
        if self.interpolation_order == 0:  # copies pixels: exact for every dtype
            fill = self._converted(np.full(1, self.cval, np.float32), img.dtype)[0]
            padded = _padded(
                img, self.fill_mode, fill, scratch("padded0", (channels, h + 2, w + 2), img.dtype)
            )
            out = _gather_nearest(padded, rows, cols, scratch)
        else:
            work = np.float64 if img.dtype == np.float64 else np.float32
            padded = _padded(
                img, self.fill_mode, self.cval, scratch("padded1", (channels, h + 2, w + 2), work)
            )
            out = self._converted(_gather_bilinear(padded, rows, cols, scratch), img.dtype)
        return _to_pixels(out, out_shape, img.ndim, img.dtype)

    @staticmethod
    def _converted(values, dtype):
        """Float results (changed in place) ready for the image dtype: integers rounded and clipped, bools
        thresholded."""
        if np.issubdtype(dtype, np.integer):
            info = np.iinfo(dtype)
            return np.clip(np.rint(values, out=values), info.min, info.max, out=values)
        if dtype == bool:
            return values >= 0.5
        return values

    def _resample_scipy(self, img, matrix, offset, out_shape):
        """Orders 2 to 5: spline prefilter and one ``scipy.ndimage.affine_transform`` per channel."""
        from scipy import ndimage

        order = self.interpolation_order
        # channel planes contiguous in memory: scipy is much faster on them
        planes = img[None] if img.ndim == 2 else np.ascontiguousarray(np.moveaxis(img, -1, 0))
        out = np.empty((planes.shape[0],) + out_shape, dtype=np.float32)
        for c in range(planes.shape[0]):
            ndimage.affine_transform(
                planes[c],
                matrix,
                offset,
                output_shape=out_shape,
                output=out[c],
                order=order,
                mode=self.fill_mode,
                cval=self.cval,
                prefilter=order > 1,
            )
        out = np.ascontiguousarray(
            self._converted(np.moveaxis(out, 0, -1), img.dtype).astype(img.dtype, copy=False)
        )
        return out[..., 0].copy() if img.ndim == 2 else out

    def augment(self, image, mask, seed=None):
        """Draw ONE set of parameters and apply it to ``image`` and ``mask``.

        Parameters
        ----------
        image : array_like
            ``(H, W)`` or ``(H, W, C)``, any dtype and number of channels.
        mask : array_like
            ``(H, W)`` or ``(H, W, 1)`` integer (or bool) labels.
        seed : None, int or numpy.random.Generator
            Same seed, same bytes.

        Returns
        -------
        (ndarray, ndarray)
        """
        img, msk = check_image_mask_pair(image, mask)
        return self._apply(img, msk, self.random_params(img.shape, seed), _Scratch())

    def augment_batch(self, images, masks, seed=None):
        """Augment each pair of a batch with its own random draw.

        Parameters
        ----------
        images : array_like
            ``(N, H, W[, C])``.
        masks : array_like
            ``(N, H, W[, 1])`` integer labels.
        seed : None, int or numpy.random.Generator

        Returns
        -------
        (ndarray, ndarray)
            ``(N, H', W'[, C])`` images and ``(N, H', W'[, 1])`` masks.

        Examples
        --------
        >>> x = np.zeros((3, 16, 16, 4), np.float32); y = np.ones((3, 16, 16), np.int64)
        >>> xa, ya = PairedAugmenter(rotation_range=45).augment_batch(x, y, seed=0)
        >>> xa.shape, ya.dtype, sorted(np.unique(ya).tolist())
        ((3, 16, 16, 4), dtype('int64'), [0, 1])
        """
        imgs, msks = check_image_mask_pair(
            images, masks, batch=True, image_name="images", mask_name="masks"
        )
        rng = as_generator(seed)
        scratch = _Scratch()  # reused by every pair of the batch
        pairs = [
            self._apply(i, m, self.random_params(i.shape, rng), scratch) for i, m in zip(imgs, msks)
        ]
        return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])

    def flow(
        self, images, masks, batch_size: int = 32, shuffle: bool = True, seed=None
    ) -> PairedBatchIterator:
        """Batches of augmented ``(images, masks)`` for ``model.fit``; see :class:`PairedBatchIterator`."""
        return PairedBatchIterator(
            images, masks, self, batch_size=batch_size, shuffle=shuffle, seed=seed
        )


class PairedBatchIterator(KerasDatasetMixin):
    """Shuffled batches of ``(images, masks)``, each pair augmented with one random draw.

    ``len()`` is ``ceil(n / batch_size)`` (the last batch may be smaller), the
    order is reshuffled after every epoch, and batch ``i`` of epoch ``e``
    always holds the same bytes for the same seed. A ``keras.utils.PyDataset``
    when Keras is installed: ``model.fit(it, epochs=...)`` needs nothing else.
    An epoch's order is made when the epoch starts (on creation,
    :meth:`on_epoch_end`, :meth:`reset`), so reading batches only reads it.

    Parameters
    ----------
    images : array_like
        ``(N, H, W[, C])``.
    masks : array_like
        ``(N, H, W[, 1])`` integer labels.
    augmenter : PairedAugmenter or None
        ``None`` yields the pairs unchanged (validation data).
    batch_size : int
        Pairs per batch, an integer >= 1.
    shuffle : bool
        A new order every epoch (fixed when the iterator is created).
    seed : None, int or numpy.random.Generator

    Notes
    -----
    Safe to index from several threads: an epoch's order is made before any
    batch of it is read, and reading a batch changes nothing.

    Examples
    --------
    >>> x = np.zeros((10, 16, 16, 3), np.uint8); y = np.zeros((10, 16, 16), np.uint8)
    >>> it = PairedBatchIterator(x, y, PairedAugmenter(horizontal_flip=True), batch_size=4, seed=0)
    >>> len(it), [b[0].shape[0] for b in it]
    (3, [4, 4, 2])
    """

    def __init__(
        self,
        images,
        masks,
        augmenter: PairedAugmenter | None = None,
        batch_size: int = 32,
        shuffle: bool = True,
        seed=None,
    ):
        imgs, msks = check_image_mask_pair(
            images, masks, batch=True, image_name="images", mask_name="masks"
        )
        if augmenter is not None and not isinstance(augmenter, PairedAugmenter):
            raise ValueError(
                f"`augmenter` must be a PairedAugmenter or None, got {type(augmenter).__name__}."
            )
        if augmenter is not None and augmenter.crop_size is not None:
            _check_fits(augmenter.crop_size, imgs.shape[1:3], "crop_size", "images")
        self.init_keras()
        self.images = imgs
        self.masks = msks
        self.augmenter = augmenter
        self.batch_size = check_batch_size(batch_size)
        self._shuffle = check_bool(shuffle, "shuffle")
        self._entropy = draw_entropy(seed)
        self._start_epoch(0)

    @property
    def n(self) -> int:
        """Number of pairs."""
        return len(self.images)

    samples = n

    @property
    def shuffle(self) -> bool:
        """Whether every epoch has its own order."""
        return self._shuffle

    @property
    def epoch(self) -> int:
        """The current epoch: 0 when created, one more after each :meth:`on_epoch_end`."""
        return self._epoch_and_order[0]

    def _start_epoch(self, epoch: int) -> None:
        order = epoch_order(self._entropy, epoch, self.n) if self._shuffle else np.arange(self.n)
        order.flags.writeable = False
        self._epoch_and_order = (epoch, order)  # one assignment: epoch and order always match

    def __len__(self) -> int:
        return math.ceil(self.n / self.batch_size)

    def index_array(self) -> np.ndarray:
        """Order of the pairs in the current epoch (a new array)."""
        return self._epoch_and_order[1].copy()

    def __getitem__(self, index):
        index = batch_index(index, len(self))
        epoch, order = self._epoch_and_order
        idx = order[index * self.batch_size : (index + 1) * self.batch_size]
        x, y = self.images[idx], self.masks[idx]
        if self.augmenter is None:
            return x, y
        return self.augmenter.augment_batch(x, y, seed=batch_rng(self._entropy, epoch, index, 1))

    def on_epoch_end(self) -> None:
        """Called by Keras after each epoch: next epoch, new order and new draws."""
        self._start_epoch(self.epoch + 1)

    def reset(self) -> None:
        """Go back to the first epoch (same order and draws as when created)."""
        self._start_epoch(0)

    def __repr__(self) -> str:
        return (
            f"PairedBatchIterator(n={self.n}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, batches={len(self)})"
        )
