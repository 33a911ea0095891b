"""Affine resampling of an image and its label map together: one function, two backends.

:func:`warp_pair` is the warp behind :class:`tutorial_lib.PairedAugmenter`. It takes a matrix
that maps OUTPUT ``(row, col)`` to INPUT ``(row, col)`` (``input = matrix @ out + offset``, the
convention of :func:`scipy.ndimage.affine_transform` and so of ``ImageDataGenerator``) and
resamples the image with spline order 0 (nearest) or 1 (bilinear), the labels with nearest
neighbour. Both backends compute what SciPy computes, with its four fill modes:

- ``constant``: every output pixel whose input coordinates are outside ``[0, H - 1] x
  [0, W - 1]`` gets ``cval`` (no blending with the fill at the border);
- ``nearest``: the edge repeated; ``reflect``: the half-sample mirror ``d c b a | a b c d``;
- ``wrap``: SciPy's wrap, which repeats with period ``n - 1`` (the first and last samples
  overlap).

The labels always get the constant fill ``label_fill`` outside, over the same region.

Backends
--------
``"opencv"``
    ``cv2.warpAffine`` with ``WARP_INVERSE_MAP``: ``INTER_LINEAR`` (order 1) or
    ``INTER_NEAREST`` (order 0) for the image, ``INTER_NEAREST`` for the labels;
    ``BORDER_REPLICATE`` for ``nearest`` and ``BORDER_REFLECT`` (``dcba|abcd``, the same
    mirror as SciPy's ``reflect``; ``BORDER_REFLECT_101`` would be ``dcb|abcd``) for
    ``reflect``. ``BORDER_CONSTANT`` blends the fill into a band one pixel wide around the
    picture (SciPy's ``grid-constant``), so the pixels outside the picture are overwritten with
    the fill afterwards; which pixels those are is computed exactly, row by row, with the
    arithmetic SciPy uses. No OpenCV border mode repeats with SciPy's period ``n - 1``, so
    ``wrap`` uses the NumPy kernel. Images go to OpenCV in chunks of 1, 3 or 4 channels (three
    as four: OpenCV's four-channel code is faster, even with the extra channel added and dropped);
    ``uint8``, ``uint16`` and ``float32`` images are interpolated as they are, other dtypes
    through ``float32`` and back (integers rounded and clipped, as the NumPy kernel does, so
    ``float64`` images are interpolated with ``float32`` precision here); nearest neighbour
    moves the bytes of any dtype unchanged.

    ``tutorial_lib`` does not require OpenCV: ``pip install tutorial_lib[fast]`` adds
    ``opencv-python-headless``. Colab already ships ``opencv-python``: do not install the
    headless wheel beside it (two wheels providing ``cv2`` in one environment break it).

``"numpy"``
    The reference: the output -> input coordinates computed once per pair with SciPy's
    arithmetic, all channels gathered at once (bilinear weights for the image, rounding for
    the labels); equal to :func:`scipy.ndimage.affine_transform` (tested).

Why the two backends may differ slightly
----------------------------------------
OpenCV 5 computes the sampling positions in ``float32`` and interpolates with ``float32``
weights: ``uint8`` images agree with the NumPy kernel within one grey level, and nearest
neighbour (the labels, and the image with order 0) picks another pixel only where a position
is within ``float32`` rounding of a half-pixel tie (exact ties round up, as in SciPy). OpenCV 4
(the 4.x wheels, as on Colab) rounds the sampling position to 1/32 pixel for bilinear interpolation
(``INTER_BITS = 5``, fixed-point weights), so a ``uint8`` pixel on a sharp 0-to-255 edge can
differ by up to 8 grey levels (2 x 255 / 64); and to 1/1024 pixel for nearest neighbour, so a
few tenths of a percent of the pixels, those next to half-pixel ties, take their neighbour's
value or label. In every case labels are copied, never invented, and the region filled from
outside the picture is the same.

Orders 2 to 5 call :func:`scipy.ndimage.affine_transform` for the image with either backend.
"""

from __future__ import annotations

import functools
import math

import numpy as np

__all__ = ["BACKENDS", "FILL_MODES", "Scratch", "resolve_backend", "warp_pair"]

BACKENDS = ("auto", "opencv", "numpy")
FILL_MODES = ("constant", "nearest", "reflect", "wrap")
_NATIVE = (np.dtype(np.uint8), np.dtype(np.uint16), np.dtype(np.float32))


@functools.cache
def _cv2():
    """The ``cv2`` module, or None when OpenCV does not import."""
    try:
        import cv2
    except ImportError:
        return None
    return cv2


def resolve_backend(backend: str) -> str:
    """The backend that ``backend`` means here: ``"opencv"`` or ``"numpy"``.

    ``"auto"`` is OpenCV when ``cv2`` imports, NumPy otherwise.

    Examples
    --------
    >>> resolve_backend("numpy")
    'numpy'
    >>> resolve_backend("auto") in ("opencv", "numpy")
    True
    """
    if backend not in BACKENDS:
        raise ValueError(f"`backend` must be one of {BACKENDS}, got {backend!r}.")
    if backend == "numpy":
        return "numpy"
    if _cv2() is None:
        if backend == "opencv":
            raise ImportError(
                "`backend='opencv'` needs OpenCV, but `import cv2` fails here. Install it with "
                "`pip install tutorial_lib[fast]` (opencv-python-headless; not beside Colab's "
                "opencv-python), or pass backend='auto' or backend='numpy'."
            )
        return "numpy"
    return "opencv"


def warp_pair(
    image: np.ndarray,
    labels: np.ndarray,
    matrix: np.ndarray,
    offset: np.ndarray,
    out_shape: tuple[int, int],
    *,
    order: int = 1,
    fill_mode: str = "constant",
    cval: float = 0.0,
    label_fill: int = 0,
    backend: str = "numpy",
    scratch: Scratch | None = None,
    out: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Resample ``image`` and ``labels`` with one affine map into NEW arrays of ``out_shape``
    (or into ``out``).

    Parameters
    ----------
    image : ndarray
        ``(H, W)`` or ``(H, W, C)``, any numeric or bool dtype, kept in the output.
    labels : ndarray
        ``(H, W)`` or ``(H, W, 1)`` integer or bool labels: nearest neighbour, constant
        ``label_fill`` outside the picture.
    matrix, offset : ndarray
        ``(2, 2)`` and ``(2,)``: output ``(row, col)`` -> input ``(row, col)``.
    out_shape : (int, int)
    order : int
        Spline order for the image, 0 to 5.
    fill_mode : {"constant", "nearest", "reflect", "wrap"}
        How the image is filled outside its borders (SciPy's conventions).
    cval : float
        Image fill for ``fill_mode="constant"``.
    label_fill : int
        The label given to pixels from outside the picture (must fit the labels' dtype).
    backend : {"numpy", "opencv"}
        From :func:`resolve_backend`.
    scratch : Scratch, optional
        Scratch arrays reused from one call to the next (one per thread).
    out : (ndarray, ndarray), optional
        C-contiguous arrays of the output shapes and the input dtypes to write the results to
        (a batch's slots: no copy afterwards).

    Returns
    -------
    (ndarray, ndarray)
        The image and the labels (``out`` when given).

    Examples
    --------
    >>> img = np.arange(12, dtype=np.uint8).reshape(3, 4); lab = (img > 5).astype(np.uint8)
    >>> flip = np.array([[1.0, 0.0], [0.0, -1.0]]), np.array([0.0, 3.0])  # columns reversed
    >>> out, out_lab = warp_pair(img, lab, *flip, (3, 4), backend=resolve_backend("auto"))
    >>> out[0].tolist(), out_lab[2].tolist()
    ([3, 2, 1, 0], [1, 1, 1, 1])
    """
    if backend not in ("numpy", "opencv"):
        raise ValueError(
            f"`backend` must be 'numpy' or 'opencv' (resolve_backend), got {backend!r}."
        )
    if fill_mode not in FILL_MODES:
        raise ValueError(f"`fill_mode` must be one of {FILL_MODES}, got {fill_mode!r}.")
    if order not in range(6):
        raise ValueError(f"`order` must be 0..5, got {order!r}.")
    matrix = np.asarray(matrix, dtype=np.float64)
    offset = np.asarray(offset, dtype=np.float64)
    out_shape = (int(out_shape[0]), int(out_shape[1]))
    if out is None:
        out = (
            np.empty(out_shape + image.shape[2:], image.dtype),
            np.empty(out_shape + labels.shape[2:], labels.dtype),
        )
    for arr, like, name in ((out[0], image, "image"), (out[1], labels, "labels")):
        if arr.shape != out_shape + like.shape[2:] or arr.dtype != like.dtype:
            raise ValueError(
                f"`out` for the {name} must have shape {out_shape + like.shape[2:]} and dtype "
                f"{like.dtype}, got {arr.shape} {arr.dtype}."
            )
        if not arr.flags.c_contiguous:
            raise ValueError(f"`out` for the {name} must be C-contiguous.")
    scratch = scratch or Scratch()
    window = _window(matrix, offset, image.shape[:2], out_shape)
    if window is not None:  # flips and crops: exact, by slicing
        np.copyto(out[0], image[window])
        np.copyto(out[1], labels[window])
    elif backend == "opencv" and fill_mode != "wrap":
        _warp_pair_opencv(
            image, labels, matrix, offset, order, fill_mode, cval, label_fill, scratch, out
        )
    else:
        _warp_pair_numpy(
            image, labels, matrix, offset, order, fill_mode, cval, label_fill, scratch, out
        )
    return out


def _window(matrix, offset, shape, out_shape):
    """Row and column slices when the map only flips and crops inside the picture, else None."""
    if matrix[0, 1] != 0 or matrix[1, 0] != 0:
        return None
    window = []
    for axis in (0, 1):
        step, start, n = matrix[axis, axis], offset[axis], out_shape[axis]
        if abs(step) != 1 or start != math.floor(start):
            return None
        start, step = int(start), int(step)
        stop = start + step * (n - 1)
        if not (0 <= start < shape[axis] and 0 <= stop < shape[axis]):
            return None
        window.append(slice(start, stop + step if stop + step >= 0 else None, step))
    return tuple(window)


@functools.lru_cache(maxsize=64)
def _fill_value(cval: float, dtype: np.dtype, order: int):
    """``cval`` in ``dtype`` as the NumPy kernel produces it (rounded and clipped for integers)."""
    work = np.float64 if (order == 1 and dtype == np.float64) else np.float32
    return _converted(np.full(1, cval, work), dtype).astype(dtype)[0]


@functools.lru_cache(maxsize=64)
def _label_value(label_fill: int, dtype: np.dtype):
    """``label_fill`` as a scalar of ``dtype`` (the caller checked that it fits)."""
    return np.array(label_fill).astype(dtype)[()]


def _converted(values: np.ndarray, dtype) -> np.ndarray:
    """Float results (changed in place) ready for ``dtype``: integers rounded and clipped, bools
    thresholded."""
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return np.clip(np.rint(values, out=values), info.min, info.max, out=values)
    if np.dtype(dtype).kind == "b":
        return values >= 0.5
    return values


def _warp_scipy(img, matrix, offset, order, fill_mode, cval, dst):
    """Orders 2 to 5: spline prefilter and one ``scipy.ndimage.affine_transform`` per channel,
    written to ``dst``."""
    from scipy import ndimage

    # channel planes contiguous in memory: scipy is much faster on them
    planes = img[None] if img.ndim == 2 else np.ascontiguousarray(np.moveaxis(img, -1, 0))
    out = np.empty((planes.shape[0],) + dst.shape[:2], dtype=np.float32)
    for c in range(planes.shape[0]):
        ndimage.affine_transform(
            planes[c],
            matrix,
            offset,
            output_shape=dst.shape[:2],
            output=out[c],
            order=order,
            mode=fill_mode,
            cval=cval,
            prefilter=order > 1,
        )
    values = _converted(np.moveaxis(out, 0, -1), img.dtype)
    np.copyto(dst, values.reshape(dst.shape), casting="unsafe")


# -- the OpenCV backend ----------------------------------------------------------------------


def _warp_pair_opencv(img, msk, matrix, offset, order, fill_mode, cval, label_fill, scratch, out):
    cv2 = _cv2()
    dst_img, dst_labels = out
    # (x, y) = (col, row) order for OpenCV: x_in = m11 x + m10 y + o1, y_in = m01 x + m00 y + o0
    m = np.array(
        [
            [matrix[1, 1], matrix[1, 0], offset[1]],
            [matrix[0, 1], matrix[0, 0], offset[0]],
        ]
    )
    outside = _outside(matrix, offset, img.shape[:2], dst_img.shape[:2], scratch)
    nearest, linear = cv2.INTER_NEAREST, cv2.INTER_LINEAR
    _warp_cv2(_as_bytes(msk), m, nearest, cv2.BORDER_CONSTANT, _as_bytes(dst_labels), scratch)
    if order > 1:
        _warp_scipy(img, matrix, offset, order, fill_mode, cval, dst_img)
    else:
        border = {
            "constant": cv2.BORDER_CONSTANT,
            "nearest": cv2.BORDER_REPLICATE,
            "reflect": cv2.BORDER_REFLECT,
        }[fill_mode]
        if order == 0:  # nearest neighbour moves bytes: exact for every dtype
            _warp_cv2(_as_bytes(img), m, nearest, border, _as_bytes(dst_img), scratch)
        elif img.dtype in _NATIVE:
            _warp_cv2(img, m, linear, border, dst_img, scratch)
        else:
            work = scratch("float32", dst_img.shape, np.float32)
            _warp_cv2(img.astype(np.float32), m, linear, border, work, scratch)
            np.copyto(dst_img, _converted(work, img.dtype), casting="unsafe")
    if outside is not None:
        value = _label_value(label_fill, msk.dtype)
        _fill_where(dst_labels, outside, scratch.full("label_fill", dst_labels, value))
        if fill_mode == "constant" and order <= 1:
            value = _fill_value(cval, img.dtype, order)
            _fill_where(dst_img, outside, scratch.full("image_fill", dst_img, value))


def _warp_cv2(arr, m, interpolation, border, dst, scratch) -> None:
    """``cv2.warpAffine`` of ``(H, W[, K])`` into ``dst``, in chunks of 1, 3 or 4 channels (the
    channel counts OpenCV 5 interpolates in ``float32``; other counts take older fixed-point
    code). Pixels from outside a constant fill get 0: the caller overwrites them."""
    cv2 = _cv2()
    k = 1 if arr.ndim == 2 else arr.shape[2]
    flags, size = interpolation | cv2.WARP_INVERSE_MAP, (dst.shape[1], dst.shape[0])
    if k == 3:  # four channels warp faster than three: add one and drop it again
        src4 = scratch("rgba_in", arr.shape[:2] + (4,), arr.dtype)
        dst4 = scratch("rgba_out", dst.shape[:2] + (4,), arr.dtype)
        cv2.cvtColor(np.ascontiguousarray(arr), cv2.COLOR_RGB2RGBA, dst=src4)
        cv2.warpAffine(src4, m, size, dst=dst4, flags=flags, borderMode=border)
        got = cv2.cvtColor(dst4, cv2.COLOR_RGBA2RGB, dst=dst)
    elif k in (1, 4):
        src, target = (arr[..., 0], dst[..., 0]) if arr.ndim == 3 and k == 1 else (arr, dst)
        got = cv2.warpAffine(
            np.ascontiguousarray(src), m, size, dst=target, flags=flags, borderMode=border
        )
    else:
        start = 0
        while start < k:
            step = 4 if k - start >= 4 else 3 if k - start == 3 else 1
            chunk = scratch("chunk", dst.shape[:2] + (step,), dst.dtype)
            _warp_cv2(arr[..., start : start + step], m, interpolation, border, chunk, scratch)
            dst[..., start : start + step] = chunk
            start += step
        return
    if got is not dst and not np.may_share_memory(got, dst):  # OpenCV made a new array
        np.copyto(dst, got.reshape(dst.shape))


def _as_bytes(arr: np.ndarray) -> np.ndarray:
    """``(H, W[, C])`` C-contiguous, any dtype -> a ``(H, W, K)`` view of the same bytes as
    ``uint8`` or ``uint16`` channels, which OpenCV's nearest neighbour copies unchanged."""
    arr = np.ascontiguousarray(arr)
    unit = np.uint16 if arr.dtype.itemsize in (2, 8) else np.uint8  # 4 bytes: four uint8
    return arr.view(unit).reshape(arr.shape[:2] + (-1,))


def _fill_where(arr: np.ndarray, where: np.ndarray, fill: np.ndarray) -> None:
    """``arr[where == 1] = fill[where == 1]`` in place, on all channels (``where`` is ``uint8``)."""
    if arr.size // where.size * arr.dtype.itemsize <= 512:  # OpenCV's largest channel count
        _cv2().copyTo(_as_bytes(fill), where, _as_bytes(arr))
    else:
        np.copyto(arr, fill, where=where.view(bool).reshape(where.shape + (1,) * (arr.ndim - 2)))


def _outside(matrix, offset, shape, out_shape, scratch):
    """``uint8`` map (1 = outside) of the output pixels whose input coordinates fall outside the
    picture, or None when there are none.

    SciPy computes the input coordinate of output ``(r, c)`` on axis ``i`` as
    ``(r * m[i, 0] + c * m[i, 1]) + offset[i]`` in double precision; along one output row that
    number is monotonic in ``c`` (rounding is monotonic), so the pixels inside ``[0, n - 1]``
    on both axes form one run of columns. Its ends are found from the straight-line solution
    and corrected with the exact expression, so the region is SciPy's to the last bit.
    """
    oh, ow = out_shape
    # Four boundaries per row, each "the first column from which the coordinate has reached
    # `bound`" as it moves along the row: where an axis enters [0, n - 1] (reached: >=) and
    # where it leaves it (reached: >). With `flip` = -1 for a coordinate that decreases along
    # the row, times -1 for a leaving boundary, "reached" is `(flip * (x - bound) < 0) ==
    # leaving`: the sign of a float difference is exact.
    rows = []  # per boundary: slope, offset, flip, bound, m[i, 0], slope or 1
    for axis in (0, 1):
        slope, n1 = float(matrix[axis, 1]), shape[axis] - 1.0
        enter, leave = (0.0, n1) if slope >= 0 else (n1, 0.0)
        sign = 1.0 if slope >= 0 else -1.0
        for flip, bound in ((sign, enter), (-sign, leave)):
            rows.append((slope, offset[axis], flip, bound, matrix[axis, 0], slope or 1.0))
    slope, off, flip, bound, coef, divisor = np.array(rows).T[:, :, None]
    base = np.arange(oh, dtype=np.float64) * coef  # r * m[i, 0], as SciPy
    leaving = np.array([False, True, False, True])[:, None]

    def reached(c):
        x = base + c * slope
        x += off  # the coordinate, to the bit as SciPy computes it
        x -= bound
        x *= flip
        return (x < 0) == leaving

    with np.errstate(over="ignore", invalid="ignore"):  # tiny slopes: far beyond the row
        solution = (bound - off - base) / divisor  # where the straight line meets the bound
        first = np.clip(np.ceil(solution), 0, ow)
        if (slope == 0).any():  # the same coordinate all along the row: all columns or none
            first = np.where(slope == 0, np.where(reached(0.0), 0.0, ow), first)
        # Rounding can only matter where the coordinate at a whole column is within rounding
        # error of the bound; there (and for tiny slopes), step to the exact answer.
        solution -= np.rint(solution)
        solution *= slope
    scale = max(shape) + max(out_shape) * float(np.abs(matrix).max()) + float(np.abs(offset).max())
    while not (np.abs(solution) >= 1e-9 * (1.0 + scale)).all():  # NaN: overflow, tiny slopes
        now, before = reached(np.stack([first, first - 1]))
        up = ~now & (first < ow)
        down = before & (first > 0)
        if not (up.any() or down.any()):
            break
        first += up
        first -= down
    lo = np.maximum(first[0], first[2])
    hi = np.minimum(first[1], first[3])
    if not lo.any() and (hi == ow).all():
        return None
    index = np.int16 if ow < 2**15 else np.int64  # small integers compare fastest
    cols, lo, hi = np.arange(ow, dtype=index), lo.astype(index), hi.astype(index)
    outside = np.less(cols, lo[:, None], out=scratch("outside", out_shape, bool))
    outside |= np.greater_equal(cols, hi[:, None], out=scratch("beyond", out_shape, bool))
    return outside.view(np.uint8)


# -- the NumPy backend: one coordinate grid per pair, all channels at once ---------------------


def _warp_pair_numpy(img, msk, matrix, offset, order, fill_mode, cval, label_fill, scratch, out):
    dst_img, dst_labels = out
    h, w = img.shape[:2]
    out_shape = dst_img.shape[:2]
    rows, cols = _input_coords(matrix, offset, out_shape, scratch)  # for the image and the labels
    n = len(rows)
    mask_rows = _map_axis(rows, h, "constant", scratch("mask_rows", (n,), np.float64), scratch)
    mask_cols = _map_axis(cols, w, "constant", scratch("mask_cols", (n,), np.float64), scratch)
    if order > 1:
        _warp_scipy(img, matrix, offset, order, fill_mode, cval, dst_img)
    elif fill_mode == "constant":
        _resample_fast(img, mask_rows, mask_cols, order, fill_mode, cval, scratch, dst_img)
    else:
        img_rows = _map_axis(rows, h, fill_mode, scratch("img_rows", (n,), np.float64), scratch)
        img_cols = _map_axis(cols, w, fill_mode, scratch("img_cols", (n,), np.float64), scratch)
        _resample_fast(img, img_rows, img_cols, order, fill_mode, cval, scratch, dst_img)
    # The labels: nearest neighbour at the same coordinates, copying the labels themselves (any
    # integer dtype, exactly); from outside: `label_fill`.
    padded = _padded(
        msk,
        "constant",
        np.array(label_fill).astype(msk.dtype),
        scratch("labels", (1, h + 2, w + 2), msk.dtype),
    )
    _to_pixels(_gather_nearest(padded, mask_rows, mask_cols, scratch), dst_labels)


class Scratch:
    """Scratch arrays reused from one pair to the next by the NumPy backend.

    The resampling works on a few arrays as large as the output; allocating them afresh for
    every pair makes the C library hand memory back to the system and fault it in again, which
    can triple the time. One ``Scratch`` per batch (never shared between threads) keeps them.
    """

    def __init__(self):
        self._arrays = {}
        self._filled = {}

    def __call__(self, name: str, shape, dtype) -> np.ndarray:
        size = math.prod(shape)
        buf = self._arrays.get(name)
        if buf is None or buf.dtype != dtype or buf.size < size:
            buf = self._arrays[name] = np.empty(size, dtype)
        return buf[:size].reshape(shape)

    def full(self, name: str, like: np.ndarray, value) -> np.ndarray:
        """An array of the shape and dtype of ``like`` holding ``value`` everywhere; filled
        again only when something changed since the last call."""
        buf = self(name, like.shape, like.dtype)
        key = (like.shape, like.dtype, np.asarray(value).tobytes(), id(self._arrays[name]))
        if self._filled.get(name) != key:
            buf[...] = value
            self._filled[name] = key
        return buf


def _input_coords(matrix, offset, out_shape, scratch: Scratch):
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


def _map_axis(x, n: int, mode: str, out: np.ndarray, scratch: Scratch) -> np.ndarray:
    """scipy's ``map_coordinate``, written to ``out``: bring coordinates outside ``[0, n - 1]``
    back inside.

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
    """``(H, W[, C])`` -> channel planes ``out`` of shape ``(C, H + 2, W + 2)`` with a one-pixel
    border.

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


def _floor_index(x, scratch: Scratch, name: str, half: bool) -> np.ndarray:
    """``floor(x)`` (or ``floor(x + 0.5)`` when ``half``) as integers, written to scratch
    ``name``."""
    tmp = scratch("floor", x.shape, np.float64)
    if half:
        np.add(x, 0.5, out=tmp)
        np.floor(tmp, out=tmp)
    else:
        np.floor(x, out=tmp)
    idx = scratch(name, x.shape, np.intp)
    np.copyto(idx, tmp, casting="unsafe")  # whole numbers: exact
    return idx


def _gather_nearest(padded: np.ndarray, rows, cols, scratch: Scratch) -> np.ndarray:
    """Order 0 on padded planes ``(C, H + 2, W + 2)`` at mapped coordinates in ``[-1, n)``: a
    new ``(C, points)``."""
    wp = padded.shape[2]
    i = _floor_index(rows, scratch, "i", half=True)
    j = _floor_index(cols, scratch, "j", half=True)
    i *= wp
    i += j
    i += wp + 1  # the border: padded index = index + 1 on both axes
    return np.take(padded.reshape(len(padded), -1), i, axis=1, mode="clip")


def _gather_bilinear(padded: np.ndarray, rows, cols, scratch: Scratch) -> np.ndarray:
    """Order 1 on padded float planes ``(C, H + 2, W + 2)`` at mapped coordinates in ``[-1, n)``.

    Returns ``(C, points)`` in a scratch array.
    """
    wp, dtype, n = padded.shape[2], padded.dtype, len(rows)
    flat = padded.reshape(len(padded), -1)
    weights = []
    for x, name in ((rows, "i"), (cols, "j")):
        _floor_index(
            x, scratch, name, half=False
        )  # integer parts to scratch `name`, floors to "floor"
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


def _to_pixels(values: np.ndarray, dst: np.ndarray) -> None:
    """Channel planes ``(C, points)`` -> the channels-last image ``dst`` (cast to its dtype)."""
    if dst.ndim == 2:
        np.copyto(dst, values.reshape(dst.shape), casting="unsafe")
    else:
        np.copyto(dst.reshape(-1, len(values)), values.T, casting="unsafe")


def _resample_fast(img, rows, cols, order, fill_mode, cval, scratch: Scratch, dst) -> None:
    """Orders 0 and 1 at mapped coordinates, written to ``dst``: NumPy gathers of all channels at
    once, as scipy computes them."""
    h, w = img.shape[:2]
    channels = 1 if img.ndim == 2 else img.shape[2]
    if order == 0:  # copies pixels: exact for every dtype
        padded = _padded(
            img,
            fill_mode,
            _fill_value(cval, img.dtype, 0),
            scratch("padded0", (channels, h + 2, w + 2), img.dtype),
        )
        _to_pixels(_gather_nearest(padded, rows, cols, scratch), dst)
    else:
        work = np.float64 if img.dtype == np.float64 else np.float32
        padded = _padded(img, fill_mode, cval, scratch("padded1", (channels, h + 2, w + 2), work))
        _to_pixels(_converted(_gather_bilinear(padded, rows, cols, scratch), img.dtype), dst)
