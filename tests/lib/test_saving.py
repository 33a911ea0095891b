"""save_augmented: exactly N per source, reproducible, never overwrites."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

import tutorial_lib as tl
from tutorial_lib.saving import augmented_filename, save_augmented


def read(path):
    with Image.open(path) as im:
        return np.asarray(im)


def tree(root):
    return {p.name: p.read_bytes() for p in sorted(root.iterdir())}


def noisy(x, rng):
    """A callable with an explicit generator: adds noise and maybe flips."""
    out = x + rng.normal(0, 20, size=x.shape)
    return out[:, ::-1] if rng.random() < 0.5 else out


def seeded_noisy(x, seed=None):
    """A callable with a seed parameter, like the tutorial_lib.transforms."""
    return x + np.random.default_rng(seed).normal(0, 20, size=x.shape)


def global_noisy(x):
    """A preprocessing_function-style callable drawing from NumPy's global state."""
    return x + np.random.normal(0, 20, size=x.shape)


@pytest.fixture(scope="module")
def generator():
    IDG = tl.get_image_data_generator()
    return IDG(
        rotation_range=40,
        width_shift_range=0.2,
        zoom_range=0.2,
        horizontal_flip=True,
        fill_mode="nearest",
    )


@pytest.fixture
def digits():
    (x, _), _ = tl.load_digits()
    return x[:4]


def test_exported_from_root():
    assert tl.save_augmented is save_augmented


@pytest.mark.parametrize("copies", [1, 3])
def test_exactly_n_per_source_with_sortable_names(tmp_path, digits, generator, copies):
    out = tmp_path / "new" / "nested"
    paths = save_augmented(digits, generator, out, copies=copies, seed=0)
    assert out.is_dir()  # created with its parents
    assert len(paths) == len(digits) * copies
    assert sorted(p.name for p in out.iterdir()) == [
        p.name for p in paths
    ]  # sorted == source, copy order
    for i in range(len(digits)):
        mine = [p for p in paths if f"_src{i:04d}_" in p.name]
        assert [p.name for p in mine] == [
            augmented_filename(f"src{i:04d}", k) for k in range(copies)
        ]
    for p in paths:
        img = read(p)
        assert img.shape == digits.shape[1:] and img.dtype == np.uint8


def test_copies_really_differ(tmp_path, digits, generator):
    paths = save_augmented(digits, generator, tmp_path / "a", copies=4, seed=0)
    assert len({p.read_bytes() for p in paths}) == len(paths)


@pytest.mark.parametrize("augment", ["generator", noisy, seeded_noisy, global_noisy])
def test_same_seed_same_bytes_whatever_the_global_state(tmp_path, digits, generator, augment):
    augment = generator if augment == "generator" else augment
    np.random.seed(123)
    random.seed(123)
    a = save_augmented(digits, augment, tmp_path / "a", copies=2, seed=5)
    np.random.seed(999)
    random.seed(999)
    b = save_augmented(digits, augment, tmp_path / "b", copies=2, seed=5)
    c = save_augmented(digits, augment, tmp_path / "c", copies=2, seed=6)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert [p.read_bytes() for p in a] != [p.read_bytes() for p in c]


def test_global_random_state_is_restored(tmp_path, digits, generator):
    np.random.seed(7)
    random.seed(7)
    expected = (np.random.random(), random.random())
    np.random.seed(7)
    random.seed(7)
    save_augmented(digits, generator, tmp_path / "a", copies=2, seed=0)
    save_augmented(digits, global_noisy, tmp_path / "b", copies=2, seed=0)
    assert (np.random.random(), random.random()) == expected


def test_refuses_to_overwrite_and_leaves_files_byte_identical(tmp_path, digits, generator):
    out = tmp_path / "aug"
    first = save_augmented(digits, generator, out, copies=2, seed=0)
    (out / "mine.txt").write_text("user data")
    before = tree(out)
    with pytest.raises(FileExistsError, match=first[0].name):
        save_augmented(digits, generator, out, copies=2, seed=1)  # other seed, same names
    assert tree(out) == before


def test_one_conflicting_user_file_stops_everything(tmp_path, digits):
    out = tmp_path / "aug"
    out.mkdir()
    victim = out / augmented_filename("src0002", 1)
    victim.write_bytes(b"not yours")
    with pytest.raises(FileExistsError, match="aug_src0002_copy01.png"):
        save_augmented(digits, noisy, out, copies=3, seed=0)
    assert victim.read_bytes() == b"not yours"
    assert [p.name for p in out.iterdir()] == [victim.name]  # nothing else was written


def test_new_prefix_adds_files_next_to_old_ones(tmp_path, digits):
    out = tmp_path / "aug"
    a = save_augmented(digits, noisy, out, copies=1, seed=0)
    before = tree(out)
    b = save_augmented(digits, noisy, out, copies=1, seed=1, prefix="round2")
    after = tree(out)
    assert {k: after[k] for k in before} == before
    assert len(after) == len(a) + len(b)


def test_source_names_and_empty_prefix(tmp_path, digits):
    paths = save_augmented(
        digits, noisy, tmp_path / "a", copies=2, prefix="", source_names=["w", "x", "y", "z"]
    )
    assert [p.name for p in paths] == [f"{s}_copy{k:02d}.png" for s in "wxyz" for k in range(2)]


def test_input_is_not_modified(tmp_path, digits):
    def in_place(x):
        x += 50  # a careless callable: must not reach the caller's array
        return x

    before = digits.copy()
    save_augmented(digits, in_place, tmp_path / "a", copies=2)
    np.testing.assert_array_equal(digits, before)


def test_identity_keeps_pixel_values_no_stretching(tmp_path):
    dark = np.random.default_rng(0).integers(10, 40, size=(3, 6, 6, 3), dtype=np.uint8)
    paths = save_augmented(dark, lambda x: x, tmp_path / "a", copies=1)
    for p, img in zip(paths, dark):
        np.testing.assert_array_equal(read(p), img)  # save_to_dir would stretch to 0..255


def test_float_unit_images_are_scaled_by_255(tmp_path):
    x = np.full((1, 4, 4), 0.5)
    (p,) = save_augmented(x, lambda im: im, tmp_path / "a")
    assert set(np.unique(read(p))) == {128}


def test_preprocessing_function_of_the_generator_is_applied(tmp_path, digits):
    IDG = tl.get_image_data_generator()
    gen = IDG(preprocessing_function=lambda x: 255.0 - x)
    (p,) = save_augmented(digits[:1], gen, tmp_path / "a")
    np.testing.assert_array_equal(read(p), 255 - digits[0])


def test_callable_may_change_the_size(tmp_path, digits):
    paths = save_augmented(digits, lambda x: x[2:-2, 2:-2], tmp_path / "a", copies=2)
    assert {read(p).shape for p in paths} == {(24, 24)}


def test_progress_bar_on_request(tmp_path, digits, capsys):
    save_augmented(digits, noisy, tmp_path / "a", copies=2, progress=False)
    assert "save_augmented" not in capsys.readouterr().err
    save_augmented(digits, noisy, tmp_path / "b", copies=2, progress=True)
    assert "save_augmented" in capsys.readouterr().err


def test_jpeg_format(tmp_path, digits):
    paths = save_augmented(digits, noisy, tmp_path / "a", copies=1, format="jpg")
    assert all(p.suffix == ".jpg" for p in paths)
    assert {Image.open(p).format for p in paths} == {"JPEG"}


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(images=np.zeros((4, 4))), "images"),
        (dict(images=np.zeros((2, 4, 4, 2))), "images"),
        (dict(copies=0), "copies"),
        (dict(copies=1.5), "copies"),
        (dict(seed=-1), "seed"),
        (dict(augment="flip"), "augment"),
        (dict(augment=lambda x: np.concatenate([x, x], axis=-1)), "augment"),
        (dict(augment=lambda x: x.ravel()), "augment"),
        (dict(source_names=["a"]), "source_names"),
        (dict(source_names=["a", "a"]), "source_names"),
        (dict(source_names=["a", "b/c"]), "source_names"),
        (dict(prefix="a/b"), "prefix"),
        (dict(format="gif"), "format"),
    ],
)
def test_bad_arguments_name_the_argument(tmp_path, kwargs, match):
    args = dict(
        images=np.zeros((2, 4, 4), np.uint8),
        augment=lambda x: x,
        directory=tmp_path / "d",
        copies=1,
    )
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        save_augmented(**args)


def test_directory_that_is_a_file_is_refused(tmp_path):
    f = tmp_path / "f"
    f.write_text("keep")
    with pytest.raises(ValueError, match="directory"):
        save_augmented(np.zeros((1, 4, 4), np.uint8), lambda x: x, f)
    assert f.read_text() == "keep"


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 4),
    c1=st.integers(1, 3),
    extra=st.integers(0, 3),
    seed=st.integers(0, 2**32 - 1),
)
def test_copy_k_of_image_i_does_not_depend_on_how_many_are_made(
    tmp_path_factory, n, c1, extra, seed
):
    """More copies or more images never change the copies already made."""
    rng = np.random.default_rng(seed % 1000)
    images = rng.integers(0, 256, size=(n + 1, 5, 5), dtype=np.uint8)
    base = tmp_path_factory.mktemp("inv")
    few = save_augmented(images[:n], noisy, base / "few", copies=c1, seed=seed)
    many = save_augmented(images, noisy, base / "many", copies=c1 + extra, seed=seed)
    assert len(few) == n * c1 and len(many) == (n + 1) * (c1 + extra)
    by_name = {p.name: p.read_bytes() for p in many}
    for p in few:
        assert by_name[p.name] == p.read_bytes()


# --------------------------------------------------------------------------- all or nothing


def snapshot(folder: Path) -> dict:
    """{relative path: bytes, or None for a folder} of everything under ``folder``."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes() if p.is_file() else None)
        for p in sorted(folder.rglob("*"))
    }


class FailsAt:
    """An augmentation that raises on its ``k``-th call (0-based), else adds a little noise."""

    def __init__(self, k, exc=RuntimeError):
        self.k, self.calls, self.exc = k, 0, exc

    def __call__(self, x, rng):
        self.calls += 1
        if self.calls - 1 == self.k:
            raise self.exc("augmentation broke")
        return x + rng.normal(0, 5, size=x.shape)


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_failing_augmentation_leaves_the_folder_as_it_was(tmp_path, digits, exc):
    out = tmp_path / "aug"
    out.mkdir()
    (out / "mine.txt").write_text("user data")
    (out / "photo.png").write_bytes(b"\x89PNG user image")
    (out / "sub").mkdir()
    (out / "sub" / "keep.bin").write_bytes(bytes(range(256)))
    before_out, before_parent = snapshot(out), snapshot(tmp_path)
    failing = FailsAt(5, exc)  # image 2, copy 1: five files are already written by then
    with pytest.raises(exc, match="augmentation broke") as info:
        save_augmented(digits, failing, out, copies=2, seed=0)
    assert failing.calls == 6
    if exc is RuntimeError:
        assert "raised on image 2, copy 1; no file was written" in "\n".join(info.value.__notes__)
    assert snapshot(out) == before_out  # user files byte-identical, nothing added
    assert snapshot(tmp_path) == before_parent  # no temporary folder left beside it
    # the corrected run now succeeds, and gives the bytes a fresh run gives
    paths = save_augmented(digits, noisy, out, copies=2, seed=0)
    fresh = save_augmented(digits, noisy, tmp_path / "fresh", copies=2, seed=0)
    assert [p.read_bytes() for p in paths] == [p.read_bytes() for p in fresh]
    assert {k: v for k, v in snapshot(out).items() if k in before_out} == before_out


def test_failure_into_a_new_folder_leaves_no_folder(tmp_path, digits):
    with pytest.raises(RuntimeError):
        save_augmented(digits, FailsAt(3), tmp_path / "new" / "nested", copies=2)
    assert list(tmp_path.iterdir()) == []  # neither the folder nor its new parent


@settings(max_examples=20, deadline=None)
@given(fail_at=st.integers(0, 7), n_user=st.integers(0, 3), copies=st.integers(1, 2))
def test_any_failure_point_leaves_everything_as_it_was(tmp_path_factory, fail_at, n_user, copies):
    base = tmp_path_factory.mktemp("atomic")
    out = base / "aug"
    out.mkdir()
    for i in range(n_user):
        (out / f"user{i}.png").write_bytes(bytes([i]) * 10)
    images = np.random.default_rng(fail_at).integers(0, 256, size=(4, 5, 5), dtype=np.uint8)
    before = snapshot(base)
    failing = FailsAt(fail_at)
    if fail_at < len(images) * copies:
        with pytest.raises(RuntimeError):
            save_augmented(images, failing, out, copies=copies)
        assert snapshot(base) == before
    else:  # never fails: every file is there
        paths = save_augmented(images, failing, out, copies=copies)
        assert sorted(p.name for p in out.iterdir()) == sorted(
            [p.name for p in paths] + [f"user{i}.png" for i in range(n_user)]
        )


def test_nan_from_the_augmentation_is_refused_and_nothing_written(tmp_path, digits):
    calls = []

    def nan_on_third(x, rng):
        calls.append(1)
        return x * np.nan if len(calls) == 3 else x

    with pytest.raises(ValueError, match=r"`augment` returned NaN or infinite values for image 2"):
        save_augmented(digits, nan_on_third, tmp_path / "a")
    assert not (tmp_path / "a").exists()


def test_a_file_appearing_in_the_way_during_the_run_is_not_touched(tmp_path, digits):
    out = tmp_path / "aug"
    out.mkdir()
    intruder = out / augmented_filename("src0003", 0)

    def sneaky(x, rng):  # another process writes the name this call is about to use
        if not intruder.exists():
            intruder.write_bytes(b"written by someone else")
        return x

    with pytest.raises(FileExistsError, match="aug_src0003_copy00.png"):
        save_augmented(digits, sneaky, out)
    assert snapshot(out) == {intruder.name: b"written by someone else"}
    assert [p.name for p in tmp_path.iterdir()] == ["aug"]
