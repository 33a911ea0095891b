"""tutorial_lib.transforms: salt_and_pepper, erode, gaussian_noise, random_apply, compose."""

from functools import partial

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

import tutorial_lib as tl
from tutorial_lib.transforms import compose, erode, gaussian_noise, random_apply, salt_and_pepper

SETTINGS = settings(max_examples=30, deadline=None)


def _image(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    if np.issubdtype(np.dtype(dtype), np.integer):
        return rng.integers(0, 256, size=shape).astype(dtype)
    return rng.random(shape).astype(dtype)


# Each random transform as a function of (image, seed) with a non-trivial strength.
RANDOM = {
    "salt_and_pepper": lambda x, seed: salt_and_pepper(x, amount=0.3, seed=seed),
    "gaussian_noise": lambda x, seed: gaussian_noise(x, sigma=0.2, seed=seed),
}
ALL = dict(RANDOM, erode=lambda x, seed: erode(x, 3))


def test_exported_from_package_root():
    for name in ("salt_and_pepper", "erode", "gaussian_noise", "random_apply", "compose"):
        assert getattr(tl, name) is globals()[name]
        assert name in tl.__all__


# --- dtype, shape, range, input untouched, channel counts ---------------------------------


@pytest.mark.parametrize("name", sorted(ALL))
@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
@pytest.mark.parametrize(
    "shape", [(12, 10), (12, 10, 1), (12, 10, 3), (12, 10, 4), (12, 10, 6), (5, 12, 10, 3)]
)
def test_shape_dtype_range_and_input_untouched(name, dtype, shape):
    x = _image(shape, dtype)
    before = x.copy()
    x.setflags(write=False)  # any write into the input would raise
    out = ALL[name](x, 0)
    assert out.shape == x.shape
    assert out.dtype == x.dtype
    assert out is not x and not np.shares_memory(out, x)
    np.testing.assert_array_equal(x, before)
    high = 255 if dtype == np.uint8 else 1.0
    assert out.min() >= 0 and out.max() <= high
    if name != "erode":
        assert np.any(out != x)


def test_float_0_255_images_as_image_data_generator_passes_them():
    # preprocessing_function receives float32 (H, W, C) in 0..255 (before rescale)
    x = np.full((20, 20, 3), 100.0, dtype=np.float32)
    sp = salt_and_pepper(x, amount=0.5, seed=1)
    assert set(np.unique(sp).tolist()) == {0.0, 100.0, 255.0}
    noisy = gaussian_noise(x, sigma=0.1, seed=1)
    assert noisy.dtype == np.float32
    assert noisy.max() <= 255.0 and noisy.std() > 10  # sigma is 10 % of 255, not of 1


def test_explicit_value_range_is_used():
    x = np.full((10, 10), 0.5, dtype=np.float32)
    out = salt_and_pepper(x, amount=1.0, salt_vs_pepper=1.0, value_range=(0, 255))
    assert np.all(out == 255.0)
    out = gaussian_noise(
        np.full((50, 50), 200, dtype=np.uint8), sigma=0.5, seed=0, value_range=(10, 220)
    )
    assert out.min() >= 10 and out.max() <= 220


def test_float_outside_known_ranges_needs_value_range():
    x = np.linspace(-2, 2, 16, dtype=np.float32).reshape(4, 4)
    with pytest.raises(ValueError, match="value_range"):
        gaussian_noise(x, sigma=0.1, seed=0)
    out = gaussian_noise(x, sigma=0.1, seed=0, value_range=(-2, 2))
    assert out.min() >= -2 and out.max() <= 2


def test_salt_and_pepper_whole_pixels_and_proportions():
    x = np.full((200, 200, 3), 128, dtype=np.uint8)
    out = salt_and_pepper(x, amount=0.2, salt_vs_pepper=0.25, seed=3)
    hit = np.any(out != 128, axis=-1)
    # all channels of a hit pixel are set together: black or white dots, no colours
    assert np.all((out[hit] == 0).all(axis=-1) | (out[hit] == 255).all(axis=-1))
    assert abs(hit.mean() - 0.2) < 0.02
    salt = (out[hit] == 255).all(axis=-1).mean()
    assert abs(salt - 0.25) < 0.05


def test_salt_and_pepper_amount_one_replaces_everything():
    out = salt_and_pepper(np.full((8, 8), 7, dtype=np.uint8), amount=1.0, seed=0)
    assert set(np.unique(out).tolist()) <= {0, 255}


def test_gaussian_noise_standard_deviation():
    x = np.full((300, 300), 0.5, dtype=np.float64)
    out = gaussian_noise(x, sigma=0.05, seed=0)
    assert abs((out - x).std() - 0.05) < 0.003
    assert abs((out - x).mean()) < 0.003


def test_erode_matches_minimum_filter_per_channel():
    from scipy.ndimage import minimum_filter

    x = _image((3, 16, 16, 4), np.uint8)
    out = erode(x, 5)
    for i in range(3):
        for c in range(4):
            np.testing.assert_array_equal(
                out[i, ..., c], minimum_filter(x[i, ..., c], size=5, mode="nearest")
            )


def test_erode_thins_a_digit_and_accepts_array_footprint():
    (x, _), _ = tl.load_digits()
    digit = x[0]
    thin = erode(digit, np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=bool))
    assert np.all(thin <= digit)
    assert (thin > 127).sum() < (digit > 127).sum()


# --- identity at strength 0, reproducibility ---------------------------------------------------


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_zero_strength_is_identity(dtype):
    x = _image((9, 7, 3), dtype)
    for out in (
        salt_and_pepper(x, amount=0.0, seed=0),
        gaussian_noise(x, sigma=0.0, seed=0),
        erode(x, 1),
        erode(x, np.ones((1, 1), bool)),
        random_apply(partial(gaussian_noise, sigma=0.5), p=0.0, seed=0)(x),
        compose()(x),
    ):
        np.testing.assert_array_equal(out, x)
        assert out.dtype == x.dtype and not np.shares_memory(out, x)


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_same_seed_same_output_different_seed_different_output(name):
    x = _image((16, 16, 3), np.uint8)
    a, b, c = RANDOM[name](x, 7), RANDOM[name](x, 7), RANDOM[name](x, 8)
    np.testing.assert_array_equal(a, b)
    assert np.any(a != c)


def test_shared_generator_makes_a_pipeline_repeatable():
    x = _image((16, 16, 1), np.float32)

    def pipeline(seed):
        rng = np.random.default_rng(seed)
        return compose(
            random_apply(partial(erode, footprint=3), p=0.5, seed=rng),
            random_apply(partial(salt_and_pepper, amount=0.1, seed=rng), p=0.5, seed=rng),
            random_apply(partial(gaussian_noise, sigma=0.1, seed=rng), p=0.5, seed=rng),
        )

    p1, p2 = pipeline(0), pipeline(0)
    run1 = [p1(x) for _ in range(10)]
    run2 = [p2(x) for _ in range(10)]
    for a, b in zip(run1, run2):
        np.testing.assert_array_equal(a, b)
    assert len({r.tobytes() for r in run1}) > 1  # it is random from call to call


# --- random_apply and compose ----------------------------------------------------------------


def test_random_apply_frequency_and_extremes():
    x = np.full((4, 4, 1), 100, dtype=np.uint8)
    always = random_apply(partial(salt_and_pepper, amount=1.0, seed=0), p=1.0, seed=0)
    assert np.all(always(x) != 100)
    f = random_apply(lambda im: im + 1, p=0.3, seed=1)
    applied = [bool(np.any(f(x) != x)) for _ in range(1000)]
    assert 0.25 < np.mean(applied) < 0.35


def test_random_apply_batch_mode_decides_per_image_and_calls_fn_once():
    calls = []

    def invert(batch):
        calls.append(batch.shape)
        return 255 - batch

    x = np.zeros((200, 4, 4, 1), dtype=np.uint8)
    out = random_apply(invert, p=0.5, seed=0, batch=True)(x)
    changed = np.all(out == 255, axis=(1, 2, 3))
    untouched = np.all(out == 0, axis=(1, 2, 3))
    assert np.all(changed | untouched)
    assert 70 < changed.sum() < 130
    assert calls == [(int(changed.sum()), 4, 4, 1)]
    assert np.all(x == 0)


def test_compose_order():
    add = lambda im: im + 1.0  # noqa: E731
    double = lambda im: im * 2.0  # noqa: E731
    x = np.ones((2, 2), dtype=np.float32)
    assert compose(add, double)(x)[0, 0] == 4.0
    assert compose(double, add)(x)[0, 0] == 3.0
    assert compose([add, double])(x)[0, 0] == 4.0


def test_compose_does_not_let_a_careless_function_write_into_the_input():
    def in_place(im):
        im += 1
        return im

    x = np.zeros((3, 3), dtype=np.float32)
    compose(in_place)(x)
    assert np.all(x == 0)


def test_works_as_image_data_generator_preprocessing_function():
    ImageDataGenerator = tl.get_image_data_generator()
    rng = np.random.default_rng(0)
    fn = compose(
        random_apply(partial(erode, footprint=3), p=0.5, seed=rng),
        partial(salt_and_pepper, amount=0.05, seed=rng, value_range=(0, 255)),
    )
    x = _image((8, 12, 12, 3), np.uint8).astype(np.float32)
    gen = ImageDataGenerator(preprocessing_function=fn, rescale=1 / 255)
    batch = next(gen.flow(x, batch_size=8, shuffle=False))
    assert batch.shape == x.shape and batch.dtype == np.float32
    assert batch.min() >= 0 and batch.max() <= 1
    assert np.any(batch != x / 255)


def test_works_in_tf_data_via_numpy_function():
    tf = tl.quiet_tensorflow()
    rng = np.random.default_rng(0)
    fn = compose(partial(gaussian_noise, sigma=0.1, seed=rng), partial(erode, footprint=3))
    x = _image((6, 10, 10, 3), np.uint8)

    def augment(image):
        out = tf.numpy_function(fn, [image], tf.uint8)
        out.set_shape(image.shape)
        return out

    ds = tf.data.Dataset.from_tensor_slices(x).map(augment).batch(6)
    out = next(iter(ds)).numpy()
    assert out.shape == x.shape and out.dtype == np.uint8
    assert np.any(out != x)


# --- bad arguments -----------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [-0.1, 1.5, float("nan"), "0.1", None])
def test_bad_amount(amount):
    with pytest.raises(ValueError, match="amount"):
        salt_and_pepper(np.zeros((4, 4)), amount=amount)


@pytest.mark.parametrize("ratio", [-0.01, 1.01])
def test_bad_salt_vs_pepper(ratio):
    with pytest.raises(ValueError, match="salt_vs_pepper"):
        salt_and_pepper(np.zeros((4, 4)), amount=0.1, salt_vs_pepper=ratio)


@pytest.mark.parametrize("sigma", [-0.1, float("inf"), "big", True])
def test_bad_sigma(sigma):
    with pytest.raises(ValueError, match="sigma"):
        gaussian_noise(np.zeros((4, 4)), sigma=sigma)


@pytest.mark.parametrize(
    "footprint",
    [
        0,
        2,
        4,
        -3,
        np.ones((2, 3), bool),
        np.zeros((3, 3), bool),
        np.ones((3, 3, 3), bool),
        np.ones((0, 0), bool),
        2.5,
        "x",
    ],
)
def test_bad_footprint(footprint):
    with pytest.raises(ValueError, match="footprint"):
        erode(np.zeros((8, 8)), footprint)


@pytest.mark.parametrize("p", [-0.5, 1.0001, float("nan")])
def test_bad_probability(p):
    with pytest.raises(ValueError, match="`p`"):
        random_apply(lambda im: im, p=p)


@pytest.mark.parametrize("value_range", [(1, 0), (0, float("inf")), (0,), "ab", (-5, 255)])
def test_bad_value_range(value_range):
    with pytest.raises(ValueError, match="value_range"):
        salt_and_pepper(np.zeros((4, 4), dtype=np.uint8), amount=0.1, value_range=value_range)


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros(5),
        np.zeros((2, 2, 2, 2, 2)),
        np.zeros((0, 4)),
        np.zeros((3, 3), bool),
        np.array([["a"]]),
    ],
)
def test_bad_image(bad):
    for fn in (
        lambda x: salt_and_pepper(x, 0.1),
        lambda x: gaussian_noise(x, 0.1),
        lambda x: erode(x, 3),
    ):
        with pytest.raises(ValueError, match="image"):
            fn(bad)


def test_not_callable():
    with pytest.raises(TypeError, match="`fn` must be callable.*got int 3"):
        random_apply(3, p=0.5)
    with pytest.raises(TypeError, match=r"`fns\[1\]` must be callable.*got str 'erode'"):
        compose(lambda im: im, "erode")


@pytest.mark.parametrize("sigma", ["0.1", None, True, [0.1]])
def test_sigma_of_the_wrong_type_is_a_type_error(sigma):
    with pytest.raises(TypeError, match="`sigma` must be a finite number >= 0, got"):
        gaussian_noise(np.zeros((4, 4)), sigma=sigma)


@pytest.mark.parametrize("batch", ["yes", 1, None])
def test_random_apply_batch_must_be_a_bool(batch):
    with pytest.raises(TypeError, match="`batch` must be True or False, got"):
        random_apply(lambda im: im, batch=batch)


def test_random_apply_batch_mode_refuses_a_function_that_changes_the_shape():
    x = np.zeros((4, 8, 8, 1), np.uint8)
    halve = random_apply(lambda b: b[:, ::2], p=1.0, seed=0, batch=True)
    with pytest.raises(ValueError, match=r"`fn` returned shape \(4, 4, 8, 1\) for a batch of"):
        halve(x)
    # one image at a time, a shape change is the function's business (a crop, say)
    assert random_apply(lambda im: im[::2], p=1.0, seed=0)(x[0]).shape == (4, 8, 1)


# --- properties --------------------------------------------------------------------------------

shapes = st.tuples(st.integers(1, 9), st.integers(1, 9), st.sampled_from([1, 3, 4, 6]))
dtypes = st.sampled_from([np.uint8, np.float32])


@SETTINGS
@given(
    shape=shapes,
    dtype=dtypes,
    amount=st.floats(0, 1),
    ratio=st.floats(0, 1),
    seed=st.integers(0, 2**32 - 1),
)
def test_property_salt_and_pepper(shape, dtype, amount, ratio, seed):
    x = _image(shape, dtype, seed % 1000)
    out = salt_and_pepper(x, amount=amount, salt_vs_pepper=ratio, seed=seed)
    high = 255 if dtype == np.uint8 else 1.0
    assert out.shape == x.shape and out.dtype == x.dtype
    changed = out != x
    # only extreme values are written
    assert np.all((out[changed] == 0) | (out[changed] == high))
    np.testing.assert_array_equal(
        out, salt_and_pepper(x, amount=amount, salt_vs_pepper=ratio, seed=seed)
    )


@SETTINGS
@given(shape=shapes, dtype=dtypes, sigma=st.floats(0, 2), seed=st.integers(0, 2**32 - 1))
def test_property_gaussian_noise(shape, dtype, sigma, seed):
    x = _image(shape, dtype, seed % 1000)
    before = x.copy()
    out = gaussian_noise(x, sigma=sigma, seed=seed)
    high = 255 if dtype == np.uint8 else 1.0
    assert out.shape == x.shape and out.dtype == x.dtype
    assert out.min() >= 0 and out.max() <= high
    np.testing.assert_array_equal(x, before)


@SETTINGS
@given(shape=shapes, dtype=dtypes, k=st.sampled_from([1, 3, 5]), batch=st.booleans())
def test_property_erode(shape, dtype, k, batch):
    x = _image(((2,) + shape) if batch else shape, dtype)
    out = erode(x, k)
    assert out.shape == x.shape and out.dtype == x.dtype
    assert np.all(out <= x)  # erosion never brightens a pixel
    assert np.all(erode(out, k) <= out)  # nor does eroding again
    # min over the image is preserved (the darkest pixel stays)
    axes = tuple(range(1, x.ndim)) if batch else None
    np.testing.assert_array_equal(out.min(axis=axes), x.min(axis=axes))


@SETTINGS
@given(p=st.floats(0, 1), seed=st.integers(0, 2**32 - 1))
def test_property_random_apply_returns_either_input_or_fn_output(p, seed):
    x = _image((5, 5, 3), np.uint8)
    out = random_apply(lambda im: 255 - im, p=p, seed=seed)(x)
    assert np.array_equal(out, x) or np.array_equal(out, 255 - x)


@pytest.mark.parametrize("shape", [(6, 6), (6, 6, 2), (2, 6, 6, 1)])
def test_erode_refuses_nan_instead_of_dropping_it(shape):
    image = np.ones(shape, np.float32)
    image.reshape(-1)[7] = np.nan
    with pytest.raises(ValueError, match=r"`image` holds 1 NaN value\(s\)"):
        erode(image, 3)
    # scipy's own erosion loses it: the reason for refusing
    assert not np.isnan(ndimage.grey_erosion(image, size=(3,) * image.ndim)).any()


def test_erode_treats_infinities_as_ordinary_extremes():
    image = np.ones((5, 5))
    image[2, 2] = -np.inf
    image[0, 4] = np.inf
    out = erode(image, 3)
    assert np.isneginf(out[1:4, 1:4]).all() and np.isneginf(out).sum() == 9
    assert not np.isposinf(out).any()  # a maximum never survives a minimum filter
