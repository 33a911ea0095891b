"""The gather-based warp of tutorial_lib._affine_warp against TensorFlow's own kernel.

``affine_warp`` must give the pixels of ``keras.ops.image.affine_transform`` with the
TensorFlow backend (``ImageProjectiveTransformV3``) for every fill mode and interpolation:
exactly where the arithmetic is exact (matrices of sixteenths, so that halves, borders and
neighbours outside the input are hit on the nose), and to float precision for any matrix.
Under JAX the fused layer's tests (test_generator_augment.py) run it again.
"""

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutorial_lib._affine_warp import affine_warp
from tutorial_lib._xla import xla_compiled

FILL_MODES = ("nearest", "constant", "reflect", "wrap")
INTERPOLATIONS = ("bilinear", "nearest")
pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="TensorFlow's kernel is the reference"
)


def numpy(x):
    return keras.ops.convert_to_numpy(x)


WARPS = {"eager": affine_warp, "xla": xla_compiled(affine_warp)}


def matrices_of(rows):
    """(N, 3, 3) affine matrices of (N, 6) rows."""
    rows = np.asarray(rows, "float32")
    bottom = np.tile(np.array([[0.0, 0.0, 1.0]], "float32"), (len(rows), 1))
    return np.concatenate([rows, bottom], axis=1).reshape(-1, 3, 3)


def kernel(images, rows, interpolation, fill_mode, fill_value):
    transforms = np.pad(np.asarray(rows, "float32"), ((0, 0), (0, 2)))  # c0 = c1 = 0
    return numpy(
        keras.ops.image.affine_transform(
            images,
            transforms,
            interpolation=interpolation,
            fill_mode=fill_mode,
            fill_value=fill_value,
            data_format="channels_last",
        )
    )


sixteenths = st.integers(-48, 48).map(lambda k: k / 16)
offsets = st.integers(-256, 256).map(lambda k: k / 16)


@pytest.mark.parametrize("warp", WARPS)
@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 3),
    height=st.integers(1, 7),
    width=st.integers(1, 7),
    channels=st.integers(1, 3),
    data=st.data(),
    interpolation=st.sampled_from(INTERPOLATIONS),
    fill_mode=st.sampled_from(FILL_MODES),
)
def test_exact_matrices_give_the_kernels_pixels(
    warp, n, height, width, channels, data, interpolation, fill_mode
):
    rows = data.draw(
        st.lists(
            st.tuples(sixteenths, sixteenths, offsets, sixteenths, sixteenths, offsets),
            min_size=n,
            max_size=n,
        )
    )
    images = np.random.default_rng(n * height).uniform(0, 255, (n, height, width, channels))
    images = images.astype("float32")
    expected = kernel(images, rows, interpolation, fill_mode, -3.0)
    got = numpy(WARPS[warp](images, matrices_of(rows), interpolation, fill_mode, -3.0))
    np.testing.assert_allclose(got, expected, atol=1e-3, rtol=0)


@pytest.mark.parametrize("warp", WARPS)
@pytest.mark.parametrize("fill_mode", FILL_MODES)
@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
def test_any_matrix_gives_the_kernels_pixels(warp, interpolation, fill_mode):
    """Random matrices: the source points are the kernel's to an ulp, so only a point within an
    ulp of a rounding edge (nearest interpolation) may take the other neighbour."""
    rng = np.random.default_rng(7)
    images = rng.uniform(0, 255, (6, 11, 17, 3)).astype("float32")
    rows = rng.uniform(-2.0, 2.0, (6, 6))
    rows[:, [2, 5]] = rng.uniform(-30.0, 30.0, (6, 2))
    expected = kernel(images, rows, interpolation, fill_mode, 9.0)
    got = numpy(WARPS[warp](images, matrices_of(rows), interpolation, fill_mode, 9.0))
    mismatched = np.mean(np.abs(got - expected) > 1e-2)
    assert mismatched <= (0.002 if interpolation == "nearest" else 0), mismatched


@pytest.mark.parametrize("warp", WARPS)
@pytest.mark.parametrize("dtype", ["float32", "float16", "uint8", "int32"])
def test_dtype_kept_or_given_and_one_matrix_for_the_batch(warp, dtype):
    images = np.arange(2 * 5 * 4 * 2).reshape(2, 5, 4, 2).astype(dtype)
    shift = matrices_of([[1, 0, 1, 0, 1, 0]])  # reads one column to the right
    out = WARPS[warp](images, shift, "nearest", "constant", 0.0)
    assert keras.backend.standardize_dtype(out.dtype) == dtype
    as_float = WARPS[warp](images, shift, "bilinear", "constant", 0.0, "float32")
    np.testing.assert_array_equal(numpy(as_float), numpy(out).astype("float32"))
    out = numpy(out)
    np.testing.assert_array_equal(out[:, :, :-1], images[:, :, 1:])
    np.testing.assert_array_equal(out[:, :, -1], 0)


@pytest.mark.parametrize("warp", WARPS)
def test_identity_returns_the_images(warp):
    images = np.random.default_rng(1).uniform(0, 1, (3, 9, 6, 4)).astype("float32")
    identity = matrices_of([[1, 0, 0, 0, 1, 0]])
    for fill_mode in FILL_MODES:
        for interpolation in INTERPOLATIONS:
            out = WARPS[warp](images, identity, interpolation, fill_mode, 5.0)
            np.testing.assert_array_equal(numpy(out), images)


def test_shapes_known_only_at_run_time():
    """Traced with unknown height and width (tf.data without ensure_shape), then compiled."""
    import tensorflow as tf

    images = np.random.default_rng(2).uniform(0, 255, (2, 7, 5, 3)).astype("float32")
    rows = [[0.9, -0.2, 1.5, 0.3, 1.1, -2.0]] * 2
    spec = tf.TensorSpec((None, None, None, 3), tf.float32)
    warp = tf.function(
        lambda x: xla_compiled(affine_warp)(x, matrices_of(rows), "bilinear", "reflect", 0.0),
        input_signature=[spec],
    )
    expected = kernel(images, rows, "bilinear", "reflect", 0.0)
    np.testing.assert_allclose(numpy(warp(images)), expected, atol=1e-3)
