import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import tutorial_lib as tl
from tutorial_lib.batches import iter_image_batches


def _idg_fit(ImageDataGenerator, x, rescale=None):
    gen = ImageDataGenerator(
        featurewise_center=True, featurewise_std_normalization=True, rescale=rescale
    )
    gen.fit(x)
    return gen


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("rescale", [None, 1 / 255])
def test_matches_image_data_generator_fit(ImageDataGenerator, channels, rescale):
    x = np.random.default_rng(channels).integers(0, 256, (50, 12, 10, channels)).astype(np.uint8)
    gen = _idg_fit(ImageDataGenerator, x, rescale)
    stats = tl.featurewise_stats(x, rescale=rescale, batch_size=7)
    # ImageDataGenerator works in float32; we agree with it to 1e-6 (relative or absolute)
    np.testing.assert_allclose(stats.mean, gen.mean.ravel(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(stats.std, gen.std.ravel(), rtol=1e-6, atol=1e-6)


def test_apply_to_reproduces_fitted_generator(ImageDataGenerator, tmp_path):
    rng = np.random.default_rng(0)
    train = rng.normal(100, 30, (40, 8, 8, 3)).astype(np.float32)
    test = rng.normal(120, 10, (5, 8, 8, 3)).astype(np.float32)
    fitted = _idg_fit(ImageDataGenerator, train)
    path = tl.featurewise_stats(train).save(tmp_path / "train_stats")
    fresh = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)
    tl.load_stats(path).apply_to(fresh)
    expected = fitted.standardize(test.copy())
    got = fresh.standardize(test.copy())
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    # test data is standardized with the *training* statistics, so it is not mean 0 itself
    assert abs(got.mean()) > 0.3


def test_apply_to_refuses_generator_without_featurewise_flags(ImageDataGenerator):
    stats = tl.featurewise_stats(np.ones((2, 4, 4, 1)))
    with pytest.raises(ValueError, match="generator.*featurewise_center=False"):
        stats.apply_to(ImageDataGenerator())


def test_standardize_equals_formula():
    x = np.random.default_rng(0).random((6, 5, 5, 2))
    s = tl.featurewise_stats(x)
    out = s.standardize(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(
        out, (x - x.mean(axis=(0, 1, 2))) / (x.std(axis=(0, 1, 2)) + 1e-6), rtol=1e-5
    )
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(0, 1, 2)), 1, atol=1e-4)


def test_standardize_rejects_wrong_channels():
    s = tl.featurewise_stats(np.ones((2, 4, 4, 3)) * np.arange(3))
    with pytest.raises(ValueError, match=r"`x`.*3 channel"):
        s.standardize(np.ones((2, 4, 4, 1)))
    with pytest.raises(ValueError, match="`x`"):
        s.standardize(np.ones((4, 4, 3)))


def test_streams_over_generators_keras_iterators_and_tuples(ImageDataGenerator):
    x = np.random.default_rng(3).random((33, 6, 6, 3)).astype(np.float32)
    whole = tl.featurewise_stats(x)

    def gen():
        for i in range(0, 33, 10):
            yield x[i : i + 10], np.zeros(len(x[i : i + 10]))

    streamed = tl.featurewise_stats(gen())
    keras_iter = ImageDataGenerator().flow(x, batch_size=8, shuffle=False)  # infinite when iterated
    from_keras = tl.featurewise_stats(keras_iter)
    for s in (streamed, from_keras):
        np.testing.assert_allclose(s.mean, whole.mean, rtol=1e-6)
        np.testing.assert_allclose(s.std, whole.std, rtol=1e-6)
        assert s.count == 33 * 36


@settings(max_examples=40, deadline=None)
@given(
    x=arrays(
        np.float64,
        st.tuples(st.integers(1, 12), st.integers(1, 5), st.integers(1, 5), st.integers(1, 6)),
        elements=st.floats(-1e4, 1e4),
    ),
    batch_size=st.integers(1, 12),
)
def test_streaming_equals_in_memory(x, batch_size):
    s = tl.featurewise_stats(x, batch_size=batch_size)
    assert s.mean.shape == (x.shape[-1],)
    np.testing.assert_allclose(s.mean, x.mean(axis=(0, 1, 2)), rtol=1e-9, atol=1e-7)
    np.testing.assert_allclose(s.std, x.std(axis=(0, 1, 2)), rtol=1e-7, atol=1e-6)
    assert np.all(s.std >= 0)


def test_numerically_stable_for_large_offsets():
    rng = np.random.default_rng(0)
    x = 1e8 + rng.normal(0, 1, (200, 4, 4, 1))
    s = tl.featurewise_stats(x, batch_size=3)
    np.testing.assert_allclose(s.std, x.std(), rtol=1e-6)


def test_save_load_round_trip(tmp_path):
    s = tl.featurewise_stats(np.random.default_rng(0).random((4, 3, 3, 6)))
    path = s.save(tmp_path / "stats.npz")
    assert path.endswith("stats.npz") and os.path.isfile(path)
    loaded = tl.FeaturewiseStats.load(path)
    np.testing.assert_array_equal(loaded.mean, s.mean)
    np.testing.assert_array_equal(loaded.std, s.std)
    assert loaded.count == s.count
    with np.load(path, allow_pickle=False) as data:
        assert sorted(data.files) == ["count", "mean", "std"]


@pytest.mark.parametrize(
    "content, message",
    [
        ({"mean": np.zeros(3), "std": np.ones(3)}, "missing keys \\['count'\\]"),
        (
            {"mean": np.zeros(3), "std": np.ones(3), "count": 5, "zca": np.eye(2)},
            "unexpected keys \\['zca'\\]",
        ),
        ({"mean": np.zeros(3), "std": np.ones(2), "count": 5}, "std.*shape"),
        ({"mean": np.zeros(3), "std": -np.ones(3), "count": 5}, "std"),
    ],
)
def test_load_rejects_bad_files(tmp_path, content, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **content)
    with pytest.raises(ValueError, match=message):
        tl.load_stats(path)


def test_load_rejects_pickled_and_non_npz(tmp_path):
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, mean=np.array([{"a": 1}], dtype=object), std=np.ones(1), count=1)
    with pytest.raises(ValueError, match="path"):
        tl.load_stats(pickled)
    text = tmp_path / "notes.npz"
    text.write_text("hello")
    with pytest.raises(ValueError, match="path"):
        tl.load_stats(text)
    with pytest.raises(ValueError, match="path"):
        tl.load_stats(tmp_path / "missing.npz")


@pytest.mark.parametrize("kind", ["foreign", "statistics"])
def test_save_refuses_to_overwrite_any_existing_file(tmp_path, kind):
    s = tl.featurewise_stats(np.ones((1, 2, 2, 1)))
    target = tmp_path / "precious.npz"
    if kind == "foreign":
        np.savez(target, weights=np.arange(3))
    else:
        s.save(target)
    before = target.read_bytes()
    with pytest.raises(FileExistsError, match="precious.npz.*refusing to overwrite"):
        tl.featurewise_stats(np.zeros((1, 2, 2, 1))).save(target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["precious.npz"]


def test_featurewise_stats_bad_input():
    with pytest.raises(ValueError, match="data"):
        tl.featurewise_stats(np.zeros((0, 4, 4, 1)))
    with pytest.raises(ValueError, match="data"):
        tl.featurewise_stats(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="data.*NaN"):
        tl.featurewise_stats(np.full((2, 2, 2, 1), np.nan))
    with pytest.raises(ValueError, match="data"):
        tl.featurewise_stats(iter([]))
    with pytest.raises(ValueError, match="channel"):
        tl.featurewise_stats(iter([np.zeros((1, 2, 2, 1)), np.zeros((1, 2, 2, 3))]))
    with pytest.raises(ValueError, match="rescale"):
        tl.featurewise_stats(np.ones((1, 2, 2, 1)), rescale=0)


def test_iter_image_batches_reads_keras_iterator_once(ImageDataGenerator):
    x = np.zeros((10, 4, 4, 1))
    it = ImageDataGenerator().flow(x, np.arange(10), batch_size=4, shuffle=False)
    sizes = [len(b) for b in iter_image_batches(it)]
    assert sizes == [4, 4, 2]


@pytest.mark.parametrize("bad", [0, 0.0, float("nan"), float("inf"), True, np.bool_(True), "2"])
def test_rescale_is_checked_the_same_way_by_statistics_and_zca(bad):
    x = np.ones((2, 2, 2, 1))
    message = r"`rescale` must be a finite non-zero number or None"
    with pytest.raises(ValueError, match=message):
        tl.featurewise_stats(x, rescale=bad)
    with pytest.raises(ValueError, match=message):
        tl.ZCA(rescale=bad)


def test_numpy_scalar_rescale_is_accepted_and_applied():
    x = np.random.default_rng(0).integers(0, 256, (3, 4, 4, 2)).astype(np.uint8)
    s = tl.featurewise_stats(x, rescale=np.float32(0.5))
    np.testing.assert_allclose(s.mean, (x * np.float64(np.float32(0.5))).mean(axis=(0, 1, 2)))
    assert tl.ZCA(rescale=np.float32(0.5)).rescale == 0.5


def test_progress_bar_on_request(capsys):
    x = np.ones((5, 2, 2, 1))
    tl.featurewise_stats(x, batch_size=2)
    assert "featurewise stats" not in capsys.readouterr().err
    tl.featurewise_stats(x, batch_size=2, progress=True)
    err = capsys.readouterr().err
    assert "featurewise stats" in err and "3/3" in err


GOOD = {"mean": np.zeros(3), "std": np.ones(3), "count": np.int64(5)}


@pytest.mark.parametrize(
    "key, value",
    [
        ("mean", np.array([0.0, np.nan, 0.0])),
        ("std", np.array([1.0, np.inf, 1.0])),
        ("count", np.int64(0)),
        ("count", np.int64(-2)),
        ("count", np.float64(1.5)),
        ("count", np.arange(2)),
        ("mean", np.zeros(3, complex)),
        ("std", np.array(["a", "b", "c"])),
        ("std", np.ones(2)),
    ],
)
def test_load_refuses_invalid_values_naming_path_and_key(tmp_path, key, value):
    path = tmp_path / "bad.npz"
    np.savez(path, **{**GOOD, key: value})
    with pytest.raises(ValueError, match="holds invalid statistics") as info:
        tl.load_stats(path)
    assert repr(str(path)) in str(info.value)
    assert f"`{key}`" in str(info.value)


def test_list_of_x_y_batches_equals_the_array():
    x = np.random.default_rng(3).random((7, 4, 4, 2))
    y = np.arange(7)
    batches = [(x[:3], y[:3]), (x[3:], y[3:])]
    from_list, from_array = tl.featurewise_stats(batches), tl.featurewise_stats(x)
    assert np.allclose(from_list.mean, from_array.mean)
    assert np.allclose(from_list.std, from_array.std)
    assert from_list.count == 7 * 16


def test_a_list_of_2d_images_is_stacked():
    images = [np.full((2, 2), v, float) for v in (0.0, 2.0)]
    s = tl.featurewise_stats(images)
    assert s.mean.tolist() == [1.0] and s.std.tolist() == [1.0] and s.count == 8


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"rescale": True}, TypeError, "`rescale`"),
        ({"rescale": "0.5"}, TypeError, "`rescale`"),
        ({"rescale": float("nan")}, ValueError, "`rescale`"),
        ({"progress": "yes"}, TypeError, "`progress`"),
        ({"batch_size": 1.5}, TypeError, "`batch_size`"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, error, words):
    with pytest.raises(error, match=words):
        tl.featurewise_stats(np.zeros((2, 3, 3, 1)), **kwargs)


def test_complex_data_and_counts_are_refused():
    with pytest.raises(ValueError, match="`data`.*complex"):
        tl.featurewise_stats(np.zeros((2, 3, 3, 1), complex))
    with pytest.raises(TypeError, match="`count`.*1.5"):
        tl.FeaturewiseStats(mean=np.zeros(1), std=np.ones(1), count=1.5)
    with pytest.raises(ValueError, match="`mean`.*complex"):
        tl.FeaturewiseStats(mean=np.zeros(1, complex), std=np.ones(1), count=1)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(4, 30),
    shards=st.integers(2, 4),
    channels=st.sampled_from([1, 3]),
    offset=st.floats(-1e3, 1e3),
)
def test_merged_shard_stats_equal_one_pass(seed, n, shards, channels, offset):
    rng = np.random.default_rng(seed)
    x = rng.normal(offset, 2.0, (n, 5, 4, channels))
    cuts = np.sort(rng.choice(np.arange(1, n), size=shards - 1, replace=False))
    parts = [tl.featurewise_stats(part) for part in np.split(x, cuts)]
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    whole = tl.featurewise_stats(x)
    assert merged.count == whole.count == x.size // channels
    np.testing.assert_allclose(merged.mean, whole.mean, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(merged.std, whole.std, rtol=1e-6)


def test_merge_leaves_operands_unchanged_and_is_symmetric():
    x = np.random.default_rng(1).random((9, 3, 3, 2))
    a, b = tl.featurewise_stats(x[:4]), tl.featurewise_stats(x[4:])
    mean_a = a.mean.copy()
    ab, ba = a.merge(b), b.merge(a)
    np.testing.assert_allclose(ab.mean, ba.mean, rtol=1e-12)
    np.testing.assert_allclose(ab.std, ba.std, rtol=1e-12)
    np.testing.assert_array_equal(a.mean, mean_a)
    assert a.count == 4 * 9 * 2 // 2


@pytest.mark.parametrize(
    "other, words",
    [
        (tl.FeaturewiseStats(mean=np.zeros(1), std=np.ones(1), count=3), ["`other`", "1 channel"]),
        ("stats", ["`other`", "str"]),
    ],
)
def test_merge_refuses_mismatched_other(other, words):
    stats = tl.FeaturewiseStats(mean=np.zeros(3), std=np.ones(3), count=3)
    with pytest.raises(ValueError) as info:
        stats.merge(other)
    for word in words:
        assert word in str(info.value)
