"""Tests of the ZCA fits and of tutorial_lib.zca.ZCA.

The fits (exact and streamed) on their own against dense NumPy decompositions; the
estimator: equality with ImageDataGenerator, streaming, save/load, errors.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tutorial_lib as tl
from tutorial_lib._zca_fit import fit_exact, fit_streaming
from tutorial_lib.zca import ZCA


def _images(n, shape, seed=0, offset=3.0):
    return (np.random.default_rng(seed).normal(size=(n,) + shape) + offset).astype(np.float32)


def _keras_zca(x, epsilon=1e-6):
    generator = tl.get_image_data_generator()(
        featurewise_center=True, zca_whitening=True, zca_epsilon=epsilon
    )
    generator.fit(x)
    return generator


def _rel_err(a, b):
    return float(np.abs(a - b).max() / np.abs(b).max())


# ------------------------------------------------------------------ the fits on their own
def _dense_covariance_eigen(x, centering):
    """Eigenvalues (decreasing) and eigenvectors of the covariance, from a dense eigh."""
    n = len(x)
    mean = x.mean(axis=0) if centering == "pixel" else x.mean(axis=(0, 1, 2))
    flat = (x.astype(np.float64) - mean).reshape(n, -1)
    lam, vecs = np.linalg.eigh(flat.T @ flat / n)
    return mean, lam[::-1], vecs[:, ::-1]


@pytest.mark.parametrize("centering", ["channel", "pixel"])
@pytest.mark.parametrize(
    "n, shape", [(12, (3, 3, 2)), (60, (3, 3, 2)), (9, (4, 4, 1))], ids=["n<d", "n>d", "grey"]
)
def test_fit_exact_equals_dense_eigendecomposition_of_the_covariance(centering, n, shape):
    x = _images(n, shape, seed=n)
    mean, comps, s = fit_exact(x, centering=centering)
    dense_mean, lam, vecs = _dense_covariance_eigen(x, centering)
    np.testing.assert_allclose(mean, dense_mean, rtol=1e-6, atol=1e-6)
    assert mean.dtype == np.float64 and comps.dtype == np.float32
    rank = min(n - 1, x[0].size)  # centring removes one dimension when n <= d
    assert comps.shape == (x[0].size, s.size) and s.size in (rank, rank + 1)
    assert np.all(np.diff(s) <= 0)
    np.testing.assert_allclose(s[:rank] ** 2 / n, lam[:rank], rtol=1e-4)
    # Same directions up to sign (random data: distinct eigenvalues).
    cosines = np.abs(np.sum(comps[:, :rank] * vecs[:, :rank], axis=0))
    np.testing.assert_allclose(cosines, 1.0, atol=1e-3)


def test_fit_exact_drops_directions_the_data_do_not_span_and_keeps_its_input():
    rng = np.random.default_rng(0)
    basis = rng.normal(size=(3, 4, 4, 1))
    x = (rng.normal(size=(20, 3)) @ basis.reshape(3, -1)).reshape(20, 4, 4, 1)
    x = x.astype(np.float32) + 5
    before = x.copy()
    _, comps, s = fit_exact(x, centering="pixel")
    assert s.size == 3 and comps.shape == (16, 3)
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("centering", ["channel", "pixel"])
def test_fit_streaming_top_k_equals_top_k_of_fit_exact(centering):
    x = _low_rank_images(200, (5, 5, 2), rank=6)
    before = x.copy()
    batches = [x[:37], x[37:40], x[40:]]  # uneven batches, read n_iter + 1 times
    reads = []

    def passes(i):
        reads.append(i)
        return iter(batches)

    mean, comps, s = fit_streaming(passes, n_components=4, centering=centering, n_iter=3)
    mean_exact, comps_exact, s_exact = fit_exact(x, centering=centering)
    assert reads == [0, 1, 2, 3]
    np.testing.assert_array_equal(x, before)  # batches are read, never modified
    # fit_exact's per-channel mean is summed in float32, as ImageDataGenerator's
    np.testing.assert_allclose(mean, mean_exact, rtol=1e-5)
    assert comps.shape == (50, 4) and comps.dtype == np.float32
    np.testing.assert_allclose(s, s_exact[:4], rtol=1e-4)
    cosines = np.abs(np.sum(comps * comps_exact[:, :4], axis=0))
    np.testing.assert_allclose(cosines, 1.0, atol=1e-3)


def test_fit_streaming_is_reproducible_for_a_seed():
    x = _images(30, (3, 3, 1))
    a = fit_streaming(lambda i: [x], n_components=3, seed=7, n_iter=1)
    b = fit_streaming(lambda i: [x], n_components=3, seed=7, n_iter=1)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)


def test_fit_functions_reject_bad_input_naming_the_argument():
    x = _images(5, (2, 2, 1))
    with pytest.raises(ValueError, match="`x` must hold at least 2 images"):
        fit_exact(x[:1])
    with pytest.raises(ValueError, match="`x` must be a float array"):
        fit_exact(x[..., 0])
    with pytest.raises(ValueError, match="`x` is empty"):
        fit_streaming(lambda i: [x[:0]], n_components=1)
    with pytest.raises(ValueError, match="`x` must hold at least 2 images"):
        fit_streaming(lambda i: [x[:1]], n_components=1)
    with pytest.raises(ValueError, match=r"`n_components` \(5\) must be at most .* = 4"):
        fit_streaming(lambda i: [x[:4]], n_components=5)
    with pytest.raises(ValueError, match="`n_iter`"):
        fit_streaming(lambda i: [x], n_components=1, n_iter=0)


# ------------------------------------------------------------------ the estimator
@pytest.mark.parametrize(
    "n, shape",
    [(30, (8, 8, 3)), (200, (4, 4, 3)), (20, (7, 7, 1)), (150, (5, 5, 1))],
    ids=["n<d-rgb", "n>d-rgb", "n<d-grey", "n>d-grey"],
)
def test_exact_equals_image_data_generator(n, shape):
    x = _images(n, shape)
    x_test = _images(7, shape, seed=1)
    generator = _keras_zca(x, epsilon=1e-2)
    zca = ZCA(epsilon=1e-2).fit(x)
    assert zca.components_.shape == (int(np.prod(shape)), min(n, int(np.prod(shape))))
    for data in (x, x_test):
        expected = generator.standardize(data.copy())
        got = zca.transform(data)
        assert got.shape == data.shape and got.dtype == np.float32
        assert _rel_err(got, expected) < 1e-4


def test_grey_images_without_channel_axis_keep_their_shape():
    x = _images(20, (6, 6, 1))
    zca = ZCA().fit(x[..., 0])
    out = zca.transform(x[..., 0])
    assert out.shape == (20, 6, 6)
    np.testing.assert_allclose(out, zca.transform(x)[..., 0], rtol=1e-5, atol=1e-5)


def test_n_less_than_d_zeroes_the_part_outside_the_training_span():
    x = _images(10, (5, 5, 1))
    zca = ZCA().fit(x)
    # An image orthogonal to every centred training image is mapped to zero
    # (as by ImageDataGenerator).
    flat = (x - x.mean()).reshape(10, -1).astype(np.float64)
    q, _ = np.linalg.qr(flat.T, mode="complete")
    outside = q[:, -1].reshape(1, 5, 5, 1) + x.mean()
    assert np.abs(zca.transform(outside)).max() < 1e-3


def test_whitened_training_data_have_identity_covariance_when_n_greater_than_d():
    x = _images(400, (4, 4, 2))
    white = ZCA(epsilon=0.0, centering="pixel").fit_transform(x).reshape(400, -1)
    np.testing.assert_allclose(np.cov(white, rowvar=False, bias=True), np.eye(32), atol=1e-3)


def test_pixel_centering_maps_the_mean_image_to_zero_and_channel_does_not():
    x = _images(50, (4, 4, 3))
    x += np.linspace(0, 5, 16 * 3, dtype=np.float32).reshape(1, 4, 4, 3)  # a non-flat mean image
    mean_image = x.mean(axis=0, keepdims=True)
    assert np.abs(ZCA(centering="pixel").fit(x).transform(mean_image)).max() < 1e-3
    assert np.abs(ZCA(centering="channel").fit(x).transform(mean_image)).max() > 0.1


def test_rescale_matches_image_data_generator_rescale():
    x = np.random.default_rng(0).integers(0, 256, (30, 6, 6, 1)).astype(np.uint8)
    generator = tl.get_image_data_generator()(
        featurewise_center=True, zca_whitening=True, zca_epsilon=1e-3, rescale=1 / 255
    )
    generator.fit(x)
    expected = generator.standardize(x.astype(np.float32))  # standardize applies rescale too
    got = ZCA(epsilon=1e-3, rescale=1 / 255).fit(x).transform(x)
    assert _rel_err(got, expected) < 1e-4


def test_transform_does_not_modify_its_input():
    x = _images(20, (4, 4, 3))
    before = x.copy()
    ZCA().fit(x).transform(x)
    np.testing.assert_array_equal(x, before)


# ------------------------------------------------------------------ streaming
def _low_rank_images(n, shape, rank, seed=0):
    rng = np.random.default_rng(seed)
    d = int(np.prod(shape))
    basis = np.linalg.qr(rng.normal(size=(d, rank)))[0]
    coef = rng.normal(size=(n, rank)) * np.geomspace(10, 1, rank)
    return (
        (coef @ basis.T + 0.01 * rng.normal(size=(n, d)) + 2)
        .reshape((n,) + shape)
        .astype(np.float32)
    )


@pytest.mark.parametrize("centering", ["channel", "pixel"])
def test_streaming_fit_equals_in_memory_fit(centering):
    x = _low_rank_images(300, (6, 6, 3), rank=8)
    in_memory = ZCA(n_components=8, epsilon=1e-3, centering=centering).fit(x)
    batches = [x[i : i + 64] for i in range(0, 300, 64)]
    streamed = ZCA(n_components=8, epsilon=1e-3, centering=centering).fit(batches)
    assert streamed.n_samples_ == 300 and streamed.components_.shape == (108, 8)
    np.testing.assert_allclose(streamed.mean_, in_memory.mean_, rtol=1e-6, atol=1e-6)
    assert _rel_err(streamed.transform(x), in_memory.transform(x)) < 1e-4


def test_streaming_top_components_agree_with_exact_decomposition():
    x = _low_rank_images(300, (6, 6, 3), rank=8)
    exact = ZCA(epsilon=1e-3).fit(x)
    streamed = ZCA(n_components=8, epsilon=1e-3, n_iter=3).fit(lambda: iter(np.array_split(x, 4)))
    np.testing.assert_allclose(streamed.singular_values_, exact.singular_values_[:8], rtol=1e-4)
    # Same 8-dimensional subspace.
    overlap = np.linalg.svd(exact.components_[:, :8].T @ streamed.components_, compute_uv=False)
    np.testing.assert_allclose(overlap, 1.0, atol=1e-4)


def test_streaming_with_full_rank_equals_image_data_generator():
    x = _images(40, (4, 4, 1))
    generator = _keras_zca(x, epsilon=1e-2)
    zca = ZCA(n_components=16, epsilon=1e-2, n_iter=3).fit([x[:15], x[15:]])
    assert _rel_err(zca.transform(x), generator.standardize(x.copy())) < 1e-4


def test_exact_fit_on_batches_equals_fit_on_array():
    x = _images(30, (5, 5, 3))
    a = ZCA().fit(x)
    b = ZCA().fit(iter([x[:10], (x[10:], np.zeros(20))]))  # a generator of x and (x, y) batches
    assert _rel_err(b.transform(x), a.transform(x)) < 1e-5


def test_streaming_fit_reads_a_keras_iterator():
    x = _low_rank_images(100, (5, 5, 3), rank=4)
    flow = tl.get_image_data_generator()().flow(x, np.zeros(100), batch_size=32, shuffle=False)
    a = ZCA(n_components=4).fit(flow)
    b = ZCA(n_components=4).fit(x)
    assert _rel_err(a.transform(x), b.transform(x)) < 1e-4


def test_streaming_fit_shows_one_progress_bar_per_pass(capsys):
    x = _images(20, (3, 3, 1))
    ZCA(n_components=3, n_iter=2, progress=True, batch_size=8).fit(x)
    err = capsys.readouterr().err
    assert "ZCA pass 1/3" in err and "ZCA pass 3/3" in err


def test_streaming_rejects_one_shot_generator():
    x = _images(20, (3, 3, 1))
    with pytest.raises(ValueError, match="`x` is a one-shot iterator"):
        ZCA(n_components=2).fit(b for b in [x])


# ------------------------------------------------------------------ save / load
def test_save_load_round_trip(tmp_path):
    x = _images(25, (4, 4, 3))
    for zca in (
        ZCA(epsilon=0.1).fit(x),
        ZCA(n_components=5, centering="pixel", rescale=0.5).fit(x),
    ):
        path = zca.save(tmp_path / f"zca_{zca.centering}")
        assert path.endswith(".npz")
        loaded = ZCA.load(path)
        assert (loaded.epsilon, loaded.centering, loaded.rescale) == (
            zca.epsilon,
            zca.centering,
            zca.rescale,
        )
        assert loaded.image_shape_ == zca.image_shape_ and loaded.n_samples_ == zca.n_samples_
        np.testing.assert_array_equal(loaded.transform(x), zca.transform(x))
        with np.load(path, allow_pickle=False) as data:  # plain arrays only
            assert all(data[k].dtype != object for k in data.files)


def _rewrite(src, dst, drop=(), add=None, replace=None):
    with np.load(src, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if k not in drop}
    arrays.update(add or {})
    arrays.update(replace or {})
    np.savez(dst, **arrays)
    return dst


def test_load_rejects_missing_extra_or_inconsistent_keys(tmp_path):
    src = ZCA().fit(_images(10, (3, 3, 1))).save(tmp_path / "zca.npz")
    with pytest.raises(ValueError, match=r"`path`.*missing keys \['components'\]"):
        ZCA.load(_rewrite(src, tmp_path / "missing.npz", drop=("components",)))
    with pytest.raises(ValueError, match=r"`path`.*unexpected keys \['extra'\]"):
        ZCA.load(_rewrite(src, tmp_path / "extra.npz", add={"extra": np.zeros(2)}))
    with pytest.raises(ValueError, match="`path`.*inconsistent"):
        ZCA.load(
            _rewrite(
                src, tmp_path / "bad.npz", replace={"components": np.zeros((5, 2), np.float32)}
            )
        )
    with pytest.raises(ValueError, match="`path`"):
        ZCA.load(tmp_path / "nothing_here.npz")
    not_npz = tmp_path / "notes.txt"
    not_npz.write_text("hello")
    with pytest.raises(ValueError, match="`path`"):
        ZCA.load(not_npz)


@pytest.mark.parametrize("kind", ["foreign", "zca"])
def test_save_refuses_to_overwrite_any_existing_file(tmp_path, kind):
    target = tmp_path / "data.npz"
    if kind == "foreign":
        np.savez(target, images=np.zeros(3))
    else:
        ZCA().fit(_images(5, (2, 2, 1))).save(target)
    before = target.read_bytes()
    with pytest.raises(FileExistsError, match="data.npz.*refusing to overwrite"):
        ZCA().fit(_images(5, (2, 2, 1), seed=1)).save(target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.npz"]


# ------------------------------------------------------------------ bad input
def test_bad_input_raises_value_error_naming_the_argument():
    x = _images(10, (4, 4, 3))
    zca = ZCA().fit(x)
    with pytest.raises(ValueError, match=r"`x`.*\(5, 5, 3\).*\(4, 4, 3\)"):
        zca.transform(_images(2, (5, 5, 3)))
    with pytest.raises(ValueError, match="`x`"):
        zca.transform(_images(2, (4, 4, 1))[..., 0])
    bad = x.copy()
    bad[3, 1, 1, 0] = np.nan
    with pytest.raises(ValueError, match="`x` contains NaN"):
        ZCA().fit(bad)
    with pytest.raises(ValueError, match="`x` contains NaN"):
        ZCA(n_components=2).fit([x[5:], bad[:5]])
    with pytest.raises(ValueError, match="`x` contains NaN"):
        zca.transform(bad)
    with pytest.raises(ValueError, match="`x` must hold at least 2 images"):
        ZCA().fit(x[:1])
    with pytest.raises(ValueError, match="`x` must hold at least 2 images"):
        ZCA(n_components=1).fit([x[:1]])
    with pytest.raises(ValueError, match="`x`"):
        ZCA().fit(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="`x`.*shape"):
        ZCA().fit([x[:4], _images(4, (5, 5, 3))])
    with pytest.raises(ValueError, match="`n_components`"):
        ZCA(n_components=20).fit(x)
    with pytest.raises(ValueError, match="not fitted"):
        ZCA().transform(x)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"epsilon": -1}, "epsilon"),
        ({"epsilon": float("nan")}, "epsilon"),
        ({"n_components": 0}, "n_components"),
        ({"n_components": 2.5}, "n_components"),
        ({"centering": "sample"}, "centering"),
        ({"rescale": 0}, "rescale"),
        ({"n_iter": 0}, "n_iter"),
        ({"batch_size": 0}, "batch_size"),
    ],
)
def test_bad_parameters_name_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        ZCA(**kwargs)


# ------------------------------------------------------------------ properties
@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(2, 30),
    side=st.integers(2, 5),
    channels=st.sampled_from([1, 3]),
    epsilon=st.sampled_from([1e-3, 1e-1, 1.0]),
    seed=st.integers(0, 2**16),
)
def test_property_exact_matches_explicit_whitening_matrix(n, side, channels, epsilon, seed):
    """transform(x) == (x - mean) @ W with W = (u * sqrt(n)/(s + eps)) @ u.T built explicitly."""
    x = _images(n, (side, side, channels), seed=seed)
    zca = ZCA(epsilon=epsilon).fit(x)
    flat = (x - x.mean(axis=(0, 1, 2))).reshape(n, -1).astype(np.float64)
    u, s, _ = np.linalg.svd(flat.T, full_matrices=False)
    keep = s > s[0] * 1e-6
    u, s = u[:, keep], s[keep]
    w = (u * (np.sqrt(n) / (s + epsilon))) @ u.T
    expected = (flat @ w).reshape(x.shape)
    got = zca.transform(x)
    assert np.abs(got - expected).max() <= 1e-4 * max(np.abs(expected).max(), 1e-3)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(2, 40),
    side=st.integers(2, 4),
    seed=st.integers(0, 2**16),
    epsilon=st.sampled_from([1e-3, 1e-1]),
)
def test_property_whitening_is_idempotent_on_its_own_span(n, side, seed, epsilon):
    """Components are orthonormal; scales are positive and decrease with the singular values."""
    x = _images(n, (side, side, 1), seed=seed)
    zca = ZCA(epsilon=epsilon).fit(x)
    u = zca.components_.astype(np.float64)
    np.testing.assert_allclose(u.T @ u, np.eye(u.shape[1]), atol=1e-4)
    assert np.all(np.diff(zca.singular_values_) <= 1e-9 * zca.singular_values_[0])
    assert np.all(zca.scale_ > 0) and np.all(np.diff(zca.scale_) >= -1e-9 * zca.scale_[-1])


@pytest.mark.parametrize("n_components", [None, 2])
def test_fit_on_a_list_of_x_y_batches_equals_the_fit_on_the_array(n_components):
    x = _images(12, (3, 3, 1))
    batches = [(x[:5], np.arange(5)), (x[5:], np.arange(7))]
    from_list = ZCA(n_components=n_components).fit(batches)
    from_array = ZCA(n_components=n_components).fit(x)
    assert np.allclose(from_list.transform(x), from_array.transform(x), atol=1e-4)


def test_fit_reads_a_keras_iterator_yielding_x_y(ImageDataGenerator):
    x = _images(12, (3, 3, 1))
    it = ImageDataGenerator().flow(x, np.arange(12), batch_size=5, shuffle=False)
    assert np.allclose(ZCA().fit(it).transform(x), ZCA().fit(x).transform(x), atol=1e-4)


@pytest.mark.parametrize("n_components", [None, 1])
@pytest.mark.parametrize("centering", ["channel", "pixel"])
def test_identical_images_have_no_variance_and_are_refused(n_components, centering):
    image = _images(1, (4, 4, 3))[0] if centering == "pixel" else np.full((4, 4, 3), 0.1)
    x = np.repeat(image[None], 6, axis=0).astype(np.float32)
    with pytest.raises(ValueError, match="`x` has no variance"):
        ZCA(n_components=n_components, centering=centering).fit(x)


def test_two_different_images_are_enough_and_one_is_refused():
    x = _images(2, (3, 3, 1))
    assert ZCA().fit(x).n_samples_ == 2
    with pytest.raises(ValueError, match="`x` must hold at least 2 images"):
        ZCA().fit(x[:1])


def test_constructor_and_fit_refuse_bad_arguments_naming_them():
    for kwargs, error, name in [
        ({"seed": -1}, ValueError, "`seed`"),
        ({"seed": 1.5}, TypeError, "`seed`"),
        ({"progress": 1}, TypeError, "`progress`"),
        ({"n_iter": 1.0}, TypeError, "`n_iter`"),
        ({"rescale": "0.5"}, TypeError, "`rescale`"),
    ]:
        with pytest.raises(error, match=name):
            ZCA(**kwargs)
    with pytest.raises(TypeError, match="`x`.*NoneType"):
        ZCA().fit(None)
    with pytest.raises(ValueError, match="`x`.*complex"):
        ZCA().fit(_images(4, (2, 2, 1)).astype(complex))


@pytest.mark.parametrize(
    "key, value",
    [
        ("mean", np.array([np.nan])),
        ("singular_values", np.full(9, np.inf)),
        ("n_samples", np.int64(0)),
        ("n_samples", np.int64(-4)),
        ("n_samples", np.float64(10.0)),
        ("components", np.zeros((9, 9), complex)),
        ("mean", np.array(["a"])),
        ("singular_values", np.ones(3)),
        ("image_shape", np.array([3, 3])),
        ("centering", np.array("mean")),
    ],
)
def test_load_refuses_invalid_values_naming_path_and_key(tmp_path, key, value):
    src = ZCA().fit(_images(10, (3, 3, 1))).save(tmp_path / "zca.npz")
    bad = _rewrite(src, tmp_path / "bad.npz", replace={key: value})
    with pytest.raises(ValueError, match="`path`") as info:
        ZCA.load(bad)
    assert repr(str(bad)) in str(info.value)
    assert f"`{key}`" in str(info.value)


@pytest.mark.parametrize("centering", ["channel", "pixel"])
def test_transform_is_accurate_when_the_mean_is_large_against_the_spread(centering):
    """Centring happens before the float32 products (no cancellation from a folded bias)."""
    x = (200 + 2 * np.random.default_rng(0).standard_normal((600, 8, 8, 3))).astype(np.float32)
    zca = tl.ZCA(epsilon=1e-2, centering=centering).fit(x)
    u, mean = zca.components_.astype(np.float64), np.broadcast_to(zca.mean_, (8, 8, 3))
    reference = (((x.reshape(600, -1) - mean.reshape(-1)) @ u) * zca.scale_) @ u.T
    error = np.abs(zca.transform(x).reshape(600, -1) - reference).max()
    assert error <= 1e-5 * np.abs(reference).max()
