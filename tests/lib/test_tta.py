"""tutorial_lib.tta: the views are exact, and averaging over them behaves as promised."""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import tutorial_lib as tl
from tutorial_lib.tta import TTA_TRANSFORMS, tta_predict, tta_views

SETTINGS = settings(max_examples=40, deadline=None)
SHIFTS = {"shift_left": (0, -1), "shift_right": (0, 1), "shift_up": (-1, 0), "shift_down": (1, 0)}


@st.composite
def batches(draw, min_side=1):
    n = draw(st.integers(1, 5))
    h, w = draw(st.integers(min_side, 9)), draw(st.integers(min_side, 9))
    channels = draw(st.sampled_from([(), (1,), (3,)]))
    dtype = draw(st.sampled_from([np.uint8, np.float32]))
    elements = st.integers(0, 255) if dtype is np.uint8 else st.floats(0, 1, width=32)
    return draw(arrays(dtype, (n, h, w, *channels), elements=elements))


def softmax_model(k, pixels, seed=0):
    """A linear softmax classifier of the flattened image: not invariant to anything."""
    weights = np.random.default_rng(seed).normal(size=(pixels, k))

    def predict(x):
        z = x.reshape(len(x), -1).astype(np.float64) @ weights
        e = np.exp(z - z.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)

    return predict


def reference_shift(x, dy, dx, mode):
    """The shifted batch pixel by pixel: out[i, j] = x[i - dy, j - dx], borders by ``mode``."""
    h, w = x.shape[1:3]

    def source(k, size):
        if 0 <= k < size:
            return k
        if mode == "nearest":
            return min(max(k, 0), size - 1)
        if mode == "wrap":
            return k % size
        if mode == "reflect":  # d c b a | a b c d | d c b a
            return -k - 1 if k < 0 else 2 * size - 1 - k
        return None  # constant: zero

    out = np.zeros_like(x)
    for i in range(h):
        for j in range(w):
            si, sj = source(i - dy, h), source(j - dx, w)
            if si is not None and sj is not None:
                out[:, i, j] = x[:, si, sj]
    return out


def test_exported_from_the_package_root_without_keras():
    for name in ("tta_predict", "tta_views", "TTA_TRANSFORMS"):
        assert getattr(tl, name) is globals()[name] and name in tl.__all__
    code = "import sys, tutorial_lib.tta; assert 'keras' not in sys.modules, 'keras imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


@SETTINGS
@given(
    x=batches(min_side=2),
    name=st.sampled_from(sorted(SHIFTS)),
    mode=st.sampled_from(["nearest", "constant", "reflect", "wrap"]),
    data=st.data(),
)
def test_every_shift_moves_every_pixel_as_keras_fill_modes_say(x, name, mode, data):
    shift = data.draw(st.integers(1, min(x.shape[1:3]) - 1))
    dy, dx = SHIFTS[name]
    view = tta_views(x, [name], shift=shift, fill_mode=mode)[0]
    assert view.dtype == x.dtype and view.shape == x.shape
    np.testing.assert_array_equal(view, reference_shift(x, dy * shift, dx * shift, mode))


@SETTINGS
@given(x=batches())
def test_flips_and_identity_are_exact_and_the_input_is_untouched(x):
    before = x.copy()
    views = tta_views(x, ["identity", "hflip", "vflip"])
    np.testing.assert_array_equal(views[0], x)
    np.testing.assert_array_equal(views[1], x[:, :, ::-1])
    np.testing.assert_array_equal(views[2], x[:, ::-1])
    views[0][...] = 0  # the views are copies: writing to them leaves the input alone
    np.testing.assert_array_equal(x, before)


@SETTINGS
@given(x=batches(min_side=3), k=st.integers(2, 5))
def test_identity_only_is_plain_prediction(x, k):
    predict = softmax_model(k, x[0].size)
    np.testing.assert_array_equal(tta_predict(predict, x, ["identity"]), predict(x))


@SETTINGS
@given(x=batches(min_side=3), k=st.integers(2, 5), seed=st.integers(0, 100))
def test_a_flip_invariant_function_is_unchanged_by_flip_tta(x, k, seed):
    base = softmax_model(k, x[0].size, seed)

    def invariant(batch):  # averaged over the four flips: invariant to both flips
        flips = [batch, batch[:, ::-1], batch[:, :, ::-1], batch[:, ::-1, ::-1]]
        return np.mean([base(f) for f in flips], axis=0)

    got = tta_predict(invariant, x, ["identity", "hflip", "vflip"])
    np.testing.assert_allclose(got, invariant(x), rtol=1e-12, atol=1e-12)


@SETTINGS
@given(x=batches(min_side=3), data=st.data())
def test_a_function_of_the_pixel_histogram_is_unchanged_by_wrapped_shifts(x, data):
    shift = data.draw(st.integers(1, min(x.shape[1:3]) - 1))

    def histogram_model(batch):  # sorted pixel values: blind to where a pixel is
        flat = np.sort(batch.reshape(len(batch), -1).astype(np.float64), axis=1)
        return np.stack([flat[:, 0], flat[:, -1], flat.mean(1)], axis=1)

    got = tta_predict(histogram_model, x, list(TTA_TRANSFORMS), shift=shift, fill_mode="wrap")
    np.testing.assert_allclose(got, histogram_model(x), rtol=1e-12, atol=1e-12)


@SETTINGS
@given(x=batches(min_side=3), k=st.integers(2, 5), data=st.data())
def test_probabilities_stay_probabilities_and_every_view_is_one_call_of_predict(x, k, data):
    transforms = data.draw(st.lists(st.sampled_from(TTA_TRANSFORMS), min_size=1, max_size=5))
    predict = softmax_model(k, x[0].size)
    mean, every = tta_predict(predict, x, transforms, shift=1, return_all=True)
    assert mean.shape == (len(x), k) and every.shape == (len(transforms), len(x), k)
    np.testing.assert_allclose(mean.sum(axis=1), 1.0, atol=1e-12)
    for view, out in zip(tta_views(x, transforms, shift=1), every):
        np.testing.assert_allclose(out, predict(view), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(mean, every.mean(axis=0), rtol=1e-12, atol=1e-15)
    assert np.all(mean <= every.max(0) + 1e-12) and np.all(mean >= every.min(0) - 1e-12)


@SETTINGS
@given(x=batches(min_side=3), batch_size=st.integers(1, 6))
def test_batch_size_changes_the_calls_not_the_answer(x, batch_size):
    calls = []
    predict = softmax_model(3, x[0].size)

    def counted(batch):
        calls.append(len(batch))
        return predict(batch)

    transforms = ["identity", "hflip", "shift_down"]
    whole = tta_predict(predict, x, transforms, shift=1)
    chunked = tta_predict(counted, x, transforms, shift=1, batch_size=batch_size)
    np.testing.assert_allclose(chunked, whole, rtol=1e-12, atol=1e-15)
    assert len(calls) == -(-len(x) // batch_size)
    assert max(calls) == len(transforms) * min(batch_size, len(x)) and sum(calls) == 3 * len(x)


def test_a_function_is_a_view_too():
    x = np.arange(2 * 4 * 4, dtype=np.float32).reshape(2, 4, 4)
    views = tta_views(x, ["identity", lambda b: np.rot90(b, 2, axes=(1, 2))])
    np.testing.assert_array_equal(views[1], x[:, ::-1, ::-1])
    out = tta_predict(lambda b: b.reshape(len(b), -1).mean(1), x, ["identity", "hflip"])
    np.testing.assert_allclose(out, x.reshape(2, -1).mean(1))  # 1-D outputs work too


@pytest.mark.parametrize("mode", ["nearest", "constant", "reflect", "wrap"])
def test_a_one_pixel_shift_of_a_small_row_by_hand(mode):
    x = np.array([[[1, 2, 3]]])
    expected = {
        "nearest": [1, 1, 2],
        "constant": [0, 1, 2],
        "reflect": [1, 1, 2],
        "wrap": [3, 1, 2],
    }
    got = tta_views(x, ["shift_right"], shift=1, fill_mode=mode)[0, 0, 0]
    assert got.tolist() == expected[mode]
    two = tta_views(x, ["shift_right"], shift=2, fill_mode=mode)[0, 0, 0]
    assert (
        two.tolist()
        == {
            "nearest": [1, 1, 1],
            "constant": [0, 0, 1],
            "reflect": [2, 1, 1],
            "wrap": [2, 3, 1],
        }[mode]
    )
