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


# --- load_textures: natural-image patches from disjoint regions -----------------------------


@pytest.fixture(scope="module")
def textures():
    return tl.load_textures(patch_size=24, n_per_class=(60, 20, 20), seed=3, return_origins=True)


def test_load_textures_shapes_dtypes_and_balance(textures):
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te), names, origins = textures
    assert names == tl.TEXTURE_CLASS_NAMES and len(names) == len(tl.TEXTURE_SOURCES) == 8
    for x, y, n, orig in zip((x_tr, x_va, x_te), (y_tr, y_va, y_te), (60, 20, 20), origins):
        assert x.shape == (8 * n, 24, 24, 3) and x.dtype == np.uint8
        assert y.shape == (8 * n,) and y.dtype == np.uint8
        assert orig.shape == (8 * n, 2)
        np.testing.assert_array_equal(np.bincount(y, minlength=8), np.full(8, n))
        assert 0 < y[: len(y) // 2].mean() < 7  # shuffled, not sorted by class


def test_load_textures_patches_are_cut_where_the_origins_say(textures):
    import skimage.data
    from skimage.transform import resize

    (x_tr, y_tr), _, _, names, (o_tr, _, _) = textures
    # recompute the brick source (label 0) independently and compare the patches
    src = skimage.data.brick()
    src = resize(src, (256, 256), order=1, anti_aliasing=True, preserve_range=True)
    src = np.round(src).astype(np.uint8)
    for x, (r, c) in zip(x_tr[y_tr == 0], o_tr[y_tr == 0]):
        np.testing.assert_array_equal(x[..., 0], src[r : r + 24, c : c + 24])
        np.testing.assert_array_equal(x[..., 0], x[..., 2])  # grey repeated on 3 channels


def test_load_textures_splits_come_from_disjoint_regions(textures):
    (_, y_tr), (_, y_va), (_, y_te), _, (o_tr, o_va, o_te) = textures
    for label in range(8):
        tr, va, te = o_tr[y_tr == label], o_va[y_va == label], o_te[y_te == label]
        # columns: every train patch ends before any validation patch starts, and so on
        assert tr[:, 1].max() + 24 <= va[:, 1].min()
        assert va[:, 1].max() + 24 <= te[:, 1].min()


def test_load_textures_colour_where_the_source_has_colour(textures):
    (x_tr, y_tr), *_ = textures
    names = tl.TEXTURE_CLASS_NAMES
    for label, name in enumerate(names):
        x = x_tr[y_tr == label].astype(int)
        grey = np.all(x[..., 0] == x[..., 1]) and np.all(x[..., 1] == x[..., 2])
        assert grey == (name in ("brick", "grass", "gravel")), name


def test_load_textures_same_seed_same_bytes_other_seed_other_patches():
    a = tl.load_textures(patch_size=16, n_per_class=(10, 3, 3), seed=5)
    b = tl.load_textures(patch_size=16, n_per_class=(10, 3, 3), seed=5)
    c = tl.load_textures(patch_size=16, n_per_class=(10, 3, 3), seed=6)
    for (xa, ya), (xb, yb) in zip(a[:3], b[:3]):
        assert xa.tobytes() == xb.tobytes() and ya.tobytes() == yb.tobytes()
    assert a[0][0].tobytes() != c[0][0].tobytes()


def test_load_textures_int_count_means_quarter_for_val_and_test():
    (x_tr, _), (x_va, _), (x_te, _), _ = tl.load_textures(patch_size=8, n_per_class=8)
    assert (len(x_tr), len(x_va), len(x_te)) == (64, 16, 16)


@pytest.mark.parametrize(
    "kwargs, arg",
    [
        ({"patch_size": 0}, "patch_size"),
        ({"patch_size": 49}, "patch_size"),
        ({"patch_size": 2.0}, "patch_size"),
        ({"n_per_class": (1, 2)}, "n_per_class"),
        ({"n_per_class": (1, 0, 1)}, "n_per_class"),
        ({"n_per_class": "many"}, "n_per_class"),
        ({"seed": -1}, "seed"),
    ],
)
def test_load_textures_bad_input(kwargs, arg):
    with pytest.raises(ValueError, match=arg):
        tl.load_textures(**kwargs)
