"""Tests of tutorial_lib.generator_augment: ImageDataGenerator's arguments as one fused Keras layer.

The module runs under the backend in KERAS_BACKEND (TensorFlow by default);
``test_the_same_tests_pass_on_jax`` runs it again in a subprocess on JAX, together with
test_generator_augment_boxes.py (bounding boxes).
"""

import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import tutorial_lib as tl
from tutorial_lib.generator_augment import (
    GeneratorAugment,
    from_image_data_generator,
    generator_matrices,
)

BACKEND = keras.backend.backend()
ROOT = Path(__file__).resolve().parents[2]
N_DRAWS = 3000
SHAPE = (24, 40, 3)  # not square: fractions must scale with their own side


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def smooth_image(size=32, channels=3, seed=0):
    """A smooth 0..255 image: interpolation differences stay small, mistakes do not."""
    from scipy.ndimage import gaussian_filter

    raw = np.random.default_rng(seed).uniform(0, 255, (size, size, channels))
    x = gaussian_filter(raw, (2, 2, 0))
    return ((x - x.min()) / (x.max() - x.min()) * 255).astype("float32")


def test_exported_lazily_from_package_root():
    code = "import sys, tutorial_lib; assert 'keras' not in sys.modules, 'keras imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    for name in ("GeneratorAugment", "from_image_data_generator", "generator_matrices"):
        assert getattr(tl, name) is globals()[name] and name in tl.__all__


# --- fixed parameters: the same pixels as ImageDataGenerator.apply_transform ---------------------

CASES = [
    {"theta": 25.0},
    {"tx": 3.3},
    {"ty": -2.2},
    {"shear": 12.0},
    {"zx": 0.8, "zy": 1.15},
    {"flip_horizontal": True},
    {"flip_vertical": True},
    {
        "theta": -17.0,
        "tx": 2.5,
        "ty": -1.5,
        "shear": 8.0,
        "zx": 0.9,
        "zy": 1.1,
        "flip_horizontal": True,
        "flip_vertical": True,
    },
]
# Keras' "constant" interpolates with the fill value at the border as SciPy's "grid-constant"
# does, and its "wrap" is the periodic one, SciPy's "grid-wrap" (SciPy's "wrap" is off by one).
SCIPY_MODE = {"nearest": "nearest", "reflect": "reflect", "constant": "grid-constant"}


@pytest.mark.parametrize("fill_mode", ["nearest", "reflect", "constant", "wrap"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_fixed_parameters_match_apply_transform(ImageDataGenerator, fill_mode, interpolation):
    x = smooth_image()
    layer = GeneratorAugment(fill_mode=fill_mode, cval=7.0, interpolation=interpolation)
    generator = ImageDataGenerator(
        fill_mode=SCIPY_MODE.get(fill_mode, "grid-wrap"),
        cval=7.0,
        interpolation_order=1 if interpolation == "bilinear" else 0,
    )
    for params in CASES:
        expected = generator.apply_transform(x, dict(params))
        got = numpy(layer.apply_parameters(x[None], {k: [v] for k, v in params.items()}))[0]
        differs = np.abs(got - expected) > 1e-3
        # bilinear: equal (at most the one-pixel seam of "wrap", which TF does not blend);
        # nearest: equal but for ties at exactly half a pixel, rounded the other way
        allowed = 0.0 if (interpolation, fill_mode) == ("bilinear", "nearest") else 0.1
        assert differs.mean() <= allowed, (params, differs.mean())
        assert np.median(np.abs(got - expected)) < 1e-3, params


def test_one_matrix_per_image_composes_the_parts_in_the_generators_order():
    params = {"theta": [30.0, 0.0], "tx": [2.0, 5.0], "zx": [0.5, 1.0], "flip_vertical": [1, 0]}
    fused = numpy(generator_matrices(params, 16, 16))
    parts = [{"theta": [30.0]}, {"tx": [2.0]}, {"zx": [0.5]}, {"flip_vertical": [1]}]
    product = np.eye(3)
    for part in parts:
        product = product @ numpy(generator_matrices(part, 16, 16))[0]
    np.testing.assert_allclose(fused[0], product, atol=1e-5)
    np.testing.assert_allclose(fused[1], [[1, 0, 5], [0, 1, 0], [0, 0, 1]], atol=1e-6)


def test_rotation_turns_about_the_centre_of_a_non_square_image():
    x = np.random.default_rng(0).uniform(0, 255, (1, 6, 10, 2)).astype("float32")
    layer = GeneratorAugment(interpolation="nearest")
    np.testing.assert_allclose(
        numpy(layer.apply_parameters(x, {"theta": 180.0})), x[:, ::-1, ::-1], atol=1e-4
    )


def test_value_transforms_match_apply_transform_and_leave_masks_alone(ImageDataGenerator):
    x = smooth_image(seed=1)
    layer = GeneratorAugment()
    for params, atol in [
        ({"channel_shift_intensity": 30.0}, 1e-3),
        ({"channel_shift_intensity": -45.0}, 1e-3),
        # the generator truncates to uint8 (up to 1 grey level, scaled) and rounds back
        ({"brightness": 1.3}, 1.3 + 1.0),
        ({"brightness": 0.6, "theta": 10.0}, 0.6 + 1.0),
    ]:
        expected = ImageDataGenerator().apply_transform(x, dict(params))
        mask = np.arange(32 * 32, dtype="int32").reshape(1, 32, 32) % 5
        out = layer.apply_parameters(
            {"images": x[None], "segmentation_masks": mask},
            {k: [v] for k, v in params.items()},
        )
        np.testing.assert_allclose(numpy(out["images"])[0], expected, atol=atol)
        if "theta" not in params:
            assert np.array_equal(numpy(out["segmentation_masks"]), mask)


# --- random draws: the generator's distributions, one draw per image ------------------------------


def idg_draws(ImageDataGenerator, key, **settings):
    generator = ImageDataGenerator(**settings)
    return np.array(
        [float(generator.get_random_transform(SHAPE, seed=s)[key]) for s in range(N_DRAWS)]
    )


def layer_draws(key, **settings):
    layer = GeneratorAugment(seed=3, **settings)
    return numpy(layer.draw_parameters(N_DRAWS, SHAPE[0], SHAPE[1])[key]).astype(float)


# (layer setting, layer key, generator key): the generator stores the width draw under "ty"
# and scales it by the width, but applies "ty" to the rows; the layer puts it in "tx" (columns).
CONTINUOUS = [  # ..., and the bounds the documentation gives (shape 24x40)
    ({"rotation_range": 30}, "theta", "theta", (-30, 30)),
    ({"width_shift_range": 0.2}, "tx", "ty", (-8, 8)),  # 0.2 of the width, 40
    ({"height_shift_range": 0.3}, "ty", "tx", (-7.2, 7.2)),  # 0.3 of the height, 24
    ({"width_shift_range": 5.0}, "tx", "ty", (-5, 5)),
    ({"shear_range": 15}, "shear", "shear", (-15, 15)),
    ({"zoom_range": 0.3}, "zx", "zx", (0.7, 1.3)),
    ({"zoom_range": 0.3}, "zy", "zy", (0.7, 1.3)),
    ({"zoom_range": [0.5, 1.2]}, "zx", "zx", (0.5, 1.2)),
    (
        {"channel_shift_range": 40.0},
        "channel_shift_intensity",
        "channel_shift_intensity",
        (-40, 40),
    ),
    ({"brightness_range": [0.5, 1.5]}, "brightness", "brightness", (0.5, 1.5)),
]
DISCRETE = [
    ({"width_shift_range": 4}, "tx", "ty"),
    ({"height_shift_range": [2, 5]}, "ty", "tx"),
    ({"width_shift_range": [0.1, 0.2]}, "tx", "ty"),
    ({"horizontal_flip": True}, "flip_horizontal", "flip_horizontal"),
    ({"vertical_flip": True}, "flip_vertical", "flip_vertical"),
]


@pytest.mark.parametrize("setting, key, idg_key, bounds", CONTINUOUS, ids=lambda v: str(v))
def test_continuous_draws_follow_the_generator(ImageDataGenerator, setting, key, idg_key, bounds):
    ours, theirs = layer_draws(key, **setting), idg_draws(ImageDataGenerator, idg_key, **setting)
    assert stats.ks_2samp(ours, theirs).pvalue > 1e-3, (ours.mean(), theirs.mean())
    low, high = bounds
    assert stats.kstest(ours, stats.uniform(low, high - low).cdf).pvalue > 1e-3  # uniform
    for draws in (ours, theirs):
        tol = 0.01 * (high - low)
        assert low - 1e-5 <= draws.min() < low + tol and high - tol < draws.max() <= high + 1e-5
    assert len(np.unique(ours)) > 0.9 * N_DRAWS  # a new value for every image


@pytest.mark.parametrize("setting, key, idg_key", DISCRETE, ids=lambda v: str(v))
def test_discrete_draws_follow_the_generator(ImageDataGenerator, setting, key, idg_key):
    ours, theirs = layer_draws(key, **setting), idg_draws(ImageDataGenerator, idg_key, **setting)
    values = np.unique(np.round(theirs, 4))
    assert np.array_equal(np.unique(np.round(ours, 4)), values)
    for v in values:
        assert abs(np.mean(np.round(ours, 4) == v) - np.mean(np.round(theirs, 4) == v)) < 0.04


def test_keep_aspect_ratio_draws_one_zoom_factor():
    params = GeneratorAugment(zoom_range=0.3, keep_aspect_ratio=True, seed=0).draw_parameters(
        500, 8, 8
    )
    zx, zy = numpy(params["zx"]), numpy(params["zy"])
    assert np.array_equal(zx, zy) and 0.7 <= zx.min() and zx.max() <= 1.3 and zx.std() > 0.1


def test_zero_ranges_give_the_input_back_exactly():
    x = np.random.default_rng(0).uniform(0, 255, (3, 9, 7, 2)).astype("float32")
    mask = np.random.default_rng(1).integers(0, 4, (3, 9, 7)).astype("uint8")
    layer = GeneratorAugment(seed=0)
    assert layer.draw_parameters(3, 9, 7) == {}
    assert np.array_equal(numpy(layer(x, training=True)), x)
    out = layer({"images": x, "segmentation_masks": mask}, training=True)
    assert np.array_equal(numpy(out["images"]), x)
    assert np.array_equal(numpy(out["segmentation_masks"]), mask)


# --- masks: same matrix, nearest neighbour, no invented labels ------------------------------------


@settings(max_examples=25 if BACKEND == "tensorflow" else 10, deadline=None)  # JAX: CI time
@given(
    rotation=st.sampled_from([0, 30, 180]),
    shift=st.sampled_from([0.0, 0.2, 3]),
    zoom=st.sampled_from([0.0, 0.4]),
    shear=st.sampled_from([0.0, 20.0]),
    flips=st.booleans(),
    fill_mode=st.sampled_from(["constant", "nearest", "reflect", "wrap"]),
    labels=st.lists(  # 99 is the images' cval below, so not a label
        st.integers(1, 255).filter(lambda v: v != 99), min_size=1, max_size=4, unique=True
    ),
    channel_axis=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_masks_keep_their_label_set_and_move_with_the_images(
    rotation, shift, zoom, shear, flips, fill_mode, labels, channel_axis, seed
):
    rng = np.random.default_rng(seed)
    mask = rng.choice(np.asarray(labels), size=(2, 12, 10)).astype("uint8")
    mask = mask[..., None] if channel_axis else mask
    layer = GeneratorAugment(
        rotation_range=rotation,
        width_shift_range=shift,
        height_shift_range=shift,
        zoom_range=zoom,
        shear_range=shear,
        horizontal_flip=flips,
        vertical_flip=flips,
        fill_mode=fill_mode,
        cval=99.0,
        interpolation="nearest",
        seed=seed,
    )
    # the image holds the mask's labels: nearest-neighbour, both must move identically
    images = np.repeat(mask.reshape(2, 12, 10, 1), 3, axis=-1).astype("float32")
    out = layer({"images": images, "segmentation_masks": mask}, training=True)
    got_mask, got_images = numpy(out["segmentation_masks"]), numpy(out["images"])
    assert got_mask.dtype == np.uint8 and got_mask.shape == mask.shape
    assert set(np.unique(got_mask).tolist()) <= set(labels) | {0}
    as_image = got_mask.reshape(2, 12, 10)
    inside = got_images[..., 0] != 99.0  # where the image was filled with cval the mask is 0
    assert np.array_equal(as_image[inside], got_images[..., 0][inside])
    assert np.all(as_image[~inside] == 0)


def test_single_image_and_single_mask():
    x = smooth_image(size=16)
    layer = GeneratorAugment(rotation_range=40, seed=1)
    assert numpy(layer(x, training=True)).shape == x.shape
    out = layer({"images": x, "segmentation_masks": np.ones((16, 16), "int32")}, training=True)
    assert numpy(out["segmentation_masks"]).shape == (16, 16)


# --- training only, seeds, serialisation, models, tf.data -----------------------------------------

SETTINGS_ALL = dict(
    rotation_range=20,
    width_shift_range=0.1,
    height_shift_range=[2, 4],
    shear_range=10,
    zoom_range=[0.8, 1.1],
    horizontal_flip=True,
    vertical_flip=True,
    fill_mode="reflect",
    brightness_range=[0.8, 1.2],
    channel_shift_range=10.0,
)


def test_inference_is_the_identity_and_training_augments():
    x = smooth_image(size=16)[None].repeat(4, axis=0)
    layer = GeneratorAugment(**SETTINGS_ALL, seed=0)
    assert np.array_equal(numpy(layer(x, training=False)), x)
    trained = numpy(layer(x, training=True))
    assert not np.allclose(trained, x)
    assert not np.allclose(trained[0], trained[1])  # each image its own draw
    model = keras.Sequential([keras.Input((16, 16, 3)), layer])
    assert np.array_equal(model.predict(x, verbose=0), x)


def test_same_seed_same_outputs_other_seed_other_outputs():
    x = smooth_image(size=16)[None].repeat(3, axis=0)
    first, second = (GeneratorAugment(**SETTINGS_ALL, seed=5) for _ in range(2))
    a1, a2 = numpy(first(x)), numpy(first(x))
    b1, b2 = numpy(second(x)), numpy(second(x))
    assert np.array_equal(a1, b1) and np.array_equal(a2, b2)
    assert not np.allclose(a1, a2)  # the next call draws again
    assert not np.allclose(numpy(GeneratorAugment(**SETTINGS_ALL, seed=6)(x)), a1)


def test_keras_file_round_trip(tmp_path):
    x = smooth_image(size=16)[None].repeat(2, axis=0)
    model = keras.Sequential(
        [
            keras.Input((16, 16, 3)),
            GeneratorAugment(**SETTINGS_ALL, seed=2, name="augment"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(3),
        ]
    )
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    original, restored = model.get_layer("augment"), loaded.get_layer("augment")
    assert type(restored) is GeneratorAugment
    assert restored.get_config() == original.get_config()
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    twin = GeneratorAugment.from_config(original.get_config())
    fresh = GeneratorAugment(**SETTINGS_ALL, seed=2)
    assert np.array_equal(numpy(twin(x)), numpy(fresh(x)))  # the config carries the seed


def test_trains_inside_a_model():
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0, 255, (8, 12, 12, 3)).astype("float32"), rng.integers(0, 2, 8)
    model = keras.Sequential(
        [
            keras.Input((12, 12, 3)),
            GeneratorAugment(**SETTINGS_ALL, seed=0),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Flatten(),
            keras.layers.Dense(2),
        ]
    )
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


@pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.data runs Keras layers on TensorFlow")
def test_works_in_tf_data_map():
    import tensorflow as tf

    x = np.stack([smooth_image(size=16, seed=s) for s in range(8)])
    masks = (x[..., 0] > 128).astype("uint8")
    layer = GeneratorAugment(**SETTINGS_ALL, seed=0)
    ds = tf.data.Dataset.from_tensor_slices({"images": x, "segmentation_masks": masks})
    ds = ds.batch(4).map(lambda d: layer(d, training=True)).prefetch(2)
    batches = list(ds)
    assert len(batches) == 2 and batches[0]["images"].shape == (4, 16, 16, 3)
    assert batches[0]["segmentation_masks"].dtype == tf.uint8
    assert not np.allclose(batches[0]["images"].numpy(), x[:4])
    second_epoch = next(iter(ds))["images"].numpy()
    assert not np.allclose(second_epoch, batches[0]["images"].numpy())  # new draws per epoch


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**16), batch=st.integers(1, 5))
def test_uint8_batches_give_the_float_results_in_the_compute_dtype(seed, batch):
    """Decoded uint8 batches go in as they are: converted inside the warp, not before it."""
    x = np.random.default_rng(seed).integers(0, 256, (batch, 12, 10, 3)).astype("uint8")
    layer = GeneratorAugment(**SETTINGS_ALL, seed=seed)
    params = layer.draw_parameters(batch, 12, 10)
    from_bytes = layer.apply_parameters(x, params)
    assert keras.backend.standardize_dtype(from_bytes.dtype) == "float32"
    np.testing.assert_allclose(
        numpy(from_bytes), numpy(layer.apply_parameters(x.astype("float32"), params)), atol=1e-4
    )


# --- building from a generator; argument checks ---------------------------------------------------


def test_from_image_data_generator_copies_the_augmentation(ImageDataGenerator):
    generator = ImageDataGenerator(
        rotation_range=12,
        width_shift_range=[1, 3],
        height_shift_range=0.1,
        shear_range=5,
        zoom_range=0.2,
        horizontal_flip=True,
        fill_mode="constant",
        cval=3,
        brightness_range=(0.9, 1.1),
        channel_shift_range=20,
        interpolation_order=0,
    )
    config = from_image_data_generator(generator, seed=4, keep_aspect_ratio=True).get_config()
    assert {k: config[k] for k in ("rotation_range", "shear_range", "cval", "seed")} == {
        "rotation_range": 12.0,
        "shear_range": 5.0,
        "cval": 3.0,
        "seed": 4,
    }
    assert config["width_shift_range"] == [1, 3] and config["height_shift_range"] == 0.1
    assert np.allclose(config["zoom_range"], [0.8, 1.2]) and config["keep_aspect_ratio"]
    assert config["interpolation"] == "nearest" and config["fill_mode"] == "constant"
    assert config["brightness_range"] == [0.9, 1.1] and config["channel_shift_range"] == 20.0
    assert config["horizontal_flip"] and not config["vertical_flip"]


def test_from_image_data_generator_names_what_it_cannot_take_over(ImageDataGenerator):
    generator = ImageDataGenerator(rescale=1 / 255, preprocessing_function=np.sqrt)
    with pytest.raises(ValueError, match="rescale.*preprocessing_function"):
        from_image_data_generator(generator)
    with pytest.raises(ValueError, match="interpolation_order"):
        from_image_data_generator(ImageDataGenerator(interpolation_order=3))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"rotation_range": -5}, "rotation_range"),
        ({"width_shift_range": "wide"}, "width_shift_range"),
        ({"height_shift_range": []}, "height_shift_range"),
        ({"zoom_range": [1.2, 0.8]}, "zoom_range"),
        ({"brightness_range": 1.2}, "brightness_range"),
        ({"fill_mode": "grid-wrap"}, "fill_mode"),
        ({"interpolation": "bicubic"}, "interpolation"),
        ({"value_range": (255, 0)}, "value_range"),
    ],
)
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GeneratorAugment(**kwargs)


def test_dict_input_must_use_the_keras_keys():
    with pytest.raises(ValueError, match="'images'"):
        GeneratorAugment(rotation_range=5)({"image": np.zeros((1, 4, 4, 1))})


# --- the same tests on JAX ------------------------------------------------------------------------


@pytest.mark.skipif(BACKEND != "tensorflow", reason="started once, from the TensorFlow run")
def test_the_same_tests_pass_on_jax():  # this file and the boxes' one
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            __file__,
            str(Path(__file__).with_name("test_generator_augment_boxes.py")),
            "-q",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
    assert result.returncode == 0, tail
    assert " passed" in tail and "failed" not in tail


@pytest.mark.parametrize(
    "call, error, name",
    [
        (lambda: from_image_data_generator(5), TypeError, "`generator`"),
        (lambda: from_image_data_generator(None), TypeError, "`generator`"),
        (lambda: generator_matrices({}, 0, 4), ValueError, "`height`"),
        (lambda: generator_matrices({}, 4, -1), ValueError, "`width`"),
        (lambda: generator_matrices({}, 4, 2.5), TypeError, "`width`"),
        (lambda: generator_matrices({"rotation": 3.0}, 4, 4), ValueError, "`params`"),
        (lambda: generator_matrices([("theta", 3.0)], 4, 4), TypeError, "`params`"),
        (lambda: GeneratorAugment(cval=float("nan")), ValueError, "`cval`"),
        (lambda: GeneratorAugment(cval=float("inf")), ValueError, "`cval`"),
        (lambda: GeneratorAugment(seed=-1), ValueError, "`seed`"),
        (lambda: GeneratorAugment(rotation_range=float("inf")), ValueError, "`rotation_range`"),
        (lambda: GeneratorAugment(horizontal_flip="yes"), TypeError, "`horizontal_flip`"),
        (lambda: GeneratorAugment(value_range=("a", 1)), TypeError, "`value_range`"),
    ],
)
def test_bad_arguments_are_refused_naming_them(call, error, name):
    with pytest.raises(error, match=name):
        call()


def test_a_generator_with_truthy_flips_still_converts(ImageDataGenerator):
    layer = from_image_data_generator(ImageDataGenerator(horizontal_flip=1), seed=0)
    assert layer.horizontal_flip is True and layer.vertical_flip is False
