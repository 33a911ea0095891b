"""write_image_folder / verify_image_folder: round trips, refusals, and every kind of bad file."""

from __future__ import annotations

import io
import os
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile

import tutorial_lib as tl
from tutorial_lib import datasets
from tutorial_lib.image_folder import (
    IMAGE_EXTENSIONS,
    LOADER_EXTENSIONS,
    verify_image_folder,
    write_image_folder,
)


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


def test_jpeg_files_decode_close_to_the_images_and_keras_reads_them(tmp_path):
    # smooth images: JPEG is lossy, but only by a few levels on smooth content
    ramp = np.linspace(0, 255, 32)
    images = np.stack(
        [np.stack([np.add.outer(ramp, ramp) / 2] * 3, axis=-1) * (k + 1) / 3 for k in range(3)]
    ).astype(np.uint8)
    root = tmp_path / "jpegs"
    paths = write_image_folder(images, [0, 1, 1], root, ["a", "b"], format="jpg")
    assert [p.suffix for p in paths] == [".jpg"] * 3
    for p, image in zip(paths, images):
        assert p.read_bytes()[:3] == b"\xff\xd8\xff"  # a JPEG, not a PNG renamed
        decoded = read(p).astype(int)
        assert decoded.shape == image.shape
        assert 0 < np.abs(decoded - image).max() <= 12, "lossy, but close"
    for loader in LOADER_EXTENSIONS:
        report = verify_image_folder(root, loader=loader)
        assert report.ok and report.counts == {"a": 1, "b": 2}, str(report)


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
        (dict(format="gif"), "format"),
        (dict(format="JPG"), "format"),
        (dict(images=np.zeros((2, 4, 4, 4)), format="jpg"), "format"),
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


# --------------------------------------------------------------------------- bad files, one by one


def png_bytes(image) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return buf.getvalue()


def png_chunks(data):
    """[(type, payload)] of a PNG file."""
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        chunks.append((data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return chunks


def build_png(chunks) -> bytes:
    """A PNG file of these chunks, each with a correct CRC."""
    out = b"\x89PNG\r\n\x1a\n"
    for ctype, payload in chunks:
        crc = zlib.crc32(ctype + payload)
        out += struct.pack(">I", len(payload)) + ctype + payload + struct.pack(">I", crc)
    return out


ROWS = np.random.default_rng(5).integers(0, 256, size=(64, 16, 3), dtype=np.uint8)


def declared_as(width, height) -> bytes:
    """A valid tiny PNG whose IHDR is patched to declare width x height (CRC fixed)."""
    chunks = png_chunks(png_bytes(ROWS[:4, :4]))
    ihdr = struct.pack(">II", width, height) + chunks[0][1][8:]
    return build_png([(b"IHDR", ihdr)] + chunks[1:])


def rows_short() -> bytes:
    """Header promises 64 rows; one complete zlib stream holds 4 of them, then IEND."""
    ihdr = png_chunks(png_bytes(ROWS))[0][1]
    raw = b"".join(b"\x00" + ROWS[r].tobytes() for r in range(4))  # filter byte 0 + a row
    return build_png([(b"IHDR", ihdr), (b"IDAT", zlib.compress(raw)), (b"IEND", b"")])


def jpeg_bytes(image=ROWS) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="JPEG")
    return buf.getvalue()


@pytest.fixture
def good_folder(tmp_path):
    """Two classes of three good PNGs each."""
    root = tmp_path / "data"
    images = np.random.default_rng(0).integers(0, 256, size=(6, 8, 8, 3), dtype=np.uint8)
    write_image_folder(images, [0, 0, 0, 1, 1, 1], root, ["cat", "dog"])
    return root


def reasons_of(report):
    return {p.path.name: p.reason for p in report.problems}


def test_pil_alone_misses_the_short_png_that_tensorflow_refuses(tmp_path):
    """Why verify_image_folder reads the PNG structure itself."""
    with Image.open(io.BytesIO(rows_short())) as im:
        im.load()  # no error: PIL fills the 60 missing rows with zeros
        assert im.size == (16, 64) and not np.asarray(im)[4:].any()


def test_oversized_header_is_reported_with_its_size_and_the_scan_goes_on(good_folder):
    (good_folder / "cat" / "bomb.png").write_bytes(declared_as(20000, 20000))
    (good_folder / "dog" / "big.png").write_bytes(declared_as(10000, 10000))  # PIL warns only
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nor does PIL's DecompressionBombWarning escape
        report = verify_image_folder(good_folder)
    reasons = reasons_of(report)
    assert set(reasons) == {"bomb.png", "big.png"}
    limit = f"{Image.MAX_IMAGE_PIXELS:,}"
    assert reasons["bomb.png"].startswith(
        "oversized: the header declares 20000x20000 pixels (400,000,000), "
        f"over the limit of {limit}"
    )
    assert "declares 10000x10000 pixels" in reasons["big.png"]
    assert report.counts == {"cat": 3, "dog": 3}  # every good file after them was still checked


def test_pixel_limit_is_pils_own_read_at_each_call(good_folder, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 63)  # the 8x8 images have 64
    report = verify_image_folder(good_folder)
    assert len(report.problems) == 6 + 2  # six oversized files, two classes left empty
    assert all("over the limit of 63" in p.reason for p in report.problems if p.path.is_file())


def test_oversized_jpeg_is_reported_too(good_folder, monkeypatch):
    (good_folder / "cat" / "big.jpg").write_bytes(jpeg_bytes())  # 16x64 = 1024 pixels
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 300)  # PIL refuses over 600: an error
    reasons = reasons_of(verify_image_folder(good_folder))
    assert reasons["big.jpg"].startswith("oversized: the header declares 16x64 pixels (1,024)")


@pytest.mark.parametrize(
    "data, expected",
    [
        (rows_short(), "truncated PNG: its pixel data ends after 196 of the 3,136 bytes"),
        (png_bytes(ROWS)[:33], "truncated PNG: the file ends right after its IHDR chunk, before"),
        (png_bytes(ROWS)[:20], "truncated PNG: the file ends inside its IHDR chunk"),
        (png_bytes(ROWS)[:-12], "truncated PNG: its pixel data is complete but the file ends"),
    ],
    ids=["4-of-64-rows", "cut-after-header", "cut-in-header", "no-IEND"],
)
def test_truncated_pngs_are_reported_as_truncated(good_folder, data, expected):
    (good_folder / "dog" / "bad.png").write_bytes(data)
    report = verify_image_folder(good_folder)
    assert [(p.path.name, p.reason[: len(expected)]) for p in report.problems] == [
        ("bad.png", expected)
    ]
    assert "corrupt" not in report.problems[0].reason
    assert report.counts == {"cat": 3, "dog": 3}


def test_short_png_names_the_rows_it_holds(good_folder):
    (good_folder / "dog" / "bad.png").write_bytes(rows_short())
    (reason,) = reasons_of(verify_image_folder(good_folder)).values()
    assert "(16x64 pixels)" in reason and "(4 of 64 rows)" in reason


def test_truncation_is_found_even_when_pil_is_told_to_load_truncated_images(
    good_folder, monkeypatch
):
    data = jpeg_bytes()
    (good_folder / "cat" / "cut.jpg").write_bytes(data[: len(data) - 200])
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with Image.open(good_folder / "cat" / "cut.jpg") as im:
        im.load()  # PIL pads it in silence now
    reasons = reasons_of(verify_image_folder(good_folder))
    assert reasons["cut.jpg"].startswith("truncated JPEG image")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # the user's setting is restored


def test_wrong_format_for_the_extension(good_folder):
    (good_folder / "cat" / "photo.png").write_bytes(jpeg_bytes())
    (good_folder / "cat" / "photo.jpg").write_bytes(jpeg_bytes())  # right: not reported
    reasons = reasons_of(verify_image_folder(good_folder))
    assert reasons == {
        "photo.png": "wrong format for its extension: the contents are JPEG, the name says .png "
        "(the loaders go by the contents, other tools by the name)"
    }


def test_unreadable_files_are_reported_and_the_scan_goes_on(good_folder, monkeypatch):
    locked = good_folder / "cat" / "locked.png"
    locked.write_bytes(png_bytes(ROWS))
    (good_folder / "cat" / "dangling.png").symlink_to(good_folder / "nowhere.png")
    os.mkfifo(good_folder / "dog" / "pipe.png")  # opening it would block: never opened
    real_read_bytes = Path.read_bytes

    def read_bytes(self):
        if self.name == "locked.png":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)  # as chmod 000 does for non-root
    report = verify_image_folder(good_folder)
    assert reasons_of(report) == {
        "locked.png": "unreadable: Permission denied (check its permissions)",
        "dangling.png": "unreadable: a broken symbolic link",
        "pipe.png": "unreadable: not a regular file (a pipe, socket or device); not opened",
    }
    assert report.counts == {"cat": 3, "dog": 3}


def test_a_folder_that_cannot_be_listed_is_reported(good_folder, monkeypatch):
    (good_folder / "cat" / "sub").mkdir()
    real_scandir = os.scandir

    def scandir(path="."):
        if Path(path).name == "sub":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = verify_image_folder(good_folder)
    assert reasons_of(report) == {"sub": "folder cannot be listed: Permission denied"}


def test_one_scan_reports_every_kind_of_bad_file_once(good_folder):
    bad = {
        "bomb.png": (declared_as(20000, 20000), "oversized"),
        "short.png": (rows_short(), "truncated"),
        "header.png": (png_bytes(ROWS)[:33], "truncated"),
        "jpeg.png": (jpeg_bytes(), "wrong format for its extension"),
        "zero.png": (b"", "empty file"),
        "notes.jpg": (b"shopping list\n", "not an image"),
        "flipped.png": (None, "corrupt"),
    }
    flipped = bytearray(png_bytes(ROWS))
    flipped[len(flipped) // 2] ^= 0xFF
    for i, (name, (data, _)) in enumerate(sorted(bad.items())):
        path = good_folder / ("cat", "dog")[i % 2] / name
        path.write_bytes(bytes(flipped) if data is None else data)
    report = verify_image_folder(good_folder)
    reasons = reasons_of(report)
    assert set(reasons) == set(bad)
    for name, (_, kind) in bad.items():
        assert reasons[name].startswith(kind), (name, reasons[name])
    assert report.counts == {"cat": 3, "dog": 3}
    assert len(report.files) == 6 + len(bad)


# --------------------------------------------------------------------------- loaders


def test_extension_lists_are_the_installed_keras_ones():
    from keras.src.legacy.preprocessing.image import Iterator
    from keras.src.utils.image_dataset_utils import ALLOWLIST_FORMATS

    assert LOADER_EXTENSIONS["flow_from_directory"] == Iterator.white_list_formats
    dotted = tuple("." + e for e in LOADER_EXTENSIONS["image_dataset_from_directory"])
    assert sorted(dotted) == sorted(ALLOWLIST_FORMATS)
    assert set(IMAGE_EXTENSIONS) == {e for exts in LOADER_EXTENSIONS.values() for e in exts}


@pytest.fixture
def mixed_folder(tmp_path):
    """Good images under every extension either loader might take, plus some it might not."""
    root = tmp_path / "mixed"
    image = np.random.default_rng(2).integers(0, 256, size=(8, 8, 3), dtype=np.uint8)
    formats = {
        "a.png": "PNG",
        "b.JPG": "JPEG",
        "c.jpeg": "JPEG",
        "d.bmp": "BMP",
        "e.ppm": "PPM",
        "f.tif": "TIFF",
        "g.tiff": "TIFF",
        "h.gif": "GIF",
        "i.webp": "WEBP",
        "jpng": "PNG",  # no dot: flow_from_directory matches the bare ending
        "sub/k.png": "PNG",
    }
    for cls in ("one", "two"):
        for name, fmt in formats.items():
            path = root / cls / name
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(image).save(path, format=fmt)
        (root / cls / "notes.txt").write_text("not an image, by its extension")
    (root / ".hidden").mkdir()
    Image.fromarray(image).save(root / ".hidden" / "x.png")
    return root


@pytest.mark.filterwarnings("ignore:Using .*tiff.* files with multiple bands")
def test_flow_from_directory_lists_exactly_what_keras_lists(mixed_folder):
    report = verify_image_folder(mixed_folder, loader="flow_from_directory")
    it = tl.get_image_data_generator()().flow_from_directory(
        mixed_folder, target_size=(8, 8), batch_size=4, shuffle=False
    )
    listed = [p.relative_to(mixed_folder).as_posix() for p in report.files]
    assert listed == [f.replace(os.sep, "/") for f in it.filenames]
    assert report.classes == list(it.class_indices) == [".hidden", "one", "two"]
    reasons = {p.path.relative_to(mixed_folder).as_posix(): p.reason for p in report.problems}
    assert reasons == {
        ".hidden": "hidden folder: flow_from_directory would read it as an extra class",
        "one/h.gif": "ignored by flow_from_directory: extension .gif "
        "(read: png, jpg, jpeg, bmp, ppm, tif, tiff)",
        "one/i.webp": "ignored by flow_from_directory: extension .webp "
        "(read: png, jpg, jpeg, bmp, ppm, tif, tiff)",
        "two/h.gif": reasons["one/h.gif"],
        "two/i.webp": reasons["one/i.webp"],
    }
    assert report.counts == {".hidden": 1, "one": 9, "two": 9}


def test_image_dataset_from_directory_lists_exactly_what_keras_lists(mixed_folder):
    import keras

    report = verify_image_folder(mixed_folder, loader="image_dataset_from_directory")
    ds = keras.utils.image_dataset_from_directory(
        mixed_folder, image_size=(8, 8), shuffle=False, verbose=False
    )
    assert [str(p) for p in report.files] == [str(Path(p)) for p in ds.file_paths]
    assert report.classes == ds.class_names == ["one", "two"]  # hidden folders are skipped
    assert report.decoders == ("PIL", "TensorFlow")
    reasons = {p.path.relative_to(mixed_folder).as_posix(): p.reason for p in report.problems}
    ignored = (
        "ignored by image_dataset_from_directory: extension {} (read: bmp, gif, jpeg, jpg, png)"
    )
    assert reasons == {
        ".hidden": "hidden folder: image_dataset_from_directory skips it, so its 1 image file(s) "
        "are unused",
        **{
            f"{c}/{n}": ignored.format(Path(n).suffix)
            for c in ("one", "two")
            for n in ("e.ppm", "f.tif", "g.tiff", "i.webp")
        },
    }
    assert report.counts == {"one": 6, "two": 6}
    for _ in ds:  # and TensorFlow does decode every file it passed
        pass


def test_no_loader_checks_what_either_reads(mixed_folder):
    report = verify_image_folder(mixed_folder)
    reasons = {p.path.relative_to(mixed_folder).as_posix(): p.reason for p in report.problems}
    assert set(reasons) == {".hidden", "one/i.webp", "two/i.webp"}
    assert reasons["one/i.webp"].startswith(
        "ignored by flow_from_directory and image_dataset_from_directory: extension .webp"
    )
    assert "image_dataset_from_directory skips it" in reasons[".hidden"]
    assert report.counts == {".hidden": 1, "one": 10, "two": 10}
    assert report.decoders == ("PIL",)


def test_tensorflow_decoder_is_checked_for_image_dataset_from_directory(good_folder):
    one_bit = Image.fromarray(ROWS).convert("1")  # PIL reads it, TensorFlow refuses it
    one_bit.save(good_folder / "cat" / "mono.bmp")
    assert verify_image_folder(good_folder, loader="flow_from_directory").ok
    report = verify_image_folder(good_folder, loader="image_dataset_from_directory")
    reasons = reasons_of(report)
    assert list(reasons) == ["mono.bmp"]
    assert reasons["mono.bmp"].startswith(
        "TensorFlow cannot decode it, so image_dataset_from_directory fails on it: "
    )
    assert "{{" not in reasons["mono.bmp"] and "[Op:" not in reasons["mono.bmp"]
    assert "decoded with PIL and TensorFlow" in str(report)


@pytest.mark.parametrize("loader", ["flow", "keras", "", 3, ["flow_from_directory"]])
def test_unknown_loader_is_refused_by_name(good_folder, loader):
    with pytest.raises(ValueError, match=r"`loader` must be None, 'flow_from_directory' or "):
        verify_image_folder(good_folder, loader=loader)


def test_only_hidden_folders_is_no_class_for_image_dataset_from_directory(tmp_path):
    (tmp_path / ".ipynb_checkpoints").mkdir()
    with pytest.raises(ValueError, match="`root` .* has no class folders"):
        verify_image_folder(tmp_path, loader="image_dataset_from_directory")
    report = verify_image_folder(tmp_path, loader="flow_from_directory")
    assert report.classes == [".ipynb_checkpoints"] and not report.ok
