"""write_image_folder / verify_image_folder: round trips, refusals, and every kind of bad file."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

import tutorial_lib as tl
from tutorial_lib import datasets
from tutorial_lib.image_folder import verify_image_folder, write_image_folder


def read(path):
    with Image.open(path) as im:
        return np.asarray(im)


def tree(root):
    """{relative path: bytes} of every file under root."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def small_rgb():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(6, 9, 7, 3), dtype=np.uint8)
    labels = np.array([2, 0, 1, 0, 2, 2])
    return images, labels


# --------------------------------------------------------------------------- write


def test_exported_from_the_root_and_only_from_image_folder():
    assert tl.write_image_folder is write_image_folder
    assert tl.verify_image_folder is verify_image_folder
    assert not hasattr(datasets, "write_image_folder")
    assert not hasattr(datasets, "verify_image_folder")


def test_round_trip_rgb(tmp_path, small_rgb):
    images, labels = small_rgb
    root = tmp_path / "data"
    paths = write_image_folder(images, labels, root, ["c", "a", "b"])
    assert len(paths) == len(images)
    for i, p in enumerate(paths):
        assert p.parent.name == ["c", "a", "b"][labels[i]]
        assert p.suffix == ".png"
        np.testing.assert_array_equal(read(p), images[i])
    report = verify_image_folder(root)
    assert report.ok, str(report)
    assert report.classes == ["a", "b", "c"]  # Keras numbers folders in sorted order
    assert report.counts == {"a": 1, "b": 3, "c": 2}
    assert report.n_images == len(images)


def test_file_names_sort_in_input_order_and_lead_back_to_rows(tmp_path):
    images = np.arange(12 * 4 * 4, dtype=np.uint8).reshape(12, 4, 4)
    labels = np.zeros(12, dtype=int)
    paths = write_image_folder(images, labels, tmp_path / "d", ["only"])
    names = [p.name for p in paths]
    assert names == sorted(names)  # zero-padded: "02.png" sorts before "10.png"
    assert [int(p.stem) for p in paths] == list(range(12))


def test_grayscale_and_single_channel_give_the_same_png(tmp_path):
    rng = np.random.default_rng(1)
    gray = rng.integers(0, 256, size=(3, 5, 5), dtype=np.uint8)
    p2 = write_image_folder(gray, [0, 1, 0], tmp_path / "a", ["x", "y"])
    p3 = write_image_folder(gray[..., None], [0, 1, 0], tmp_path / "b", ["x", "y"])
    for a, b, img in zip(p2, p3, gray):
        assert a.read_bytes() == b.read_bytes()
        np.testing.assert_array_equal(read(a), img)


def test_float_images_in_unit_range_are_scaled_not_stretched(tmp_path):
    x = np.full((2, 4, 4), 0.2)
    x[1] = 0.6
    paths = write_image_folder(x, [0, 0], tmp_path / "f", ["k"])
    assert set(np.unique(read(paths[0]))) == {51}  # 0.2 * 255, not stretched to 0..255
    assert set(np.unique(read(paths[1]))) == {153}


def test_input_not_modified(tmp_path, small_rgb):
    images, labels = small_rgb
    before_x, before_y = images.copy(), labels.copy()
    write_image_folder(images, labels, tmp_path / "d", ["a", "b", "c"])
    np.testing.assert_array_equal(images, before_x)
    np.testing.assert_array_equal(labels, before_y)


def test_every_class_gets_a_folder_and_an_empty_one_is_reported(tmp_path):
    root = tmp_path / "d"
    write_image_folder(np.zeros((2, 4, 4), np.uint8), [0, 0], root, ["has", "none"])
    assert (root / "none").is_dir()
    report = verify_image_folder(root)
    assert [(p.path.name, "empty class folder" in p.reason) for p in report.problems] == [
        ("none", True)
    ]


def test_refuses_non_empty_root_and_leaves_it_alone(tmp_path, small_rgb):
    images, labels = small_rgb
    root = tmp_path / "d"
    root.mkdir()
    (root / "notes.txt").write_text("mine")
    before = tree(root)
    with pytest.raises(FileExistsError, match="root"):
        write_image_folder(images, labels, root, ["a", "b", "c"])
    assert tree(root) == before


def test_exist_ok_adds_files_but_never_replaces_one(tmp_path, small_rgb):
    images, labels = small_rgb
    root = tmp_path / "d"
    write_image_folder(images, labels, root, ["a", "b", "c"])
    before = tree(root)
    # same names again: refused even with exist_ok, nothing changes
    with pytest.raises(FileExistsError, match="already exist"):
        write_image_folder(images[::-1], labels, root, ["a", "b", "c"], exist_ok=True)
    assert tree(root) == before
    # new class names: added next to the old ones
    new = write_image_folder(images, labels, root, ["p", "q", "r"], exist_ok=True)
    after = tree(root)
    assert {k: v for k, v in after.items() if k in before} == before
    assert len(after) == len(before) + len(new)


def test_a_user_file_in_the_way_is_refused_by_name(tmp_path):
    root = tmp_path / "d"
    (root / "a").mkdir(parents=True)
    (root / "a" / "1.png").write_bytes(b"precious")
    with pytest.raises(FileExistsError, match="1.png"):
        write_image_folder(np.zeros((2, 3, 3), np.uint8), [1, 0], root, ["a", "b"], exist_ok=True)
    assert (root / "a" / "1.png").read_bytes() == b"precious"
    assert not (root / "b").exists()  # nothing was written


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(images=np.zeros((2, 4, 4, 2))), "images"),
        (dict(images=np.zeros((4, 4))), "images"),
        (dict(images=np.zeros((0, 4, 4))), "images"),
        (dict(labels=[0, 1, 0]), "labels"),
        (dict(labels=[0, 2]), "labels"),
        (dict(labels=[-1, 0]), "labels"),
        (dict(labels=[0.5, 1]), "labels"),
        (dict(class_names=["a", "a"]), "class_names"),
        (dict(class_names=["a", "b/c"]), "class_names"),
        (dict(class_names=[".hidden", "b"]), "class_names"),
        (dict(class_names="ab"), "class_names"),
        (dict(class_names=[]), "class_names"),
    ],
)
def test_bad_arguments_name_the_argument(tmp_path, kwargs, match):
    args = dict(
        images=np.zeros((2, 4, 4), np.uint8),
        labels=[0, 1],
        root=tmp_path / "d",
        class_names=["a", "b"],
    )
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        write_image_folder(**args)
    assert not (tmp_path / "d").exists()


def test_root_that_is_a_file_is_refused(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(ValueError, match="root"):
        write_image_folder(np.zeros((1, 4, 4), np.uint8), [0], f, ["a"])
    assert f.read_text() == "x"


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 12),
    n_classes=st.integers(1, 4),
    channels=st.sampled_from([0, 1, 3, 4]),
    seed=st.integers(0, 2**16),
)
def test_round_trip_property(tmp_path_factory, n, n_classes, channels, seed):
    rng = np.random.default_rng(seed)
    shape = (n, 5, 6) if channels == 0 else (n, 5, 6, channels)
    images = rng.integers(0, 256, size=shape, dtype=np.uint8)
    labels = rng.integers(0, n_classes, size=n)
    names = [f"class{k}" for k in range(n_classes)]
    root = tmp_path_factory.mktemp("prop") / "d"
    paths = write_image_folder(images, labels, root, names)
    report = verify_image_folder(root)
    assert report.ok == bool(np.all(np.bincount(labels, minlength=n_classes) > 0))
    assert report.counts == {c: int((labels == k).sum()) for k, c in enumerate(names)}
    expected = images[..., 0] if channels == 1 else images
    for p, img in zip(paths, expected):
        np.testing.assert_array_equal(read(p), img)


# --------------------------------------------------------------------------- verify


@pytest.fixture
def broken_folder(tmp_path):
    """A dataset with one of each problem next to good images."""
    rng = np.random.default_rng(0)
    root = tmp_path / "data"
    images = rng.integers(0, 256, size=(6, 16, 16, 3), dtype=np.uint8)
    paths = write_image_folder(images, [0, 0, 0, 1, 1, 1], root, ["cat", "dog"])
    good = paths[0].read_bytes()
    corrupt = bytearray(good)
    corrupt[len(corrupt) // 2] ^= 0xFF  # one flipped byte inside the pixel data
    (root / "cat" / "corrupt.png").write_bytes(bytes(corrupt))
    (root / "cat" / "truncated.png").write_bytes(good[: len(good) // 2])
    (root / "dog" / "zero.jpg").write_bytes(b"")
    (root / "dog" / "notes.png").write_text("this is not a picture\n")
    (root / "dog" / "readme.txt").write_text("loaders ignore non-image extensions")
    (root / "empty_class").mkdir()
    return root


def test_each_bad_file_is_reported_with_its_reason(broken_folder):
    report = verify_image_folder(broken_folder)
    reasons = {p.path.relative_to(broken_folder).as_posix(): p.reason for p in report.problems}
    assert set(reasons) == {
        "cat/corrupt.png",
        "cat/truncated.png",
        "dog/zero.jpg",
        "dog/notes.png",
        "empty_class",
    }
    assert "corrupt" in reasons["cat/corrupt.png"]
    assert "truncated" in reasons["cat/truncated.png"]
    assert "0 bytes" in reasons["dog/zero.jpg"]
    assert "not an image" in reasons["dog/notes.png"] and "text" in reasons["dog/notes.png"]
    assert "empty class folder" in reasons["empty_class"]
    assert not report.ok
    assert report.counts == {"cat": 3, "dog": 3, "empty_class": 0}
    text = str(report)
    for name in reasons:
        assert name in text


def test_verify_reads_nothing_it_should_not_change(broken_folder):
    before = tree(broken_folder)
    verify_image_folder(broken_folder)
    assert tree(broken_folder) == before


def test_uppercase_extensions_and_nested_folders_are_checked(tmp_path):
    root = tmp_path / "d"
    write_image_folder(np.zeros((1, 4, 4), np.uint8), [0], root, ["a"])
    (root / "a" / "sub").mkdir()
    (root / "a" / "sub" / "BAD.JPG").write_bytes(b"")
    report = verify_image_folder(root)
    assert [p.path.name for p in report.problems] == ["BAD.JPG"]


def test_hidden_folder_and_stray_root_image_are_reported(tmp_path):
    root = tmp_path / "d"
    paths = write_image_folder(np.zeros((2, 4, 4), np.uint8), [0, 1], root, ["a", "b"])
    (root / ".ipynb_checkpoints").mkdir()
    (root / "stray.png").write_bytes(paths[0].read_bytes())
    report = verify_image_folder(root)
    reasons = {p.path.name: p.reason for p in report.problems}
    assert set(reasons) == {".ipynb_checkpoints", "stray.png"}
    assert "extra class" in reasons[".ipynb_checkpoints"]
    assert "outside any class folder" in reasons["stray.png"]


def test_missing_root_raises(tmp_path):
    with pytest.raises(ValueError, match="root.*does not exist"):
        verify_image_folder(tmp_path / "nope")


def test_root_without_class_folders_raises(tmp_path):
    (tmp_path / "a.png").write_bytes(b"")
    with pytest.raises(ValueError, match="root.*no class folders"):
        verify_image_folder(tmp_path)


def test_root_that_is_a_file_raises(tmp_path):
    f = tmp_path / "x.png"
    f.write_bytes(b"")
    with pytest.raises(ValueError, match="root.*not a folder"):
        verify_image_folder(f)


def test_keras_reads_what_was_written(tmp_path):
    """flow_from_directory sees the same classes, files and pixels."""
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, size=(7, 6, 6), dtype=np.uint8)
    labels = np.array([1, 0, 1, 1, 0, 1, 0])
    root = tmp_path / "d"
    paths = write_image_folder(images, labels, root, ["zebra", "ant"])
    it = tl.get_image_data_generator()().flow_from_directory(
        root,
        target_size=(6, 6),
        color_mode="grayscale",
        class_mode="sparse",
        batch_size=7,
        shuffle=False,
    )
    assert it.samples == len(images)
    assert it.class_indices == {"ant": 0, "zebra": 1}  # sorted names, not our label order
    expected_files = sorted(p.relative_to(root).as_posix() for p in paths)
    assert [f.replace("\\", "/") for f in it.filenames] == expected_files
    x, y = it[0]
    rows = [int(f.split("/")[1].split(".")[0]) for f in expected_files]
    np.testing.assert_array_equal(x[..., 0], images[rows].astype(np.float32))
    np.testing.assert_array_equal(y, (labels[rows] == 0).astype(np.float32))
