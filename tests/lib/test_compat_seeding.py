import os
import random
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tutorial_lib as tl
from tutorial_lib import compat
from tutorial_lib._checks import fold_seed


def test_versions_lists_core_packages_without_importing_them():
    code = (
        "import sys, tutorial_lib as tl; v = tl.versions(); "
        "print('tensorflow' in sys.modules, v['tensorflow'] is not None)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "True"]


def test_import_does_not_import_tensorflow():
    code = "import sys, tutorial_lib; print('tensorflow' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"


def test_image_data_generator_is_the_keras_class(ImageDataGenerator):
    assert ImageDataGenerator.__name__ == "ImageDataGenerator"
    gen = ImageDataGenerator(horizontal_flip=True)
    assert gen.horizontal_flip is True
    # the lazy attributes resolve to the same class
    assert tl.ImageDataGenerator is ImageDataGenerator
    assert compat.ImageDataGenerator is ImageDataGenerator


def test_missing_image_data_generator_names_versions(monkeypatch):
    monkeypatch.setattr(compat, "IMAGE_DATA_GENERATOR_LOCATIONS", ("tutorial_lib_no_such_module",))
    with pytest.raises(ImportError, match="Installed: python="):
        compat.get_image_data_generator()


def test_unknown_attribute_raises():
    with pytest.raises(AttributeError):
        tl.NoSuchThing  # noqa: B018


def test_quiet_tensorflow_import_prints_nothing_to_stderr():
    code = "import tutorial_lib as tl; tf = tl.quiet_tensorflow(); print(int(tf.constant(1) + 1))"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "2"
    assert res.stderr == ""


def test_set_seed_repeats_python_numpy_and_tensorflow():
    tf = tl.quiet_tensorflow()

    def draw():
        return random.random(), np.random.rand(3).tolist(), tf.random.uniform((3,)).numpy().tolist()

    tl.set_seed(123)
    first = draw()
    tl.set_seed(123)
    assert draw() == first
    tl.set_seed(124)
    assert draw() != first


def test_set_seed_returns_seeded_generator():
    a = tl.set_seed(7).integers(0, 1000, 10)
    b = tl.set_seed(7).integers(0, 1000, 10)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("bad", [-1, 1.5, "0", None, True])
def test_set_seed_rejects_bad_seed(bad):
    with pytest.raises(ValueError, match="seed"):
        tl.set_seed(bad)


def test_set_seed_makes_image_data_generator_repeat(ImageDataGenerator):
    x = np.random.default_rng(0).random((4, 16, 16, 1)).astype("float32")
    gen = ImageDataGenerator(rotation_range=30, width_shift_range=0.2)

    def batch():
        return next(gen.flow(x, batch_size=4, shuffle=False))

    tl.set_seed(5)
    first = batch()
    tl.set_seed(5)
    np.testing.assert_array_equal(batch(), first)


@pytest.mark.parametrize("seed", [2**32, 2**40, 2**63, 2**64 + 5, 10**30])
def test_set_seed_takes_seeds_of_any_size_and_repeats(seed):
    import tensorflow as tf

    def draw():
        return random.random(), np.random.rand(3).tolist(), tf.random.uniform((3,)).numpy().tolist()

    rng = tl.set_seed(seed)
    first = draw()
    hash_seed = os.environ["PYTHONHASHSEED"]
    assert 0 <= int(hash_seed) < 2**32  # a child Python refuses anything else
    tl.set_seed(seed)
    assert draw() == first and os.environ["PYTHONHASHSEED"] == hash_seed
    # Python's random and the returned Generator take the seed as it is
    assert rng.random() == np.random.default_rng(seed).random()
    random.seed(seed)
    assert random.random() == first[0]
    tl.set_seed(seed + 1)
    assert draw() != first


def test_seeds_below_2_to_the_32_reach_numpy_unchanged():
    tl.set_seed(2**32 - 1)
    a = np.random.rand()
    np.random.seed(2**32 - 1)
    assert a == np.random.rand()


@given(seed=st.integers(0, 2**200), bits=st.sampled_from([32, 63, 64]))
def test_fold_seed_keeps_small_seeds_and_folds_large_ones_into_range(seed, bits):
    folded = fold_seed(seed, bits)
    assert 0 <= folded < 2**bits and folded == fold_seed(seed, bits)
    if seed < 2**bits:
        assert folded == seed


def test_fold_seed_keeps_large_seeds_apart():
    folded = {fold_seed(2**40 + k) for k in range(1000)}
    assert len(folded) == 1000
