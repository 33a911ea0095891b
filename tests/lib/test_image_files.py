"""The one place that writes image files and refuses to replace existing ones."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import tutorial_lib as tl
from tutorial_lib import image_folder
from tutorial_lib._image_files import (
    check_names,
    check_png_batch,
    folder_path,
    refuse_existing,
    staged_folder,
    to_8bit,
    write_image,
)


def test_write_image_never_replaces_a_file(tmp_path):
    path = tmp_path / "a.png"
    path.write_bytes(b"mine")
    with pytest.raises(FileExistsError):
        write_image(np.zeros((2, 2), np.uint8), path, scale_by_255=False)
    assert path.read_bytes() == b"mine"


@pytest.mark.parametrize("channels, mode", [(None, "L"), (1, "L"), (3, "RGB"), (4, "RGBA")])
def test_write_image_round_trips_every_channel_count(tmp_path, channels, mode):
    shape = (5, 6) if channels is None else (5, 6, channels)
    image = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    write_image(image, tmp_path / "x.png", scale_by_255=False)
    with Image.open(tmp_path / "x.png") as im:
        assert im.mode == mode
        assert np.array_equal(np.asarray(im), image[..., 0] if channels == 1 else image)


def test_to_8bit_rounds_and_clips_never_stretches():
    assert to_8bit(np.array([[0.2, 0.6]]), scale_by_255=False).tolist() == [[0, 1]]
    assert to_8bit(np.array([[0.5, 1.0]]), scale_by_255=True).tolist() == [[128, 255]]
    assert to_8bit(np.array([[-7, 300]], np.int32), scale_by_255=False).tolist() == [[0, 255]]
    with pytest.raises(ValueError, match="NaN or infinite"):
        to_8bit(np.array([[np.nan, 1.0]]), scale_by_255=True)
    with pytest.raises(ValueError, match="1, 3, 4"):
        to_8bit(np.zeros((2, 2, 2)), scale_by_255=False)


def test_refuse_existing_names_the_first_and_counts_them(tmp_path):
    paths = [tmp_path / "k" / f"{i}.png" for i in range(3)]
    refuse_existing(paths, tmp_path)  # nothing there yet
    paths[1].parent.mkdir()
    paths[1].write_bytes(b"")
    paths[2].symlink_to(tmp_path / "missing")  # a dangling link is in the way too
    with pytest.raises(FileExistsError, match=r"2 of the 3 files .* 'k/1.png' .* Pick another"):
        refuse_existing(paths, tmp_path, "Pick another.")


def test_checks_name_the_argument(tmp_path):
    with pytest.raises(ValueError, match="`names` has duplicates"):
        check_names(["a", "b", "a"], "names")
    with pytest.raises(ValueError, match="`names` must be a sequence"):
        check_names("ab", "names")
    for bad in ([], [""], [".hidden"], [".."], ["a\\b"]):
        with pytest.raises(ValueError, match="`names`"):
            check_names(bad, "names")
    with pytest.raises(ValueError, match="`out` must be a folder path"):
        folder_path("", "out")
    (tmp_path / "f").write_text("x")
    with pytest.raises(ValueError, match="`out` .* is not a folder"):
        folder_path(tmp_path / "f", "out")
    with pytest.raises(ValueError, match="`x` holds NaN"):
        check_png_batch(np.full((1, 2, 2), np.inf), "x")


def test_both_writers_refuse_nan_before_writing_anything(tmp_path):
    images = np.zeros((2, 4, 4), np.float32)
    images[1, 0, 0] = np.nan
    with pytest.raises(ValueError, match="`images` holds NaN"):
        tl.write_image_folder(images, [0, 1], tmp_path / "folder", ["a", "b"])
    with pytest.raises(ValueError, match="`images` holds NaN"):
        tl.save_augmented(images, lambda x, rng: x, tmp_path / "aug")
    assert not (tmp_path / "folder").exists() and not (tmp_path / "aug").exists()


def test_both_writers_share_the_refusal_message(tmp_path):
    x = np.zeros((1, 3, 3), np.uint8)
    tl.write_image_folder(x, [0], tmp_path, ["a"])
    with pytest.raises(FileExistsError, match=r"1 of the 1 files to write already exist"):
        tl.write_image_folder(x, [0], tmp_path, ["a"], exist_ok=True)
    tl.save_augmented(x, lambda im, rng: im, tmp_path / "a", prefix="p")
    with pytest.raises(FileExistsError, match=r"1 of the 1 files to write already exist"):
        tl.save_augmented(x, lambda im, rng: im, tmp_path / "a", prefix="p")


# --------------------------------------------------------------------------- all or nothing


def snapshot(folder):
    """{relative path: bytes, or None for a folder} of everything under ``folder``."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes() if p.is_file() else None)
        for p in sorted(folder.rglob("*"))
    }


def test_staged_folder_moves_everything_at_the_end(tmp_path):
    target = tmp_path / "new" / "out"
    with staged_folder(target) as stage:
        assert stage.parent == target.parent and stage.name.startswith(".out.partial-")
        (stage / "a").mkdir()
        (stage / "a" / "1.png").write_bytes(b"one")
        (stage / "2.png").write_bytes(b"two")
        assert not target.exists()  # nothing visible before the end
    assert snapshot(target) == {"2.png": b"two", "a": None, "a/1.png": b"one"}
    assert [p.name for p in target.parent.iterdir()] == ["out"]


def test_a_file_in_the_way_at_the_end_undoes_every_move(tmp_path):
    target = tmp_path / "out"
    (target / "b").mkdir(parents=True)
    (target / "b" / "2.png").write_bytes(b"user")
    before = snapshot(tmp_path)
    with pytest.raises(FileExistsError, match="2.png"):
        with staged_folder(target) as stage:
            for d in ("a", "b", "c"):
                (stage / d).mkdir()
                (stage / d / "1.png").write_bytes(b"ours")  # a/1.png, b/1.png move first
            (stage / "b" / "2.png").write_bytes(b"ours")
    assert snapshot(tmp_path) == before


def test_without_hard_links_files_are_renamed_but_never_replace_one(tmp_path, monkeypatch):
    def no_links(src, dst):
        raise PermissionError(1, "Operation not permitted")  # e.g. FAT, some network shares

    monkeypatch.setattr(os, "link", no_links)
    with staged_folder(tmp_path / "out") as stage:
        (stage / "1.png").write_bytes(b"one")
    assert snapshot(tmp_path) == {"out": None, "out/1.png": b"one"}
    with pytest.raises(FileExistsError, match="1.png"):
        with staged_folder(tmp_path / "out") as stage:
            (stage / "0.png").write_bytes(b"zero")
            (stage / "1.png").write_bytes(b"other")
    assert snapshot(tmp_path) == {"out": None, "out/1.png": b"one"}


def test_stage_goes_inside_the_target_when_its_parent_is_read_only(tmp_path, monkeypatch):
    target = tmp_path / "out"
    target.mkdir()
    real_mkdtemp = tempfile.mkdtemp

    def mkdtemp(prefix=None, dir=None):
        if Path(dir) == tmp_path:
            raise PermissionError(13, "Permission denied", str(dir))
        return real_mkdtemp(prefix=prefix, dir=dir)

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    with staged_folder(target) as stage:
        assert stage.parent == target
        (stage / "1.png").write_bytes(b"one")
    assert snapshot(tmp_path) == {"out": None, "out/1.png": b"one"}


@pytest.mark.parametrize("exist_ok", [False, True])
def test_write_image_folder_failing_half_way_leaves_the_folder_as_it_was(
    tmp_path, monkeypatch, exist_ok
):
    root = tmp_path / "data"
    if exist_ok:
        (root / "cat").mkdir(parents=True)
        (root / "cat" / "mine.jpg").write_bytes(b"user photo")
    before = snapshot(tmp_path)
    calls = []

    def disk_full_on_third(image, path, scale, fmt="PNG"):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        write_image(image, path, scale, fmt)

    monkeypatch.setattr(image_folder, "write_image", disk_full_on_third)
    images = np.zeros((5, 4, 4), np.uint8)
    with pytest.raises(OSError, match="No space left"):
        tl.write_image_folder(images, [0, 1, 0, 1, 0], root, ["cat", "dog"], exist_ok=exist_ok)
    assert len(calls) == 3
    assert snapshot(tmp_path) == before
    monkeypatch.undo()  # and the same call then succeeds
    paths = tl.write_image_folder(images, [0, 1, 0, 1, 0], root, ["cat", "dog"], exist_ok=True)
    assert all(p.is_file() for p in paths)
