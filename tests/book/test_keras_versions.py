"""The appendix "Keras behaviour by version" is up to date, and the chapters agree with it.

The results files in book/keras_versions/ are measured by tools/keras_behaviour.py, one per Keras
release (`make compat`). The chapters state per-version behaviour in tables and sentences; each
test below reads one such statement, turns it into version ranges, and checks every measured
release inside a range against the claim (a release between two measured ones is not claimed).
"""

import ast
import importlib.util
import json
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "book" / "keras_versions"
PAGE = ROOT / "book" / "keras_versions.md"
STALE = "book/keras_versions.md is stale: run `python tools/render_keras_versions.py`"
#: The releases the book promises to have measured (major.minor).
REQUIRED = ("3.3", "3.5", "3.6", "3.10", "3.13", "3.14", "3.15")

_spec = importlib.util.spec_from_file_location(
    "render_keras_versions", ROOT / "tools" / "render_keras_versions.py"
)
render = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(render)
RECORDS = render.load_results()
GEOMETRIC, FLIP_CROP = render.GEOMETRIC, render.FLIP_CROP
V = render.version_key


def chapter(stem: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)


def markdown(stem: str) -> str:
    return "\n\n".join(c.source for c in chapter(stem).cells if c.cell_type == "markdown")


def sentence(text: str, pattern: str) -> re.Match:
    """The chapter's statement, found with a regex (a rewording must update this test)."""
    found = re.search(pattern, " ".join(text.split()))
    assert found, f"the chapter no longer says {pattern!r}: update this test with it"
    return found


def in_range(record: dict, low: str, high: str | None = None, last: bool = False) -> bool:
    """low <= Keras < high (<= if last), comparing as many parts as a bound has (3.6 = 3.6.x)."""
    v = V(record["versions"]["keras"])
    if high is None:
        return v[: len(V(low))] >= V(low)
    top = v[: len(V(high))]
    return v[: len(V(low))] >= V(low) and (top <= V(high) if last else top < V(high))


def within(low: str, high: str | None = None, last: bool = False) -> list[dict]:
    return [r for r in RECORDS if in_range(r, low, high, last)]


def matching(claimed: str) -> list[dict]:
    """The measured releases a version named in a chapter refers to (3.5 = any 3.5.x)."""
    return [r for r in RECORDS if V(r["versions"]["keras"])[: len(V(claimed))] == V(claimed)]


def masks(record: dict, key: str, layers: tuple[str, ...]) -> set:
    return {record["behaviours"]["masks"][key][name] for name in layers}


def test_committed_page_equals_a_fresh_render():
    assert PAGE.is_file(), STALE
    assert PAGE.read_text() == render.render(RECORDS), STALE


def test_results_files_cover_the_pinned_releases_and_hold_no_errors():
    measured = {".".join(r["versions"]["keras"].split(".")[:2]) for r in RECORDS}
    pinned = set(render_pins())
    assert set(REQUIRED) <= pinned, "tools/keras_versions.txt pins every required release"
    assert measured == pinned, f"run `make compat`: measured {measured}, pinned {pinned}"
    for path in sorted(RESULTS.glob("keras-*.json")):
        record = json.loads(path.read_text())
        assert path.name == f"keras-{record['versions']['keras']}.json"
        assert record["schema"] == 1 and record["versions"]["backend"] == "tensorflow"
        assert "error" not in json.dumps(record["behaviours"]), path.name
        assert set(record["behaviours"]) == {
            "masks",
            "random_crop",
            "image_data_generator",
            "layers",
            "bounding_boxes",
            "other",
        }


def render_pins() -> list[str]:
    lines = (ROOT / "tools" / "keras_versions.txt").read_text().splitlines()
    return [line.split()[0] for line in lines if line.strip() and not line.startswith("#")]


def version_table(text: str) -> list[list[str]]:
    """Body rows of the Markdown table whose header starts with 'Keras (measured)'."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| Keras (measured)"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows


def test_chapter_9_version_table_agrees_with_the_measurements():
    """Each row covers its first listed release up to the next row's first one."""
    rows = version_table(markdown("09_segmentation_pairs"))
    assert len(rows) >= 2
    starts = [re.split(r",| to ", row[0])[0].strip() for row in rows]
    for i, (listed, dict_cell, mask_cell) in enumerate(rows):
        dict_cell = dict_cell.strip("`")
        for claimed in (v.strip() for v in re.split(r",| to ", listed)):
            assert matching(claimed), f"{claimed} is listed as measured but has no results file"
        covered = within(starts[i], starts[i + 1] if i + 1 < len(starts) else None)
        assert covered, f"no measured release in the row {listed}"
        for record in covered:
            keras = record["versions"]["keras"]
            accepted = masks(record, "dict_input", GEOMETRIC)
            if dict_cell == "ValueError":
                assert accepted == {"ValueError"}, (keras, accepted)
                assert masks(record, "mask_labels", GEOMETRIC) == {None}
                continue
            assert dict_cell == "yes" and accepted == {True}, (keras, dict_cell, accepted)
            labels = "blended" if "bilinear" in mask_cell else "kept"
            assert "nearest" in mask_cell or labels == "blended", mask_cell
            assert masks(record, "mask_labels", GEOMETRIC) == {labels}, (keras, mask_cell)
            dtype = re.search(r"`(u?int\d+|float\d+)`", mask_cell).group(1)
            assert masks(record, "mask_dtype", GEOMETRIC) == {dtype}, (keras, mask_cell)
            assert masks(record, "mask_aligned", GEOMETRIC) == {True}, keras


def test_chapter_9_flip_and_crop_sentence_agrees():
    said = sentence(
        markdown("09_segmentation_pairs"),
        r"`RandomFlip` and `RandomCrop` keep the labels but return a `(\w+)` mask in every "
        r"version measured, up to (\d+\.\d+\.\d+)",
    )
    dtype, upto = said.groups()
    with_dicts = [r for r in RECORDS if masks(r, "dict_input", FLIP_CROP) == {True}]
    assert with_dicts
    for record in with_dicts:
        assert masks(record, "mask_labels", FLIP_CROP) == {"kept"}
        if V(record["versions"]["keras"]) <= V(upto):
            assert masks(record, "mask_dtype", FLIP_CROP) == {dtype}, record["versions"]


def test_chapter_11_mask_claims_agree():
    text = markdown("11_keras3_way")
    low, nearest = sentence(
        text, r"Image \+ mask: Keras ≥ (\d+\.\d+); masks keep their labels from Keras (\d+\.\d+)"
    ).groups()
    assert (
        sentence(text, r"Since Keras (\d+\.\d+) the geometric layers take a dict").group(1) == low
    )
    assert (
        sentence(text, r"Only from Keras (\d+\.\d+) do they resample the mask with nearest")[1]
        == nearest
    )
    for record in RECORDS:
        keras = record["versions"]["keras"]
        takes = masks(record, "dict_input", GEOMETRIC + FLIP_CROP) == {True}
        assert takes == in_range(record, low), (keras, "dict input")
        if takes:
            expected = {"kept"} if in_range(record, nearest) else {"blended"}
            assert masks(record, "mask_labels", GEOMETRIC) == expected, (keras, "nearest masks")
    assert all(r["behaviours"]["random_crop"]["one_window_per_batch"] for r in RECORDS)


def test_chapter_11_rotation_factor_claim_agrees():
    low, high = sentence(
        markdown("11_keras3_way"), r"every Keras from (\d+\.\d+) to (\d+\.\d+) refuses it"
    ).groups()
    covered = within(low, high, last=True)
    assert matching(low) and matching(high) and covered
    for record in covered:
        assert record["behaviours"]["other"]["rotation_factor_15"] == "refused", record["versions"]


def test_chapter_8_random_crop_at_inference_agrees():
    text = markdown("08_random_crop")
    unchanged = sentence(text, r"since Keras (\d+\.\d+) it returns the input \*\*unchanged\*\*")
    top_left = sentence(text, r"Keras (\d+\.\d+) and (\d+\.\d+) cut the top-left 20x20 window")
    centre = sentence(text, r"Keras (\d+\.\d+) to (\d+\.\d+) shrank the largest centred window")
    claims = {
        "identity": (unchanged[1], None),
        "top-left": (top_left[1], top_left[2]),
        "centre-resized": (centre[1], centre[2]),
    }
    for expected, (low, high) in claims.items():
        for record in within(low, high, last=True):
            got = record["behaviours"]["random_crop"]["inference"]
            assert got == expected, (record["versions"]["keras"], got, expected)
    assert within(*claims["identity"]) and within(*claims["centre-resized"], last=True)
    # The top-left window is the square-image case; a non-square image gets its centre's corner.
    sentence(
        text,
        r"top-left 20x20 window \(of a non-square image, the top-left 20x20 of its "
        r"largest centred window",
    )
    wide = {"identity": "identity", "top-left": "centre-corner", "centre-resized": "centre-resized"}
    for expected, (low, high) in claims.items():
        for record in within(low, high, last=True):
            got = record["behaviours"]["random_crop"]["inference_wide"]
            assert got == wide[expected], (record["versions"]["keras"], got, wide[expected])
    assert within(*claims["top-left"], last=True)


def test_chapter_13_layer_table_agrees():
    cell = next(
        c.source for c in chapter("13_modern_augmentation").cells if "ADDED = {" in c.source
    )
    added = ast.literal_eval(re.search(r"ADDED = (\{.*?\})", cell, flags=re.S).group(1))
    later = {name: first for name, first in added.items() if V(first) > V("3.0")}
    assert later, "the chapter lists layers added after 3.0"
    for record in RECORDS:
        present = record["behaviours"]["layers"]
        assert set(later) <= set(present), "tools/keras_behaviour.py measures every listed layer"
        for name, first in later.items():
            assert present[name] == in_range(record, first), (record["versions"]["keras"], name)
        assert present["RandomResizedCrop"] is False, "chapter 13: no single layer for it"


def test_chapter_13_rand_augment_draw_note_agrees():
    names_low, names_high, idxes_low = sentence(
        markdown("13_modern_augmentation"),
        r"Keras (\d+\.\d+) to (\d+\.\d+) return one entry per chosen operation, named after "
        r"its layer; Keras (\d+\.\d+) and newer return the indices of the chosen operations "
        r"under `layer_idxes`",
    ).groups()
    claims = {
        "layer names": within(names_low, names_high, last=True),
        "layer_idxes": within(idxes_low),
    }
    assert claims["layer names"] and claims["layer_idxes"]
    for expected, records in claims.items():
        for record in records:
            other = record["behaviours"]["other"]
            assert other["randaugment_draw"] == expected, (record["versions"]["keras"], other)
            assert other["randaugment_ops_per_batch"] is True, record["versions"]["keras"]


def test_chapter_14_rel_center_xywh_note_agrees():
    low, high = sentence(
        markdown("14_boxes_keypoints"),
        r"scaled by the height and y by the width in Keras (\d+\.\d+) to (\d+\.\d+)",
    ).groups()
    for record in RECORDS:
        read = record["behaviours"]["other"]["rel_center_xywh_read"]
        swapped = in_range(record, low, high, last=True)
        assert (read == "swapped") == swapped, (record["versions"]["keras"], read)
        assert swapped or read in ("right", None), (record["versions"]["keras"], read)


def test_shift_axes_swapped_in_every_measured_release():
    """Chapter 4 calls the swap long-standing; chapter 1 says the class left keras.preprocessing."""
    for record in RECORDS:
        idg = record["behaviours"]["image_data_generator"]
        assert idg["width_shift_moves"] == "rows" and idg["height_shift_moves"] == "columns"
        assert idg["keras.preprocessing.image"] is False
        assert idg["tensorflow.keras.preprocessing.image"] is True


@pytest.mark.parametrize(
    "stem",
    [
        "08_random_crop",
        "09_segmentation_pairs",
        "11_keras3_way",
        "13_modern_augmentation",
        "14_boxes_keypoints",
    ],
)
def test_chapters_link_to_existing_anchors_of_the_page(stem):
    anchors = set(re.findall(r"^\((keras-versions[a-z-]*)\)=$", PAGE.read_text(), flags=re.M))
    links = re.findall(r"\]\([^)\s]*#(keras-versions[a-z-]*)\)", markdown(stem))
    assert links, f"{stem} links to the page"
    assert set(links) <= anchors, set(links) - anchors
