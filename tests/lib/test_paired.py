"""Tests of tutorial_lib.paired: one random draw per image/mask pair, nearest-neighbour masks,
batches for fit; every property for both resampling backends."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tutorial_lib as tl
from tutorial_lib import _resample
from tutorial_lib.paired import (
    PairedAugmenter,
    PairedBatchIterator,
    PairParams,
    check_image_mask_pair,
)

SETTINGS = settings(max_examples=30, deadline=None)

try:
    import cv2
except ImportError:  # the development requirements install opencv-python-headless
    cv2 = None

BACKENDS = pytest.mark.parametrize(
    "backend",
    [
        "numpy",
        pytest.param(
            "opencv", marks=pytest.mark.skipif(cv2 is None, reason="OpenCV is not installed")
        ),
    ],
)

GEOMETRY = st.fixed_dictionaries(
    {
        "rotation_range": st.sampled_from([0, 15, 90, 180]),
        "width_shift_range": st.sampled_from([0.0, 0.2, 3.0]),
        "height_shift_range": st.sampled_from([0.0, 0.3, 2.0]),
        "zoom_range": st.sampled_from([0.0, 0.3, (0.5, 1.5)]),
        "shear_range": st.sampled_from([0.0, 20.0]),
        "horizontal_flip": st.booleans(),
        "vertical_flip": st.booleans(),
        "interpolation_order": st.integers(0, 3),
        "fill_mode": st.sampled_from(["constant", "nearest", "reflect", "wrap"]),
        "keep_aspect_ratio": st.booleans(),
    }
)


def _labels_mask(h, w, labels, dtype, seed):
    rng = np.random.default_rng(seed)
    return rng.choice(np.asarray(labels), size=(h, w)).astype(dtype)


def test_exported_from_package_root():
    for name in ("PairParams", "PairedAugmenter", "PairedBatchIterator", "check_image_mask_pair"):
        assert getattr(tl, name) is globals()[name]
        assert name in tl.__all__


# --- the label set never grows; dtypes kept; same seed same bytes ----------------------------


@BACKENDS
@SETTINGS
@given(
    params=GEOMETRY,
    h=st.integers(4, 24),
    w=st.integers(4, 24),
    c=st.sampled_from([None, 1, 3, 5]),
    image_dtype=st.sampled_from([np.uint8, np.uint16, np.float32]),
    mask_dtype=st.sampled_from([np.uint8, np.int32, np.int64, np.uint16]),
    labels=st.lists(st.integers(0, 255), min_size=1, max_size=5, unique=True),
    crop=st.booleans(),
    seed=st.integers(0, 2**31),
)
def test_labels_stay_a_subset_and_dtypes_are_kept(
    backend, params, h, w, c, image_dtype, mask_dtype, labels, crop, seed
):
    if np.iinfo(mask_dtype).max > 255:
        labels = labels + [int(np.iinfo(mask_dtype).max)]  # a label at the top of the dtype's range
    mask = _labels_mask(h, w, labels, mask_dtype, seed)
    rng = np.random.default_rng(seed)
    shape = (h, w) if c is None else (h, w, c)
    image = (rng.random(shape) * 255).astype(image_dtype)
    fill = labels[0]  # a background label that is in the input
    crop_size = (max(1, h // 2), max(1, w - 3)) if crop else None
    aug = PairedAugmenter(**params, crop_size=crop_size, mask_fill=fill, backend=backend)
    before_i, before_m = image.copy(), mask.copy()
    out_i, out_m = aug.augment(image, mask, seed=seed)
    assert set(np.unique(out_m).tolist()) <= set(labels)
    assert out_m.dtype == mask.dtype and out_i.dtype == image.dtype
    out_hw = crop_size or (h, w)
    assert out_i.shape == out_hw + image.shape[2:] and out_m.shape == out_hw
    if (
        params["interpolation_order"] <= 1
    ):  # nearest/bilinear never leave the input's range (or the 0 fill)
        assert min(image.min(), 0) <= out_i.min() and out_i.max() <= image.max()
    again_i, again_m = aug.augment(image, mask, seed=seed)
    assert again_i.tobytes() == out_i.tobytes() and again_m.tobytes() == out_m.tobytes()
    assert np.array_equal(image, before_i) and np.array_equal(mask, before_m)


@BACKENDS
@SETTINGS
@given(params=GEOMETRY, seed=st.integers(0, 2**31), fill=st.integers(0, 9))
def test_mask_labels_subset_of_input_plus_fill(backend, params, seed, fill):
    mask = _labels_mask(12, 16, [3, 7], np.uint8, seed)
    image = np.zeros((12, 16, 3), np.uint8)
    aug = PairedAugmenter(**params, mask_fill=fill, backend=backend)
    _, out = aug.augment(image, mask, seed=seed)
    assert set(np.unique(out).tolist()) <= {3, 7, fill}


@BACKENDS
@SETTINGS
@given(params=GEOMETRY, seed=st.integers(0, 2**31))
def test_the_mask_moves_exactly_like_the_image(backend, params, seed):
    """Carry the mask inside the image: with nearest neighbour for both they must come out
    identical."""
    params = dict(params, interpolation_order=0, fill_mode="constant")
    mask = _labels_mask(14, 18, [0, 1, 2, 5], np.uint8, seed)
    image = np.stack([mask, 255 - mask], axis=-1)
    aug = PairedAugmenter(**params, cval=0, mask_fill=0, backend=backend)
    out_i, out_m = aug.augment(image, mask, seed=seed)
    assert np.array_equal(out_i[..., 0], out_m)


@BACKENDS
def test_identity_and_flip_only_are_exact(backend):
    images, _, masks = tl.make_shapes(3, size=24, seed=0)
    out_i, out_m = PairedAugmenter(backend=backend).augment_batch(images, masks, seed=0)
    assert np.array_equal(out_i, images) and np.array_equal(out_m, masks)
    aug = PairedAugmenter(horizontal_flip=True, vertical_flip=True, backend=backend)
    seen = set()
    for s in range(20):
        p = aug.random_params((24, 24), seed=s)
        i, m = aug.apply(images[0], masks[0], p)
        ref = images[0][:: -1 if p.vertical_flip else 1, :: -1 if p.horizontal_flip else 1]
        assert np.array_equal(i, ref)
        seen.add((p.horizontal_flip, p.vertical_flip))
    assert len(seen) == 4


@BACKENDS
def test_one_draw_per_pair_in_a_batch(backend):
    images, _, masks = tl.make_shapes(1, size=32, seed=0)
    images, masks = np.repeat(images, 12, axis=0), np.repeat(masks, 12, axis=0)
    aug = PairedAugmenter(rotation_range=90, crop_size=24, backend=backend)
    out_i, out_m = aug.augment_batch(images, masks, seed=0)
    assert len({m.tobytes() for m in out_m}) > 6  # different pairs, different draws
    # replay the draws: one generator, one set of parameters per pair, shared by image and mask
    rng = np.random.default_rng(0)
    for i in range(12):
        p = aug.random_params((32, 32), rng)
        ri, rm = aug.apply(images[i], masks[i], p)
        assert np.array_equal(ri, out_i[i]) and np.array_equal(rm, out_m[i])


@BACKENDS
def test_bilinear_image_but_nearest_mask(backend):
    mask = np.zeros((20, 20), np.uint8)
    mask[5:15, 5:15] = 4
    image = np.repeat(mask[..., None] * 60, 3, axis=-1)
    aug = PairedAugmenter(rotation_range=30, interpolation_order=1, backend=backend)
    out_i, out_m = aug.augment(image, mask, seed=2)
    assert set(np.unique(out_m).tolist()) <= {0, 4}
    assert len(np.unique(out_i)) > 2  # the image is interpolated, blending edge values


@BACKENDS
def test_mask_fill_is_used_outside_the_picture_and_image_fill_mode_is_respected(backend):
    mask = np.full((16, 16), 2, np.uint8)
    image = np.full((16, 16, 3), 100, np.uint8)
    aug = PairedAugmenter(width_shift_range=6.0, fill_mode="nearest", mask_fill=0, backend=backend)
    out_i, out_m = aug.augment(image, mask, seed=1)
    assert 0 in out_m and set(np.unique(out_m).tolist()) == {0, 2}  # shifted in background
    assert np.all(out_i == 100)  # 'nearest' repeats the edge of the image


def test_keep_aspect_ratio_draws_one_zoom():
    p = PairedAugmenter(zoom_range=0.5, keep_aspect_ratio=True).random_params((8, 8), seed=0)
    q = PairedAugmenter(zoom_range=0.5).random_params((8, 8), seed=0)
    assert p.zoom_x == p.zoom_y and q.zoom_x != q.zoom_y


@BACKENDS
def test_mask_with_trailing_channel_and_bool_mask(backend):
    images, _, masks = tl.make_shapes(2, size=20, seed=0)
    aug = PairedAugmenter(rotation_range=40, crop_size=16, backend=backend)
    _, m = aug.augment(images[0], masks[0][..., None], seed=0)
    assert m.shape == (16, 16, 1)
    _, b = aug.augment(images[0], masks[0] > 0, seed=0)
    assert b.dtype == bool and b.shape == (16, 16)


# --- errors -----------------------------------------------------------------------------------


def test_clear_errors():
    img = np.zeros((10, 10, 3), np.uint8)
    aug = PairedAugmenter(rotation_range=10)
    with pytest.raises(ValueError, match="mask.*does not match"):
        aug.augment(img, np.zeros((10, 9), np.uint8))
    with pytest.raises(ValueError, match="mask.*3 channels"):
        aug.augment(img, np.zeros((10, 10, 3), np.uint8))
    with pytest.raises(ValueError, match="mask.*integer labels.*float"):
        aug.augment(img, np.zeros((10, 10), np.float32))
    with pytest.raises(ValueError, match="masks.*does not match"):
        aug.augment_batch(np.zeros((2, 10, 10, 3)), np.zeros((3, 10, 10), np.uint8))
    with pytest.raises(ValueError, match="crop_size.*larger"):
        PairedAugmenter(crop_size=11).augment(img, np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError, match="mask_fill"):
        PairedAugmenter(rotation_range=10, mask_fill=300).augment(img, np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError, match="mask_fill"):
        PairedAugmenter(mask_fill=0.5)
    with pytest.raises(ValueError, match="fill_mode"):
        PairedAugmenter(fill_mode="mirror-ish")
    with pytest.raises(ValueError, match="interpolation_order"):
        PairedAugmenter(interpolation_order=6)
    with pytest.raises(ValueError, match="rotation_range"):
        PairedAugmenter(rotation_range=-1)
    with pytest.raises(ValueError, match="zoom_range"):
        PairedAugmenter(zoom_range=1.0)
    with pytest.raises(ValueError, match="horizontal_flip"):
        PairedAugmenter(horizontal_flip="yes")


def test_check_image_mask_pair_batch_names():
    with pytest.raises(ValueError, match="masks"):
        check_image_mask_pair(
            np.zeros((2, 4, 4)),
            np.zeros((2, 4, 4, 2), np.uint8),
            batch=True,
            image_name="images",
            mask_name="masks",
        )


# --- the batch iterator -----------------------------------------------------------------------


def test_iterator_epochs_order_and_reproducibility():
    images, _, masks = tl.make_shapes(10, size=24, seed=0)
    aug = PairedAugmenter(rotation_range=20, horizontal_flip=True, crop_size=16)
    it = aug.flow(images, masks, batch_size=4, seed=5)
    assert isinstance(it, PairedBatchIterator) and len(it) == 3 and it.samples == 10
    first = [(x.copy(), y.copy()) for x, y in it]
    assert [x.shape for x, _ in first] == [(4, 16, 16, 3), (4, 16, 16, 3), (2, 16, 16, 3)]
    assert all(x.dtype == np.uint8 and y.dtype == np.uint8 for x, y in first)
    again = aug.flow(images, masks, batch_size=4, seed=5)
    assert all(
        np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) for a, b in zip(first, again)
    )
    order0 = it.index_array()
    it.on_epoch_end()
    assert sorted(it.index_array().tolist()) == list(range(10)) and not np.array_equal(
        order0, it.index_array()
    )
    it.reset()
    assert np.array_equal(it[2][1], first[2][1])
    with pytest.raises(IndexError):
        it[3]
    plain = PairedBatchIterator(images, masks, None, batch_size=5, shuffle=False)
    assert np.array_equal(plain[1][1], masks[5:])


def test_iterator_trains_a_tiny_segmentation_model():
    import keras

    images, _, masks = tl.make_shapes(12, size=16, seed=0)
    it = PairedAugmenter(rotation_range=15, horizontal_flip=True, crop_size=12).flow(
        images, masks, batch_size=4, seed=0
    )
    assert isinstance(it, keras.utils.PyDataset)
    model = keras.Sequential(
        [
            keras.Input((12, 12, 3)),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Conv2D(4, 1, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy")
    history = model.fit(it, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()
    assert it.epoch >= 2  # Keras called on_epoch_end: a new order and new draws every epoch


# --- the fill modes: SciPy's conventions, for both backends ------------------------------------


@BACKENDS
def test_scipy_fill_mode_conventions_are_kept(backend):
    """What the four fill modes put left of a row 0..4 shifted right by 3 pixels (scipy's
    conventions)."""
    row = np.arange(5, dtype=np.float64)[None, :, None] * np.ones((3, 1, 1))
    mask = np.ones((3, 5), np.uint8)
    expected = {
        "constant": [9, 9, 9, 0, 1],  # cval
        "nearest": [0, 0, 0, 0, 1],  # the edge repeated
        "reflect": [2, 1, 0, 0, 1],  # half-sample mirror: d c b a | a b c d
        "wrap": [1, 2, 3, 0, 1],  # scipy's wrap: period n - 1, the first and last samples overlap
    }
    for mode, values in expected.items():
        aug = PairedAugmenter(width_shift_range=3.0, fill_mode=mode, cval=9.0, backend=backend)
        p = dataclasses.replace(aug.random_params((3, 5), seed=0), shift_x=-3.0)
        out_i, out_m = aug.apply(row, mask, p)
        assert out_i[1, :, 0].tolist() == values, mode
        assert out_m[1].tolist() == [0, 0, 0, 1, 1]  # the mask always gets the background label


# --- drawn parameters and the backend --------------------------------------------------------


def test_random_params_is_a_frozen_pair_params_for_one_size():
    aug = PairedAugmenter(rotation_range=10, crop_size=(8, 12), horizontal_flip=True)
    p = aug.random_params((16, 20, 3), seed=0)
    assert isinstance(p, PairParams) and (p.height, p.width) == (16, 20)
    assert -10 <= p.rotation <= 10 and 0 <= p.crop_top <= 8 and 0 <= p.crop_left <= 8
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.rotation = 0.0
    assert aug.random_params((16, 20), seed=0) == p  # same seed, same draw
    with pytest.raises(ValueError, match="`height` must be an integer >= 1"):
        PairParams(height=0, width=4)


@BACKENDS
def test_apply_refuses_params_drawn_for_another_size(backend):
    aug = PairedAugmenter(rotation_range=10, backend=backend)
    image, mask = np.zeros((12, 16, 3), np.uint8), np.zeros((12, 16), np.uint8)
    p = aug.random_params((12, 16), seed=0)
    assert aug.apply(image, mask, p)[0].shape == (12, 16, 3)
    with pytest.raises(ValueError, match=r"`params` were drawn for a 12x16 image.*is 16x12"):
        aug.apply(image.transpose(1, 0, 2), mask.T, p)
    with pytest.raises(ValueError, match="`params` must be a PairParams.*got dict"):
        aug.apply(image, mask, dataclasses.asdict(p))
    cropping = PairedAugmenter(crop_size=8, backend=backend)
    q = dataclasses.replace(cropping.random_params((12, 16), seed=0), crop_top=5)
    with pytest.raises(ValueError, match="`params.crop_top` 5"):
        cropping.apply(image, mask, q)


def test_backend_argument_and_repr(monkeypatch):
    assert PairedAugmenter(backend="numpy").backend == "numpy"
    assert "backend='numpy'" in repr(PairedAugmenter(backend="numpy"))
    auto = PairedAugmenter()
    assert auto.backend == ("numpy" if cv2 is None else "opencv")
    assert f"backend={auto.backend!r}" in repr(auto)
    with pytest.raises(ValueError, match="`backend` must be one of"):
        PairedAugmenter(backend="scipy")
    monkeypatch.setattr(_resample, "_cv2", lambda: None)  # as without OpenCV
    assert PairedAugmenter().backend == "numpy"
    with pytest.raises(ImportError, match="`backend='opencv'` needs OpenCV"):
        PairedAugmenter(backend="opencv")
