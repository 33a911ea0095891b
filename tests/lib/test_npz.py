"""Tests of tutorial_lib._npz: the one home of saving and loading statistics and ZCA files."""

import os

import numpy as np
import pytest

from tutorial_lib import _npz
from tutorial_lib._npz import load_arrays, save_arrays


def test_round_trip_keeps_values_and_dtypes(tmp_path):
    arrays = {
        "floats": np.linspace(0, 1, 5),
        "ints": np.arange(6, dtype=np.int64).reshape(2, 3),
        "word": np.array("pixel"),
        "scalar": np.float64(np.nan),
    }
    path = save_arrays(tmp_path / "a.npz", arrays)
    assert path == os.fspath(tmp_path / "a.npz")
    loaded = load_arrays(path, ["word", "scalar", "ints", "floats"], "test")
    assert sorted(loaded) == sorted(arrays)
    for key, value in arrays.items():
        assert loaded[key].dtype == np.asarray(value).dtype
        np.testing.assert_array_equal(loaded[key], value)


def test_npz_suffix_is_appended_and_nothing_else_is_left(tmp_path):
    path = save_arrays(tmp_path / "stats", {"x": np.ones(2)})
    assert path.endswith("stats.npz")
    assert [p.name for p in tmp_path.iterdir()] == ["stats.npz"]


def test_refuses_to_overwrite_and_leaves_the_file_untouched(tmp_path):
    target = tmp_path / "keep.npz"
    target.write_bytes(b"precious")
    with pytest.raises(FileExistsError, match=r"`path` '.*keep\.npz'.*refusing to overwrite"):
        save_arrays(target, {"x": np.ones(2)})
    assert target.read_bytes() == b"precious"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.npz"]


def test_refuses_object_arrays_and_writes_nothing(tmp_path):
    with pytest.raises(ValueError, match=r"`arrays\['bad'\]`.*pickle"):
        save_arrays(tmp_path / "o.npz", {"ok": np.ones(1), "bad": np.array([{}], dtype=object)})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("where", ["savez", "replace"])
def test_failed_write_leaves_nothing_behind(tmp_path, monkeypatch, where):
    def fail(*args, **kwargs):
        raise OSError("disk full")

    if where == "savez":
        monkeypatch.setattr(_npz.np, "savez", fail)
    else:
        monkeypatch.setattr(_npz.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        save_arrays(tmp_path / "a.npz", {"x": np.ones(3)})
    assert list(tmp_path.iterdir()) == []


def test_write_goes_through_a_temporary_file_in_the_same_folder(tmp_path, monkeypatch):
    moves = []
    real_replace = os.replace

    def spy(src, dst):
        moves.append((os.path.dirname(src), os.path.basename(src), dst))
        assert not os.path.exists(dst)  # the final name appears only at the rename
        real_replace(src, dst)

    monkeypatch.setattr(_npz.os, "replace", spy)
    path = save_arrays(tmp_path / "a.npz", {"x": np.ones(3)})
    [(folder, tmp_name, dst)] = moves
    assert folder == os.fspath(tmp_path) and dst == path and tmp_name != "a.npz"


def test_load_names_missing_and_unexpected_keys(tmp_path):
    path = save_arrays(tmp_path / "a.npz", {"mean": np.zeros(2), "extra": np.ones(1)})
    with pytest.raises(ValueError) as info:
        load_arrays(path, ["mean", "std"], "featurewise statistics")
    message = str(info.value)
    assert "a.npz" in message and "not a featurewise statistics file" in message
    assert "missing keys ['std']" in message and "unexpected keys ['extra']" in message


def test_load_rejects_missing_non_npz_single_array_and_pickled_files(tmp_path):
    with pytest.raises(ValueError, match="`path` .*nowhere.npz.* is not a file"):
        load_arrays(tmp_path / "nowhere.npz", ["x"], "test")
    text = tmp_path / "notes.npz"
    text.write_text("hello")
    with pytest.raises(ValueError, match="notes.npz.*could not be read as a test .npz file"):
        load_arrays(text, ["x"], "test")
    single = tmp_path / "single.npy"
    np.save(single, np.ones(3))
    with pytest.raises(ValueError, match="single.npy.*not an .npz archive"):
        load_arrays(single, ["x"], "test")
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="pickled.npz.*could not be read"):
        load_arrays(pickled, ["x"], "test")


def test_saved_file_has_the_permissions_of_any_new_file(tmp_path):
    plain = tmp_path / "plain.npz"
    np.savez(plain, x=np.ones(1))
    path = save_arrays(tmp_path / "atomic.npz", {"x": np.ones(1)})
    assert os.stat(path).st_mode == os.stat(plain).st_mode
