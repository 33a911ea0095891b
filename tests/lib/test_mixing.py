"""MixUp and CutMix: properties that hold for every batch, label form and seed."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import tutorial_lib as tl

MIXERS = {"mixup": tl.mixup, "cutmix": tl.cutmix}


@st.composite
def batches(draw):
    n = draw(st.integers(1, 6))
    h, w = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    c = draw(st.sampled_from([1, 3, 4]))
    dtype = draw(st.sampled_from([np.uint8, np.float32]))
    elements = st.integers(0, 255) if dtype is np.uint8 else st.floats(-1.0, 1.0, width=32)
    images = draw(arrays(dtype, (n, h, w, c), elements=elements))
    k = draw(st.integers(2, 5))
    labels = draw(arrays(np.int64, (n,), elements=st.integers(0, k - 1)))
    one_hot = draw(st.booleans())
    return images, (np.eye(k)[labels] if one_hot else labels), k, one_hot


def _call(fn, images, labels, k, one_hot, seed, alpha=0.7):
    return fn(
        images,
        labels,
        alpha=alpha,
        seed=seed,
        num_classes=None if one_hot else k,
        return_params=True,
    )


def _check_layout(mixed, soft, images, k, dtype):
    """Same batch shape, the promised dtypes, and soft labels whose rows sum to 1."""
    assert mixed.shape == images.shape and mixed.dtype == dtype
    assert soft.shape == (len(images), k) and soft.dtype == np.float32
    np.testing.assert_allclose(soft.sum(axis=1), 1.0, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(batch=batches(), seed=st.integers(0, 2**32 - 1), alpha=st.floats(0.05, 5.0))
def test_mixup_is_the_convex_combination_with_the_drawn_weight(batch, seed, alpha):
    images, labels, k, one_hot = batch
    mixed, soft, p = _call(tl.mixup, images, labels, k, one_hot, seed, alpha)
    lam, j = p["lam"], p["partner"]
    _check_layout(mixed, soft, images, k, np.float32)
    assert np.all((lam >= 0) & (lam <= 1)) and sorted(j) == list(range(len(images)))
    x = images.astype(np.float64)
    expected = lam[:, None, None, None] * x + (1 - lam[:, None, None, None]) * x[j]
    np.testing.assert_allclose(mixed, expected, rtol=1e-5, atol=1e-4)
    # every pixel lies between the two source pixels
    lo, hi = np.minimum(x, x[j]), np.maximum(x, x[j])
    tol = 1e-4 * np.maximum(1.0, np.abs(x).max())
    assert np.all(mixed >= lo - tol) and np.all(mixed <= hi + tol)
    onehot = np.eye(k)[labels] if not one_hot else labels
    expected_soft = lam[:, None] * onehot + (1 - lam[:, None]) * onehot[j]
    np.testing.assert_allclose(soft, expected_soft, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(batch=batches(), seed=st.integers(0, 2**32 - 1), alpha=st.floats(0.05, 5.0))
def test_cutmix_pixels_come_from_one_source_and_the_label_is_the_area(batch, seed, alpha):
    images, labels, k, one_hot = batch
    mixed, soft, p = _call(tl.cutmix, images, labels, k, one_hot, seed, alpha)
    j, box = p["partner"], p["box"]
    n, h, w = images.shape[:3]
    _check_layout(mixed, soft, images, k, images.dtype)
    for i in range(n):
        top, bottom, left, right = box[i]
        assert 0 <= top <= bottom <= h and 0 <= left <= right <= w
        inside = np.zeros((h, w), dtype=bool)
        inside[top:bottom, left:right] = True
        # exact copies: the partner inside the box, the image itself outside
        np.testing.assert_array_equal(mixed[i][inside], images[j[i]][inside])
        np.testing.assert_array_equal(mixed[i][~inside], images[i][~inside])
        area = inside.mean()
        onehot = np.eye(k)[labels] if not one_hot else labels
        expected = (1 - area) * onehot[i] + area * onehot[j[i]]
        np.testing.assert_allclose(soft[i], expected, atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(batch=batches(), seed=st.integers(0, 2**32 - 1), name=st.sampled_from(sorted(MIXERS)))
def test_same_seed_same_bytes(batch, seed, name):
    images, labels, k, one_hot = batch
    a = _call(MIXERS[name], images, labels, k, one_hot, seed)
    b = _call(MIXERS[name], images, labels, k, one_hot, np.random.default_rng(seed))
    assert a[0].tobytes() == b[0].tobytes() and a[1].tobytes() == b[1].tobytes()


@pytest.mark.parametrize("name", sorted(MIXERS))
def test_inputs_are_not_written_to_and_draws_vary(name):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(32, 8, 8, 3), dtype=np.uint8)
    labels = rng.integers(0, 4, size=32)
    before = images.copy()
    a, _ = MIXERS[name](images, labels, seed=1, num_classes=4)
    b, _ = MIXERS[name](images, labels, seed=2, num_classes=4)
    np.testing.assert_array_equal(images, before)
    assert a.tobytes() != b.tobytes()


def test_cutmix_uniform_alpha_pastes_half_the_area_on_average():
    images = np.zeros((4000, 16, 16, 1), dtype=np.uint8)
    images[1::2] = 1
    labels = np.arange(4000) % 2
    _, soft, p = tl.cutmix(images, labels, alpha=1.0, seed=0, num_classes=2, return_params=True)
    partner_weight = soft[np.arange(4000), labels[p["partner"]]]
    different = labels != labels[p["partner"]]
    # lam ~ U(0, 1) asks for half the area; clipping at the borders pastes less
    assert 0.25 < partner_weight[different].mean() < 0.5


@pytest.mark.parametrize("name", sorted(MIXERS))
@pytest.mark.parametrize(
    "kwargs, arg",
    [
        ({"images": np.zeros((4, 4, 3))}, "images"),
        ({"images": np.zeros((0, 4, 4, 3))}, "images"),
        ({"labels": np.array([0, 1])}, "labels"),
        ({"labels": np.array([0.0, 1.0, 0.0, 1.0])}, "labels"),
        ({"labels": np.array([0, 1, 2, 3])}, "labels"),
        ({"num_classes": None}, "num_classes"),
        ({"num_classes": 0}, "num_classes"),
        ({"labels": np.eye(3)[[0, 1, 2, 0]]}, "num_classes"),
        ({"alpha": 0}, "alpha"),
        ({"alpha": float("nan")}, "alpha"),
        ({"alpha": True}, "alpha"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_arguments_are_named(name, kwargs, arg):
    call = {
        "images": np.zeros((4, 4, 4, 3), dtype=np.uint8),
        "labels": np.array([0, 1, 0, 1]),
        "num_classes": 2,
        "seed": 0,
    }
    call.update(kwargs)
    with pytest.raises(ValueError, match=arg):
        MIXERS[name](**call)


def test_integer_labels_without_num_classes_say_what_to_pass():
    with pytest.raises(ValueError, match="num_classes.*integer `labels`"):
        tl.mixup(np.zeros((2, 4, 4, 3)), np.array([0, 1]))
