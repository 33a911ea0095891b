"""Tests of tutorial_lib._resample: the NumPy kernel is SciPy's; OpenCV agrees with it."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

from tutorial_lib import _resample
from tutorial_lib._resample import FILL_MODES, Scratch, resolve_backend, warp_pair
from tutorial_lib.paired import PairedAugmenter

try:
    import cv2
except ImportError:  # the OpenCV tests need the development requirements (opencv-python-headless)
    cv2 = None

needs_cv2 = pytest.mark.skipif(cv2 is None, reason="OpenCV (cv2) is not installed")
# OpenCV 5 samples at float32 positions; OpenCV 4 rounds them to 1/32 pixel (bilinear: up to
# 2 x range / 64 on a sharp edge) and 1/1024 pixel (nearest neighbour): the documented agreement.
OPENCV_5 = cv2 is not None and int(cv2.__version__.split(".")[0]) >= 5
GREY_LEVELS = 1 if OPENCV_5 else 8  # uint8
OF_THE_RANGE = 1e-5 if OPENCV_5 else 1 / 32  # float images
LABELS_AGREE = 0.999 if OPENCV_5 else 0.995  # nearest neighbour: labels, order-0 images
BOOLS_AGREE = 0.999 if OPENCV_5 else 0.99  # bool images, bilinear then thresholded


def _same_pixels(a, b):
    """The fraction of pixels equal in every channel."""
    return np.mean((a == b).reshape(a.shape[:2] + (-1,)).all(axis=-1))


def _labels(h, w, values, dtype, seed):
    return np.random.default_rng(seed).choice(np.asarray(values), size=(h, w)).astype(dtype)


def _scipy_reference(image, labels, matrix, offset, out_shape, order, mode, cval, label_fill):
    """One ``scipy.ndimage.affine_transform`` per channel in float64; the labels resampled as an
    index image (nearest neighbour, -1 outside) and read there, ``label_fill`` where -1."""
    planes = image[..., None] if image.ndim == 2 else image
    out = np.stack(
        [
            ndimage.affine_transform(
                planes[..., k].astype(np.float64),
                matrix,
                offset,
                output_shape=out_shape,
                order=order,
                mode=mode,
                cval=cval,
                prefilter=order > 1,
            )
            for k in range(planes.shape[-1])
        ],
        axis=-1,
    )
    h, w = labels.shape[:2]
    where = ndimage.affine_transform(
        np.arange(h * w).reshape(h, w),
        matrix,
        offset,
        output_shape=out_shape,
        output=np.int64,
        order=0,
        mode="constant",
        cval=-1,
        prefilter=False,
    )
    got = labels.reshape(h * w)[np.maximum(where, 0)]
    got[where < 0] = label_fill
    return (out[..., 0] if image.ndim == 2 else out), got.reshape(out_shape + labels.shape[2:])


# --- the NumPy kernel is SciPy's -------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    matrix=st.lists(st.integers(-8, 8), min_size=4, max_size=4),
    offset=st.lists(st.integers(-40, 40), min_size=2, max_size=2),
    order=st.integers(0, 1),
    fill_mode=st.sampled_from(FILL_MODES),
    h=st.integers(1, 9),
    w=st.integers(1, 9),
    out_hw=st.tuples(st.integers(1, 12), st.integers(1, 12)),
    seed=st.integers(0, 2**31),
)
def test_numpy_kernel_matches_scipy_on_any_affine_map(
    matrix, offset, order, fill_mode, h, w, out_hw, seed
):
    """Matrices and offsets in steps of 1/4: far outside the picture (every fill mode folds the
    coordinates back, 'wrap' with scipy's period n - 1) and exact .5 ties for nearest neighbour."""
    m = np.array(matrix, dtype=float).reshape(2, 2) / 4
    off = np.array(offset, dtype=float) / 4
    image = np.random.default_rng(seed).random((h, w, 2))
    labels = _labels(h, w, [3, 5], np.int32, seed)
    args = (m, off, out_hw)
    kw = dict(order=order, fill_mode=fill_mode, cval=0.25, label_fill=0, backend="numpy")
    out_i, out_l = warp_pair(image, labels, *args, **kw)
    ref_i, ref_l = _scipy_reference(image, labels, *args, order, fill_mode, 0.25, 0)
    np.testing.assert_allclose(out_i, ref_i, rtol=0, atol=1e-12)
    assert np.array_equal(out_l, ref_l)


@settings(max_examples=50, deadline=None)
@given(
    rotation=st.sampled_from([0, 15, 90, 180]),
    shifts=st.sampled_from([0.0, 0.2, 3.0]),
    zoom=st.sampled_from([0.0, 0.3, (0.5, 1.5)]),
    shear=st.sampled_from([0.0, 20.0]),
    flips=st.booleans(),
    order=st.integers(0, 3),
    fill_mode=st.sampled_from(FILL_MODES),
    h=st.integers(1, 14),
    w=st.integers(1, 14),
    c=st.sampled_from([None, 1, 3]),
    image_dtype=st.sampled_from([np.float32, np.float64, np.uint8, np.uint16]),
    cval=st.sampled_from([0.0, 0.5, 7.0]),
    crop=st.booleans(),
    seed=st.integers(0, 2**31),
)
def test_numpy_backend_of_the_paired_augmenter_equals_scipy(
    rotation, shifts, zoom, shear, flips, order, fill_mode, h, w, c, image_dtype, cval, crop, seed
):
    """Every fill mode, orders 0-3, any size down to 1 pixel: the image as scipy computes it, the
    mask exactly."""
    rng = np.random.default_rng(seed)
    shape = (h, w) if c is None else (h, w, c)
    scale = 1.0 if np.issubdtype(image_dtype, np.floating) else 200.0
    image = (rng.random(shape) * scale).astype(image_dtype)
    mask = _labels(h, w, [1, 2, 9], np.uint8, seed + 1)
    aug = PairedAugmenter(
        rotation_range=rotation,
        width_shift_range=shifts,
        height_shift_range=shifts,
        zoom_range=zoom,
        shear_range=shear,
        horizontal_flip=flips,
        vertical_flip=flips,
        interpolation_order=order,
        fill_mode=fill_mode,
        crop_size=(max(1, h - 2), max(1, w // 2)) if crop else None,
        cval=cval,
        mask_fill=4,
        backend="numpy",
    )
    p = aug.random_params((h, w), seed=seed)
    out_i, out_m = aug.apply(image, mask, p)
    ref_i, ref_m = _scipy_reference(image, mask, *aug._matrix(p), order, fill_mode, cval, 4)
    assert out_i.shape == ref_i.shape and out_i.dtype == image.dtype
    if np.issubdtype(image.dtype, np.integer):  # rounded to the dtype: at most one step apart
        ref_i = np.clip(np.rint(ref_i), 0, np.iinfo(image.dtype).max)
        assert np.abs(out_i.astype(np.float64) - ref_i).max() <= (0 if order == 0 else 1)
    else:  # float images: to 1e-5 of the value range (float32 arithmetic)
        np.testing.assert_allclose(out_i.astype(np.float64), ref_i, rtol=0, atol=1e-5)
    assert np.array_equal(out_m, ref_m)


@pytest.mark.parametrize("order", [2, 3, 5])
def test_higher_orders_call_scipy_with_either_backend(order):
    image = np.random.default_rng(0).random((12, 10, 2)).astype(np.float32)
    labels = _labels(12, 10, [1, 2], np.uint8, 0)
    m, off = np.array([[0.9, 0.2], [-0.3, 1.1]]), np.array([1.5, -2.0])
    ref_i, ref_l = _scipy_reference(image, labels, m, off, (9, 11), order, "reflect", 0.0, 7)
    for backend in ("numpy",) + (("opencv",) if cv2 is not None else ()):
        kw = dict(order=order, fill_mode="reflect", label_fill=7, backend=backend)
        out_i, out_l = warp_pair(image, labels, m, off, (9, 11), **kw)
        np.testing.assert_allclose(out_i, ref_i, rtol=0, atol=1e-5)
        assert np.array_equal(out_l, ref_l), backend


# --- which output pixels come from outside the picture: SciPy's region, to the bit -----------


def _outside_brute_force(matrix, offset, shape, out_shape):
    """Every output pixel's input coordinates, computed as SciPy computes them."""
    rows = np.arange(out_shape[0], dtype=np.float64)
    cols = np.arange(out_shape[1], dtype=np.float64)
    outside = np.zeros(out_shape, bool)
    for axis in (0, 1):
        x = (rows * matrix[axis, 0])[:, None] + (cols * matrix[axis, 1])[None, :]
        x += offset[axis]
        outside |= (x < 0) | (x > shape[axis] - 1)
    return outside


@settings(max_examples=150, deadline=None)
@given(
    quarters=st.booleans(),
    entries=st.lists(st.integers(-12, 12), min_size=6, max_size=6),
    floats=st.lists(st.floats(-3, 3), min_size=4, max_size=4),
    shifts=st.lists(st.floats(-60, 60), min_size=2, max_size=2),
    shape=st.tuples(st.integers(1, 30), st.integers(1, 30)),
    out_shape=st.tuples(st.integers(1, 40), st.integers(1, 40)),
)
def test_outside_region_is_scipys(quarters, entries, floats, shifts, shape, out_shape):
    """Matrices in steps of 1/4 (exact ties on the border, zero slopes, whole rows on the edge)
    or any floats: the rows' runs of inside pixels are SciPy's exactly."""
    if quarters:
        matrix = np.array(entries[:4], float).reshape(2, 2) / 4
        offset = np.array(entries[4:], float) / 4 * 3
    else:
        matrix, offset = np.array(floats).reshape(2, 2), np.array(shifts)
    got = _resample._outside(matrix, offset, shape, out_shape, Scratch())
    expected = _outside_brute_force(matrix, offset, shape, out_shape)
    got = np.zeros(out_shape, bool) if got is None else got.view(bool)
    assert np.array_equal(got, expected)


def test_outside_region_with_tiny_slopes():
    """A rotation by (almost) 90 or 180 degrees: slopes of 1e-16 along the rows."""
    for angle in (90.0, 180.0, 270.0, 89.999999, 1e-9):
        t = np.deg2rad(angle)
        matrix = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
        for offset in ([0.0, 15.0], [15.0, 15.0], [15.0, 0.0], [-0.5, 7.25]):
            offset = np.array(offset)
            got = _resample._outside(matrix, offset, (16, 16), (16, 16), Scratch())
            got = np.zeros((16, 16), bool) if got is None else got.view(bool)
            assert np.array_equal(got, _outside_brute_force(matrix, offset, (16, 16), (16, 16)))


# --- the OpenCV backend agrees with the NumPy kernel -----------------------------------------

GEOMETRY = st.fixed_dictionaries(
    {
        "rotation_range": st.sampled_from([15, 45, 180]),
        "width_shift_range": st.sampled_from([0.0, 0.2, 3.0]),
        "height_shift_range": st.sampled_from([0.0, 0.3]),
        "zoom_range": st.sampled_from([0.1, (0.5, 1.5)]),
        "shear_range": st.sampled_from([0.0, 20.0]),
        "horizontal_flip": st.booleans(),
        "vertical_flip": st.booleans(),
    }
)


@needs_cv2
@settings(max_examples=80, deadline=None)
@given(
    geometry=GEOMETRY,
    fill_mode=st.sampled_from(FILL_MODES),
    order=st.integers(0, 1),
    channels=st.sampled_from([None, 1, 3, 4]),
    h=st.integers(32, 64),
    w=st.integers(32, 64),
    cval=st.sampled_from([0.0, 17.0, 255.0]),
    crop=st.booleans(),
    seed=st.integers(0, 2**31),
)
def test_opencv_agrees_with_numpy_on_random_draws(
    geometry, fill_mode, order, channels, h, w, cval, crop, seed
):
    """uint8 noise (the hardest case for interpolation) and random labels, the same drawn
    parameters: images within a grey level, masks on at least 99.9 % of the pixels (OpenCV 5)."""
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (h, w) if channels is None else (h, w, channels), np.uint8)
    mask = _labels(h, w, [1, 2, 3, 9], np.uint8, seed)
    kw = dict(geometry, fill_mode=fill_mode, interpolation_order=order, cval=cval, mask_fill=5)
    kw["crop_size"] = (h - 5, w // 2) if crop else None
    numpy_aug = PairedAugmenter(**kw, backend="numpy")
    opencv_aug = PairedAugmenter(**kw, backend="opencv")
    params = numpy_aug.random_params(image.shape, seed=seed)
    ref_i, ref_m = numpy_aug.apply(image, mask, params)
    out_i, out_m = opencv_aug.apply(image, mask, params)
    assert out_i.shape == ref_i.shape and out_i.dtype == np.uint8 and out_m.dtype == np.uint8
    if order == 0:  # nearest neighbour: the same pixels chosen, but at half-pixel ties
        assert _same_pixels(out_i, ref_i) >= LABELS_AGREE
    else:
        assert np.abs(out_i.astype(int) - ref_i.astype(int)).max() <= GREY_LEVELS
    assert np.mean(out_m == ref_m) >= LABELS_AGREE
    assert set(np.unique(out_m).tolist()) <= {1, 2, 3, 9, 5}


@needs_cv2
@pytest.mark.parametrize(
    "dtype", [np.uint8, np.uint16, np.int16, np.int32, np.float32, np.float64, bool]
)
@pytest.mark.parametrize("channels", [None, 1, 2, 3, 5, 8])
@pytest.mark.parametrize("order", [0, 1])
def test_opencv_keeps_every_dtype_and_channel_count(dtype, channels, order):
    """Channels go to OpenCV in chunks of 1, 3 or 4; uint8/uint16/float32 natively, other dtypes
    through float32 (bilinear) or as bytes (nearest neighbour, exact)."""
    rng = np.random.default_rng(0)
    shape = (40, 36) if channels is None else (40, 36, channels)
    image = rng.random(shape) > 0.5 if dtype is bool else (rng.random(shape) * 200).astype(dtype)
    labels = _labels(40, 36, [0, 4], np.uint8, 1)
    # no round numbers: sampling positions at exact half-pixel ties round differently in float32
    m, off = np.array([[0.9537, 0.3013], [-0.2471, 1.0519]]), np.array([-3.217, 4.733])
    kw = dict(order=order, fill_mode="constant", cval=7.0, label_fill=2)
    ref_i, ref_l = warp_pair(image, labels, m, off, (38, 42), backend="numpy", **kw)
    out_i, out_l = warp_pair(image, labels, m, off, (38, 42), backend="opencv", **kw)
    assert out_i.shape == ref_i.shape == (38, 42) + shape[2:] and out_i.dtype == image.dtype
    if order == 0:  # bytes moved, the same pixels chosen (OpenCV 4: but at half-pixel ties)
        assert _same_pixels(out_i, ref_i) >= (1.0 if OPENCV_5 else LABELS_AGREE)
    elif dtype is bool:
        assert np.mean(out_i == ref_i) >= BOOLS_AGREE  # thresholded at 0.5: ties may flip
    else:  # integers rounded: one step apart (OpenCV 4: a 32nd of the range), floats closer
        integer = np.issubdtype(dtype, np.integer)
        tolerance = max(1, 200 * OF_THE_RANGE) if integer else 200 * OF_THE_RANGE
        np.testing.assert_allclose(out_i.astype(float), ref_i.astype(float), atol=tolerance)
    assert np.mean(out_l == ref_l) >= LABELS_AGREE


@needs_cv2
@pytest.mark.parametrize("dtype", [np.int8, np.uint16, np.int32, np.uint32, np.int64, bool])
def test_opencv_copies_labels_of_any_dtype_exactly(dtype):
    """Labels move as bytes: huge int64 labels and bool masks come out unchanged, never mixed."""
    if dtype is bool:
        values, fill = [False, True], 0
    else:
        info = np.iinfo(dtype)
        values, fill = [info.min, 0, 1, info.max], -1 if info.min < 0 else 3
    labels = _labels(30, 30, values, dtype, 0)
    image = np.zeros((30, 30), np.uint8)
    m, off = np.array([[0.8137, 0.4021], [-0.3977, 0.8213]]), np.array([2.071, 9.113])
    kw = dict(order=1, label_fill=fill)
    _, ref = warp_pair(image, labels, m, off, (30, 30), backend="numpy", **kw)
    _, got = warp_pair(image, labels, m, off, (30, 30), backend="opencv", **kw)
    assert got.dtype == labels.dtype
    assert set(np.unique(got).tolist()) <= set(np.asarray(values).tolist()) | {fill}
    assert np.mean(got == ref) >= LABELS_AGREE


@needs_cv2
def test_opencv_fills_more_bytes_per_pixel_than_opencv_takes():
    """130 float32 channels (520 bytes a pixel): the constant fill is written with NumPy."""
    image = np.random.default_rng(0).random((20, 20, 130)).astype(np.float32)
    labels = _labels(20, 20, [1, 2], np.uint8, 0)
    m, off = np.array([[1.0113, 0.2087], [-0.1931, 0.9967]]), np.array([-4.031, 3.017])
    kw = dict(order=1, cval=-1.0, label_fill=0)
    ref_i, ref_l = warp_pair(image, labels, m, off, (20, 20), backend="numpy", **kw)
    out_i, out_l = warp_pair(image, labels, m, off, (20, 20), backend="opencv", **kw)
    np.testing.assert_allclose(out_i, ref_i, atol=OF_THE_RANGE)
    assert (out_i == -1.0).all(axis=-1).sum() == (ref_i == -1.0).all(axis=-1).sum() > 0
    assert np.mean(out_l == ref_l) >= LABELS_AGREE


@needs_cv2
def test_opencv_wrap_is_scipys_wrap():
    """SciPy's 'wrap' repeats with period n - 1 (no OpenCV border mode does): the NumPy kernel."""
    row = np.arange(5, dtype=np.float32)[None, :] * np.ones((3, 1), np.float32)
    labels = np.ones((3, 5), np.uint8)
    out, _ = warp_pair(
        row, labels, np.eye(2), np.array([0.0, -3.0]), (3, 5), fill_mode="wrap", backend="opencv"
    )
    assert out[1].tolist() == [1, 2, 3, 0, 1]


# --- arguments, outputs, backends ------------------------------------------------------------


def test_out_arrays_are_written_in_place():
    image = np.arange(48, dtype=np.uint8).reshape(4, 4, 3)
    labels = np.ones((4, 4), np.int64)
    m, off = np.array([[1.0, 0.1], [0.0, 1.0]]), np.array([0.5, 0.0])
    for backend in ("numpy",) + (("opencv",) if cv2 is not None else ()):
        out = np.zeros((4, 4, 3), np.uint8), np.zeros((4, 4), np.int64)
        got = warp_pair(image, labels, m, off, (4, 4), backend=backend, out=out)
        assert got[0] is out[0] and got[1] is out[1]
        again = warp_pair(image, labels, m, off, (4, 4), backend=backend)
        assert np.array_equal(again[0], out[0]) and np.array_equal(again[1], out[1])
    with pytest.raises(ValueError, match="`out` for the image must have shape"):
        warp_pair(image, labels, m, off, (4, 4), out=(np.zeros((4, 4), np.uint8), out[1]))
    with pytest.raises(ValueError, match="`out` for the labels must be C-contiguous"):
        warp_pair(image, labels, m, off, (4, 4), out=(out[0], np.zeros((4, 8), np.int64)[:, ::2]))


def test_argument_errors():
    image, labels = np.zeros((4, 4)), np.zeros((4, 4), np.uint8)
    with pytest.raises(ValueError, match="`backend`"):
        warp_pair(image, labels, np.eye(2), np.zeros(2), (4, 4), backend="auto")
    with pytest.raises(ValueError, match="`fill_mode`"):
        warp_pair(image, labels, np.eye(2), np.zeros(2), (4, 4), fill_mode="mirror")
    with pytest.raises(ValueError, match="`order`"):
        warp_pair(image, labels, np.eye(2), np.zeros(2), (4, 4), order=6)
    with pytest.raises(ValueError, match="`backend` must be one of"):
        resolve_backend("cv2")


def test_resolve_backend(monkeypatch):
    assert resolve_backend("numpy") == "numpy"
    assert resolve_backend("auto") == ("numpy" if cv2 is None else "opencv")
    monkeypatch.setattr(_resample, "_cv2", lambda: None)  # as without OpenCV
    assert resolve_backend("auto") == "numpy"
    with pytest.raises(ImportError, match="backend='opencv'.*tutorial_lib\\[fast\\]"):
        resolve_backend("opencv")
