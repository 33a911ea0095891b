"""Tests of tutorial_lib.crop: random/center crops, batch and paired crops, the iterator wrapper."""

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tutorial_lib as tl
from tutorial_lib.crop import (
    RandomCropIterator,
    center_crop,
    paired_random_crop,
    random_crop,
    random_crop_batch,
)

SETTINGS = settings(max_examples=40, deadline=None)
DTYPES = [np.uint8, np.uint16, np.int32, np.float32, np.float64]


def _batch(n, h, w, c, dtype, seed=0):
    rng = np.random.default_rng(seed)
    shape = (n, h, w) if c is None else (n, h, w, c)
    if np.issubdtype(np.dtype(dtype), np.integer):
        return rng.integers(0, 200, size=shape).astype(dtype)
    return rng.random(shape).astype(dtype)


def _is_window_of(crop, image):
    """Where ``crop`` appears in ``image`` as a contiguous window: (top, left), or None."""
    h, w = crop.shape[:2]
    for t in range(image.shape[0] - h + 1):
        for left in range(image.shape[1] - w + 1):
            if np.array_equal(image[t : t + h, left : left + w], crop):
                return t, left
    return None


def test_exported_from_package_root():
    for name in (
        "random_crop",
        "center_crop",
        "random_crop_batch",
        "paired_random_crop",
        "RandomCropIterator",
    ):
        assert getattr(tl, name) is globals()[name]
        assert name in tl.__all__


# --- random_crop_batch: shape, dtype, windows, independence, seed -----------------------


@SETTINGS
@given(
    n=st.integers(1, 5),
    h=st.integers(1, 12),
    w=st.integers(1, 12),
    c=st.sampled_from([None, 1, 3, 4, 6]),
    dtype=st.sampled_from(DTYPES),
    data=st.data(),
)
def test_random_crop_batch_is_a_window_of_each_image(n, h, w, c, dtype, data):
    ch = data.draw(st.integers(1, h))
    cw = data.draw(st.integers(1, w))
    seed = data.draw(st.integers(0, 2**32 - 1))
    x = _batch(n, h, w, c, dtype, seed % 1000)
    before = x.copy()
    out = random_crop_batch(x, (ch, cw), seed=seed)
    assert out.shape == (n, ch, cw) + x.shape[3:]
    assert out.dtype == x.dtype
    assert out.flags["C_CONTIGUOUS"] and out.flags["WRITEABLE"]
    for i in range(n):
        assert _is_window_of(out[i], x[i]) is not None
    assert np.array_equal(out, random_crop_batch(x, (ch, cw), seed=seed))  # same seed, same bytes
    assert np.array_equal(x, before)  # input untouched
    out[...] = 0
    assert np.array_equal(x, before)  # not a view


def test_random_crop_batch_draws_an_independent_window_per_image():
    # Identical images with unique pixel values: the window position can be read back.
    img = np.arange(20 * 20, dtype=np.int32).reshape(20, 20, 1)
    batch = np.repeat(img[None], 32, axis=0)
    out = random_crop_batch(batch, 8, seed=0)
    corners = {(int(c[0, 0, 0]) // 20, int(c[0, 0, 0]) % 20) for c in out}
    assert len(corners) > 16
    tops = [t for t, _ in corners]
    lefts = [left for _, left in corners]
    assert min(tops) >= 0 and max(tops) <= 12 and min(lefts) >= 0 and max(lefts) <= 12


def test_random_crop_batch_covers_every_position():
    img = np.arange(25, dtype=np.uint8).reshape(5, 5)
    out = random_crop_batch(np.repeat(img[None], 400, axis=0), 3, seed=1)
    assert {int(c[0, 0]) for c in out} == {r * 5 + c for r in range(3) for c in range(3)}


def test_different_seeds_differ():
    x = _batch(8, 30, 30, 3, np.uint8)
    assert not np.array_equal(random_crop_batch(x, 10, seed=0), random_crop_batch(x, 10, seed=1))


# --- random_crop / center_crop ---------------------------------------------------------------


@SETTINGS
@given(
    h=st.integers(2, 15), w=st.integers(2, 15), c=st.sampled_from([None, 1, 2, 5]), data=st.data()
)
def test_random_crop_single_and_batch(h, w, c, data):
    ch, cw = data.draw(st.integers(1, h)), data.draw(st.integers(1, w))
    x = _batch(3, h, w, 4 if c is None else c, np.float32)
    one = x[0] if c is not None else x[0, ..., 0]
    crop = random_crop(one, (ch, cw), seed=7)
    assert crop.shape == (ch, cw) + one.shape[2:] and crop.dtype == one.dtype
    assert _is_window_of(crop, one) is not None
    # a 4-D batch gets ONE window for all images
    crops = random_crop(x, (ch, cw), seed=7)
    pos = _is_window_of(crops[0], x[0])
    assert crops.shape == (3, ch, cw, x.shape[-1])
    assert all(
        np.array_equal(crops[i], x[i, pos[0] : pos[0] + ch, pos[1] : pos[1] + cw]) for i in range(3)
    )


@SETTINGS
@given(h=st.integers(1, 20), w=st.integers(1, 20), data=st.data())
def test_center_crop_is_centered(h, w, data):
    ch, cw = data.draw(st.integers(1, h)), data.draw(st.integers(1, w))
    img = np.arange(h * w).reshape(h, w)
    out = center_crop(img, (ch, cw))
    top, left = divmod(int(out[0, 0]), w)
    # equal margins, the odd pixel at the bottom/right
    assert top == (h - ch) // 2 and left == (w - cw) // 2
    assert (h - ch - top) - top in (0, 1) and (w - cw - left) - left in (0, 1)
    batch = np.stack([img, img + 1])[..., None]
    assert np.array_equal(center_crop(batch, (ch, cw))[1, ..., 0], out + 1)


def test_center_crop_returns_a_copy():
    x = np.zeros((6, 6, 3), np.uint8)
    center_crop(x, 4)[...] = 9
    assert x.max() == 0


# --- paired_random_crop ---------------------------------------------------------------------


@SETTINGS
@given(
    n=st.integers(1, 4),
    h=st.integers(1, 14),
    w=st.integers(1, 14),
    c=st.sampled_from([1, 3, 4]),
    mask_c=st.sampled_from([None, 1, 2]),
    dtype=st.sampled_from([np.uint8, np.int16, np.float32]),
    data=st.data(),
)
def test_paired_crop_equals_crop_of_image_with_mask_as_extra_channel(
    n, h, w, c, mask_c, dtype, data
):
    ch, cw = data.draw(st.integers(1, h)), data.draw(st.integers(1, w))
    seed = data.draw(st.integers(0, 10_000))
    images = _batch(n, h, w, c, dtype, seed)
    masks = _batch(n, h, w, mask_c, np.uint8, seed + 1) % 4
    ci, cm = paired_random_crop(images, masks, (ch, cw), seed=seed)
    assert ci.dtype == images.dtype and cm.dtype == masks.dtype
    stacked = np.concatenate(
        [images.astype(np.float64), masks.reshape(n, h, w, -1).astype(np.float64)], axis=-1
    )
    ref = random_crop_batch(stacked, (ch, cw), seed=seed)
    assert np.array_equal(ci, ref[..., :c].astype(dtype))
    assert np.array_equal(cm, ref[..., c:].astype(np.uint8).reshape(cm.shape))
    # and a single pair behaves like a batch of one
    si, sm = paired_random_crop(images[0], masks[0], (ch, cw), seed=seed)
    bi, bm = paired_random_crop(images[:1], masks[:1], (ch, cw), seed=seed)
    assert np.array_equal(si, bi[0]) and np.array_equal(sm, bm[0])


def test_paired_crop_keeps_alignment_and_uses_different_windows_per_pair():
    images, _, masks = tl.make_shapes(16, size=32, seed=0)
    ci, cm = paired_random_crop(images, masks, 20, seed=0)
    for i in range(16):
        t, left = _is_window_of(cm[i], masks[i]) or (None, None)
        assert np.array_equal(ci[i], images[i, t : t + 20, left : left + 20])
    ramp = np.repeat(np.arange(32 * 32, dtype=np.int32).reshape(1, 32, 32, 1), 16, axis=0)
    _, rm = paired_random_crop(ramp, ramp[..., 0], 20, seed=0)
    assert len({int(m[0, 0]) for m in rm}) > 8


# --- argument checks --------------------------------------------------------------------------


def test_crop_larger_than_image_is_a_clear_error():
    with pytest.raises(ValueError, match="size.*larger"):
        random_crop_batch(np.zeros((2, 10, 10, 3)), (11, 5))
    with pytest.raises(ValueError, match="size.*larger"):
        random_crop(np.zeros((10, 10)), 12)
    with pytest.raises(ValueError, match="size.*larger"):
        center_crop(np.zeros((10, 10, 3)), (4, 11))
    with pytest.raises(ValueError, match="size.*larger"):
        paired_random_crop(np.zeros((10, 10, 3)), np.zeros((10, 10)), 11)


@pytest.mark.parametrize("size", [0, -3, (2,), (2, 0), 2.5, "3"])
def test_bad_size(size):
    with pytest.raises(ValueError, match="size"):
        random_crop_batch(np.zeros((2, 10, 10, 3)), size)


def test_bad_ranks_and_empty_inputs():
    with pytest.raises(ValueError, match="images"):
        random_crop_batch(np.zeros((10, 10)), 3)
    with pytest.raises(ValueError, match="images"):
        random_crop_batch(np.zeros((0, 10, 10, 3)), 3)
    with pytest.raises(ValueError, match="image"):
        random_crop(np.zeros(10), 3)


def test_paired_crop_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="masks.*does not match"):
        paired_random_crop(np.zeros((4, 10, 10, 3)), np.zeros((4, 10, 9)), 3)
    with pytest.raises(ValueError, match="masks.*does not match"):
        paired_random_crop(np.zeros((4, 10, 10, 3)), np.zeros((3, 10, 10)), 3)
    with pytest.raises(ValueError, match="masks.*does not match"):
        paired_random_crop(np.zeros((10, 10, 3)), np.zeros((10, 11)), 3)


# --- RandomCropIterator ----------------------------------------------------------------------


class _ListIterator:
    """A Keras iterator's interface without Keras: len, indexing, samples, reset, on_epoch_end."""

    def __init__(self, x, y, batch_size):
        self.x, self.y, self.batch_size = x, y, batch_size
        self.samples = len(x)
        self.class_indices = {"a": 0, "b": 1}
        self.filenames = [f"{i}.png" for i in range(len(x))]
        self.resets = self.epoch_ends = 0

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, i):
        s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return self.x[s], self.y[s]

    def reset(self):
        self.resets += 1

    def on_epoch_end(self):
        self.epoch_ends += 1


def test_wrapper_keeps_the_iterator_interface():
    x = _batch(10, 16, 16, 3, np.uint8)
    src = _ListIterator(x, np.arange(10) % 2, 4)
    it = RandomCropIterator(src, 12, seed=0)
    assert len(it) == 3 and it.samples == 10
    assert it.class_indices == {"a": 0, "b": 1} and it.filenames == src.filenames
    it.reset()
    it.on_epoch_end()
    assert src.resets == 1 and src.epoch_ends == 1
    batches = list(it)  # one finite pass
    assert [b[0].shape for b in batches] == [(4, 12, 12, 3), (4, 12, 12, 3), (2, 12, 12, 3)]
    assert all(b[0].dtype == np.uint8 for b in batches)
    assert np.array_equal(np.concatenate([b[1] for b in batches]), src.y)
    with pytest.raises(IndexError):
        it[3]
    with pytest.raises(AttributeError):
        _ = it.no_such_attribute


def test_wrapper_windows_are_reproducible_and_change_each_epoch():
    x = np.repeat(np.arange(20 * 20, dtype=np.int32).reshape(1, 20, 20, 1), 8, axis=0)
    src = _ListIterator(x, np.zeros(8), 4)
    a, b = RandomCropIterator(src, 8, seed=3), RandomCropIterator(src, 8, seed=3)
    first = a[1][0]
    assert np.array_equal(first, b[1][0]) and np.array_equal(a[1][0], first)  # order-independent
    for i in range(4):
        assert _is_window_of(first[i], x[i]) is not None
    a.on_epoch_end()
    assert not np.array_equal(a[1][0], first)


def test_wrapper_center_mode_and_crop_targets():
    x = _batch(6, 16, 16, 3, np.float32)
    masks = (x[..., 0] > 0.5).astype(np.uint8)
    it = RandomCropIterator(_ListIterator(x, masks, 6), (10, 12), mode="center")
    cx, cy = it[0]
    assert np.array_equal(cx, center_crop(x, (10, 12)))
    assert np.array_equal(cy, (cx[..., 0] > 0.5).astype(np.uint8))  # target cropped alike
    rx, ry = RandomCropIterator(_ListIterator(x, masks, 6), 9, seed=0)[0]
    assert np.array_equal(ry, (rx[..., 0] > 0.5).astype(np.uint8))
    # classification labels are left alone
    lx, ly = RandomCropIterator(_ListIterator(x, np.arange(6), 6), 9, seed=0)[0]
    assert ly.tolist() == list(range(6))


def test_wrapper_argument_checks():
    with pytest.raises(ValueError, match="iterator"):
        RandomCropIterator(iter([]), 3)
    src = _ListIterator(_batch(4, 8, 8, 3, np.uint8), np.zeros(4), 2)
    with pytest.raises(ValueError, match="mode"):
        RandomCropIterator(src, 3, mode="corner")
    with pytest.raises(ValueError, match="size"):
        RandomCropIterator(src, 9, seed=0)[0]
    with pytest.raises(ValueError, match="crop_targets"):
        RandomCropIterator(src, 3, crop_targets=True)[0]


def test_wrapper_index_is_an_integer_like_a_list_index():
    src = _ListIterator(_batch(6, 8, 8, 3, np.uint8), np.arange(6), 2)
    it = RandomCropIterator(src, 5, mode="center")
    assert np.array_equal(it[np.int64(1)][1], [2, 3]) and np.array_equal(it[-1][1], [4, 5])
    for bad in (1.5, 1.0, True, "1"):
        with pytest.raises(TypeError, match="`index` must be an integer, got"):
            it[bad]
    with pytest.raises(IndexError, match=r"`index` 3 is out of range for 3 batches"):
        it[3]


def test_wrapper_checks_the_size_against_a_keras_iterator_when_it_is_made(
    tmp_path, ImageDataGenerator
):
    x = _batch(4, 8, 10, 3, np.uint8)
    with pytest.raises(ValueError, match=r"`size` \(9, 9\) is larger than the iterator's images"):
        RandomCropIterator(ImageDataGenerator().flow(x, np.zeros(4)), 9)
    assert RandomCropIterator(ImageDataGenerator().flow(x, np.zeros(4)), (8, 10)).size == (8, 10)
    from PIL import Image

    (tmp_path / "a").mkdir()
    Image.fromarray(np.zeros((20, 20, 3), np.uint8)).save(tmp_path / "a" / "0.png")
    flow = ImageDataGenerator().flow_from_directory(tmp_path, target_size=(12, 12))
    with pytest.raises(ValueError, match=r"`size` \(16, 16\) is larger .* \(12x12 pixels\)"):
        RandomCropIterator(flow, 16)
    (tmp_path / "b").mkdir()  # a folder without images: Keras finds 0 of them, len() is 0
    empty = ImageDataGenerator().flow_from_directory(tmp_path / "b", target_size=(12, 12))
    with pytest.raises(ValueError, match=r"`iterator` \(DirectoryIterator\) has no batches"):
        RandomCropIterator(empty, 8)


def test_crops_refuse_ragged_and_empty_images_naming_them():
    with pytest.raises(ValueError, match="`image` could not be converted to an array"):
        random_crop([[1, 2], [3]], 1)
    with pytest.raises(ValueError, match=r"`images` is empty \(shape \(0, 4, 4, 3\)\)"):
        center_crop(np.zeros((0, 4, 4, 3)), 2)
    with pytest.raises(ValueError, match=r"`images` must have shape .* got shape \(4,\)"):
        paired_random_crop(np.zeros(4), np.zeros(4), 2)


def test_wrapper_pickles():
    src = _ListIterator(_batch(4, 8, 8, 3, np.uint8), np.zeros(4), 2)
    it = RandomCropIterator(src, 5, seed=0)
    clone = pickle.loads(pickle.dumps(it))
    assert np.array_equal(clone[1][0], it[1][0])


def test_wrapper_on_a_directory_iterator_trains_and_predicts(tmp_path, ImageDataGenerator):
    """flow_from_directory -> RandomCropIterator -> fit / predict, without steps_per_epoch."""
    import keras
    from PIL import Image

    rng = np.random.default_rng(0)
    for cls in ("cats", "dogs"):
        (tmp_path / cls).mkdir()
        for i in range(5):
            Image.fromarray(rng.integers(0, 255, (20, 20, 3), dtype=np.uint8)).save(
                tmp_path / cls / f"{i}.png"
            )
    flow = ImageDataGenerator(rescale=1 / 255).flow_from_directory(
        tmp_path, target_size=(20, 20), batch_size=4, class_mode="sparse", shuffle=False
    )
    train = RandomCropIterator(flow, 16, seed=0)
    assert isinstance(train, keras.utils.PyDataset)
    assert len(train) == len(flow) == 3 and train.samples == 10
    assert train.class_indices == {"cats": 0, "dogs": 1}
    assert train.filenames == flow.filenames and len(train.filenames) == 10
    x0, y0 = train[0]
    assert x0.shape == (4, 16, 16, 3) and x0.dtype == np.float32

    model = keras.Sequential(
        [
            keras.Input((16, 16, 3)),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile("sgd", "sparse_categorical_crossentropy")
    history = model.fit(train, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2

    test = RandomCropIterator(flow, 16, mode="center")
    test.reset()
    pred = model.predict(test, verbose=0)
    assert pred.shape == (10, 2)  # one row per file, in filenames order
    assert np.array_equal(test.classes, flow.classes)
