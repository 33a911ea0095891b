import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tutorial_lib as tl
from tutorial_lib._checks import fold_seed


def test_load_digits_has_mnist_layout():
    (x_train, y_train), (x_test, y_test) = tl.load_digits()
    assert x_train.dtype == np.uint8 and x_test.dtype == np.uint8
    assert x_train.shape[1:] == (28, 28) and x_test.shape[1:] == (28, 28)
    assert len(x_train) + len(x_test) == 1797
    assert len(x_train) == len(y_train) and len(x_test) == len(y_test)
    assert set(np.unique(y_train)) == set(range(10)) == set(np.unique(y_test))
    # MNIST-like: ink inside the central 20x20 box, a 4-pixel empty border, full 0..255 range
    assert x_train[:, :4].max() == 0 and x_train[:, 24:].max() == 0
    assert x_train[:, :, :4].max() == 0 and x_train[:, :, 24:].max() == 0
    assert x_train.max() == 255 and x_train.min() == 0


def test_load_digits_split_is_stratified_and_repeatable():
    (a, ya), (b, yb) = tl.load_digits(test_fraction=0.5, seed=3)
    (a2, _), _ = tl.load_digits(test_fraction=0.5, seed=3)
    np.testing.assert_array_equal(a, a2)
    counts_train = np.bincount(ya, minlength=10)
    counts_test = np.bincount(yb, minlength=10)
    assert np.all(np.abs(counts_train - counts_test) <= 1)
    (c, _), _ = tl.load_digits(test_fraction=0.5, seed=4)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.1, "x"])
def test_load_digits_rejects_bad_fraction(bad):
    with pytest.raises(ValueError, match="test_fraction"):
        tl.load_digits(test_fraction=bad)


def test_load_digits_takes_a_seed_of_any_size():
    (a, _), _ = tl.load_digits(seed=2**40)
    (b, _), _ = tl.load_digits(seed=2**40)
    (c, _), _ = tl.load_digits(seed=2**40 + 1)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    (small, _), _ = tl.load_digits(seed=fold_seed(2**40))  # the documented folding
    np.testing.assert_array_equal(a, small)


def test_load_faces():
    images, labels = tl.load_faces()
    assert images.shape == (200, 25, 25) and images.dtype == np.uint8
    assert labels.tolist() == [1] * 100 + [0] * 100
    assert tl.FACES_CLASS_NAMES[1] == "face"
    assert images.std() > 10  # real photographs, not blank


def test_load_photos_default_are_colour():
    photos = tl.load_photos()
    assert list(photos) == ["astronaut", "chelsea", "coffee", "rocket", "immunohistochemistry"]
    for img in photos.values():
        assert img.ndim == 3 and img.shape[2] == 3 and img.dtype == np.uint8


def test_load_photos_resize_and_gray():
    photos = tl.load_photos(["coins", "astronaut"], size=(40, 50))
    assert photos["coins"].shape == (40, 50, 1)
    assert photos["astronaut"].shape == (40, 50, 3)
    assert photos["astronaut"].dtype == np.uint8
    assert tl.load_photos("camera")["camera"].shape == (512, 512, 1)


def test_load_photos_errors_name_the_argument():
    with pytest.raises(ValueError, match="names.*mnist"):
        tl.load_photos(["astronaut", "mnist"])
    with pytest.raises(ValueError, match="names"):
        tl.load_photos([])
    with pytest.raises(ValueError, match="size"):
        tl.load_photos("chelsea", size=(0, 10))
    with pytest.raises(ValueError, match="size"):
        tl.load_photos("chelsea", size="big")


@pytest.mark.parametrize("names", [None, 3, b"coins", {"coins"}])
def test_load_photos_refuses_what_is_not_a_name_or_a_list_of_names(names):
    with pytest.raises(TypeError, match="`names` must be a photo name or a list of them, got"):
        tl.load_photos(names)


def test_load_photos_takes_tuples_and_arrays_of_names_and_refuses_repeats():
    assert list(tl.load_photos(("coins", "moon"), size=8)) == ["coins", "moon"]
    assert list(tl.load_photos(np.array(["text"]), size=8)) == ["text"]
    with pytest.raises(ValueError, match=r"`names` lists \['coins'\] more than once"):
        tl.load_photos(["coins", "moon", "coins"])  # a dict would silently return 2 photos
    with pytest.raises(ValueError, match=r"unknown photo\(s\) \[1\]"):
        tl.load_photos(["coins", 1])


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 6),
    h=st.integers(16, 48),
    w=st.integers(16, 48),
    seed=st.integers(0, 2**32 - 1),
)
def test_make_shapes_properties(n, h, w, seed):
    images, labels, masks = tl.make_shapes(n, size=(h, w), seed=seed)
    assert images.shape == (n, h, w, 3) and images.dtype == np.uint8
    assert labels.shape == (n,) and labels.dtype == np.uint8
    assert masks.shape == (n, h, w) and masks.dtype == np.uint8
    assert set(np.unique(labels)) <= {0, 1, 2}
    for i in range(n):
        # each mask holds the background and exactly its own class (label + 1), in some pixels
        assert set(np.unique(masks[i])) <= {0, labels[i] + 1}
        assert (masks[i] == labels[i] + 1).sum() > 0
    again = tl.make_shapes(n, size=(h, w), seed=seed)
    for a, b in zip(again, (images, labels, masks)):
        np.testing.assert_array_equal(a, b)


def test_make_shapes_shape_pixels_differ_from_background():
    images, labels, masks = tl.make_shapes(20, size=48, seed=0, noise=0.0)
    for img, m in zip(images, masks):
        inside = img[m > 0].astype(int).mean(axis=0)
        outside = img[m == 0].astype(int).mean(axis=0)
        assert np.abs(inside - outside).max() > 40


def test_make_shapes_all_classes_appear():
    _, labels, _ = tl.make_shapes(60, size=32, seed=0)
    assert set(labels.tolist()) == {0, 1, 2}


@pytest.mark.parametrize(
    "kwargs, arg",
    [
        ({"n": 0}, "n"),
        ({"n": 2.5}, "n"),
        ({"size": 8}, "size"),
        ({"size": (32,)}, "size"),
        ({"noise": 2}, "noise"),
        ({"seed": -3}, "seed"),
    ],
)
def test_make_shapes_bad_input(kwargs, arg):
    with pytest.raises(ValueError, match=arg):
        tl.make_shapes(**kwargs)
