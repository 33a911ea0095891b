"""Covariance statistics per shard, merged, equal one pass; ZCA from them equals ZCA on the data."""

import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tutorial_lib as tl


def _relative(a, b) -> float:
    return float(np.abs(a - b).max() / np.abs(b).max())


def _shards(draw_cuts, n):
    cuts = sorted(set(draw_cuts))
    return [slice(a, b) for a, b in zip([0, *cuts], [*cuts, n]) if b > a]


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 60),
    shape=st.sampled_from([(2, 2, 1), (3, 2, 3), (4, 4, 2)]),
    cuts=st.lists(st.integers(1, 59), max_size=5),
    offset=st.sampled_from([0.0, 1e3]),
    seed=st.integers(0, 2**16),
    order=st.sampled_from(["left", "right", "shuffled"]),
)
def test_shards_merged_equal_one_pass(n, shape, cuts, offset, seed, order):
    rng = np.random.default_rng(seed)
    x = offset + rng.normal(size=(n, *shape)) * rng.uniform(0.1, 10, size=shape)
    parts = [tl.covariance_stats(x[s]) for s in _shards([c for c in cuts if c < n], n)]
    if order == "right":
        merged = functools.reduce(lambda a, b: b.merge(a), parts[::-1])
    elif order == "shuffled":
        parts = [parts[i] for i in rng.permutation(len(parts))]
        merged = functools.reduce(tl.CovarianceStats.merge, parts)
    else:
        merged = functools.reduce(tl.CovarianceStats.merge, parts)
    flat = x.reshape(n, -1)
    mean = flat.mean(axis=0)
    one_pass = (flat - mean).T @ (flat - mean)  # the definition, in float64
    assert merged.count == n
    assert _relative(merged.mean.reshape(-1), mean) <= 1e-12
    assert _relative(merged.scatter, one_pass) <= 1e-6
    f, g = merged.featurewise(), tl.featurewise_stats(x)
    assert f.count == g.count
    assert _relative(f.mean, g.mean) <= 1e-9 and _relative(f.std, g.std) <= 1e-6


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(30, 80),
    cuts=st.lists(st.integers(1, 79), max_size=4),
    centering=st.sampled_from(["channel", "pixel"]),
    seed=st.integers(0, 2**16),
)
def test_zca_from_merged_stats_equals_zca_fitted_on_all_data(n, cuts, centering, seed):
    rng = np.random.default_rng(seed)
    x = (rng.normal(size=(n, 3, 3, 2)) * rng.uniform(0.5, 2, size=(3, 3, 2))).astype(np.float32)
    parts = [tl.covariance_stats(x[s]) for s in _shards([c for c in cuts if c < n], n)]
    stats = functools.reduce(tl.CovarianceStats.merge, parts)
    ours = tl.ZCA.from_stats(stats, epsilon=1e-2, centering=centering)
    reference = tl.ZCA(epsilon=1e-2, centering=centering).fit(x)
    assert ours.n_samples_ == n and ours.image_shape_ == (3, 3, 2)
    assert _relative(ours.singular_values_, reference.singular_values_) <= 1e-5
    assert _relative(ours.transform(x), reference.transform(x)) <= 1e-4


def test_fewer_images_than_dimensions_keeps_only_the_spanned_directions():
    x = np.random.default_rng(1).normal(size=(6, 4, 4, 1))  # n = 6 < d = 16
    ours = tl.ZCA.from_stats(tl.covariance_stats(x), epsilon=0.1, centering="pixel")
    reference = tl.ZCA(epsilon=0.1, centering="pixel").fit(x)
    assert ours.components_.shape == reference.components_.shape == (16, 5)
    assert _relative(ours.transform(x), reference.transform(x)) <= 1e-4


def test_merge_and_from_stats_refuse_bad_arguments():
    a = tl.covariance_stats(np.zeros((3, 2, 2, 1)) + np.arange(3)[:, None, None, None])
    with pytest.raises(ValueError, match=r"`other` has image shape \(2, 2, 3\)"):
        a.merge(tl.covariance_stats(np.ones((2, 2, 2, 3))))
    with pytest.raises(ValueError, match="`other` must be a CovarianceStats"):
        a.merge(tl.featurewise_stats(np.ones((2, 2, 2, 1))))
    with pytest.raises(ValueError, match="`stats` must be a CovarianceStats"):
        tl.ZCA.from_stats(np.eye(4))
    with pytest.raises(ValueError, match="`count` must be at least 2"):
        tl.ZCA.from_stats(tl.covariance_stats(np.ones((1, 2, 2, 1))))
    with pytest.raises(ValueError, match="`scatter` is zero"):
        tl.ZCA.from_stats(tl.covariance_stats(np.ones((4, 2, 2, 1))), centering="pixel")
    with pytest.raises(ValueError, match=r"`scatter` must be \(4, 4\)"):
        tl.CovarianceStats(2, np.zeros((2, 2, 1)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="`mean` contains NaN"):
        tl.CovarianceStats(2, np.full((1, 1, 1), np.nan), np.zeros((1, 1)))
    with pytest.raises(ValueError, match="`data` is empty"):
        tl.covariance_stats([])


def test_rescale_and_batches_are_applied_like_the_array():
    x = np.random.default_rng(2).integers(0, 256, (10, 3, 3, 3)).astype(np.uint8)
    streamed = tl.covariance_stats([x[:4], x[4:]], rescale=1 / 255)
    whole = tl.covariance_stats(x.astype(np.float64) / 255, batch_size=10)
    assert _relative(streamed.scatter, whole.scatter) <= 1e-12
