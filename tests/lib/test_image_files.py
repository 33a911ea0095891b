"""The one place that writes image files and refuses to replace existing ones."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import tutorial_lib as tl
from tutorial_lib._image_files import (
    check_names,
    check_png_batch,
    folder_path,
    refuse_existing,
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
