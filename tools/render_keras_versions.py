"""Write the appendix book/keras_versions.md from the measured files in book/keras_versions/.

``python tools/render_keras_versions.py [--check]`` (re)writes the page (``--check``: exit 1 if
the committed page is stale). The prose is the Jinja2 template tools/keras_versions_template.md;
every table comes from the results files that tools/keras_behaviour.py writes, one per Keras
release (``make compat`` refreshes them), with the behaviours as rows and the releases as
columns. The page is a pure function of the files: a test checks it is up to date, so the book
builds offline from what is committed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import jinja2

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "book" / "keras_versions"
TEMPLATE = ROOT / "tools" / "keras_versions_template.md"
PAGE = ROOT / "book" / "keras_versions.md"

GEOMETRIC = ("RandomRotation", "RandomZoom", "RandomTranslation")
FLIP_CROP = ("RandomFlip", "RandomCrop")
MASK_LAYERS = GEOMETRIC + FLIP_CROP

#: Words in the cells: a measured value -> what the table shows.
WORDS = {
    True: "yes",
    False: "no",
    None: "—",
    "identity": "unchanged",
    "top-left": "top-left 20x20",
    "centre-corner": "centre's corner",
    "centre-resized": "centre, resized",
    "blended": "**blended**",
    "rows": "**rows**",
    "NotImplementedError": "not implemented",
}

#: Section -> rows: (label, behaviour group, keys in that group). A cell shows the one value the
#: keys share, or each key's value when they differ.
SECTIONS = {
    "versions": [
        ("TensorFlow", "versions", ("tensorflow",)),
        ("NumPy", "versions", ("numpy",)),
    ],
    "masks": [
        ("dict input, the five layers", "masks.dict_input", MASK_LAYERS),
        ("mask labels, geometric", "masks.mask_labels", GEOMETRIC),
        ("mask dtype, geometric", "masks.mask_dtype", GEOMETRIC),
        ("mask labels, flip and crop", "masks.mask_labels", FLIP_CROP),
        ("mask dtype, flip and crop", "masks.mask_dtype", FLIP_CROP),
        ("image and mask aligned", "masks.mask_aligned", MASK_LAYERS),
    ],
    "random-crop": [
        ("`training=False`, 32x32", "random_crop", ("inference",)),
        ("`training=False`, 32x40", "random_crop", ("inference_wide",)),
        ("one window per batch", "random_crop", ("one_window_per_batch",)),
    ],
    "image-data-generator": [
        ("`keras.preprocessing.image`", "image_data_generator", ("keras.preprocessing.image",)),
        (
            "`tf.keras.preprocessing.image`",
            "image_data_generator",
            ("tensorflow.keras.preprocessing.image",),
        ),
        (
            "`keras.src.legacy.preprocessing.image`",
            "image_data_generator",
            ("keras.src.legacy.preprocessing.image",),
        ),
        ("`width_shift_range` moves", "image_data_generator", ("width_shift_moves",)),
        ("`height_shift_range` moves", "image_data_generator", ("height_shift_moves",)),
        ("default `fill_mode`", "image_data_generator", ("default_fill_mode",)),
    ],
    "boxes": [
        (f"`{name}`", "bounding_boxes", (name,))
        for name in ("RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom")
    ]
    + [("`RandomCrop`", "bounding_boxes", ("RandomCrop",))],
    "other": [
        ("`RandomRotation(15)`", "other", ("rotation_factor_15",)),
        ("layers' default `fill_mode`", "other", ("layers_default_fill_mode",)),
        ("`keras.ops.image.affine_transform`", "other", ("affine_transform_op",)),
        ("`Model.fit_generator`", "other", ("fit_generator",)),
        ("`RandAugment`: one choice of ops per call", "other", ("randaugment_ops_per_batch",)),
        ("`RandAugment`'s draw holds", "other", ("randaugment_draw",)),
        ('`convert_format` reads `"rel_center_xywh"`', "other", ("rel_center_xywh_read",)),
    ],
}
SHORT = {"RandomRotation": "Rot", "RandomZoom": "Zoom", "RandomTranslation": "Transl"}
SHORT |= {"RandomFlip": "Flip", "RandomCrop": "Crop"}


def version_key(version: str) -> tuple[int, ...]:
    """'3.10.0' -> (3, 10, 0), so that 3.10 sorts after 3.9."""
    return tuple(int(p) for p in re.findall(r"\d+", version)[:3])


def load_results(results_dir: Path = RESULTS) -> list[dict]:
    """Every keras-<version>.json, oldest Keras first."""
    records = [json.loads(p.read_text()) for p in results_dir.glob("keras-*.json")]
    return sorted(records, key=lambda r: version_key(r["versions"]["keras"]))


def value(record: dict, group: str, key: str):
    """One measured value: group is 'versions' or a dotted path into 'behaviours'."""
    node = record["versions"] if group == "versions" else record["behaviours"]
    for part in [] if group == "versions" else group.split("."):
        node = node.get(part, {})
    if "error" in node:
        return f"error: {node['error'].split(':')[0]}"
    return node.get(key)


def word(x) -> str:
    return WORDS.get(x, str(x)) if isinstance(x, (bool, type(None), str)) else str(x)


def cell(record: dict, group: str, keys: tuple[str, ...]) -> str:
    values = [value(record, group, key) for key in keys]
    if all(v == values[0] for v in values):
        return word(values[0])
    return ", ".join(f"{SHORT.get(k, k)}: {word(v)}" for k, v in zip(keys, values))


def table(records: list[dict], section: str, rows: list[tuple] | None = None) -> str:
    """A Markdown table of one section: behaviours as rows, Keras releases as columns.

    It is wrapped in a MyST ``table`` directive of class ``keras-versions`` (compact cells, in
    _static/keras-versions.css) named ``keras-versions-<section>-table``.
    """
    header = ["Keras", *(r["versions"]["keras"] for r in records)]
    lines = [
        "```{table}",
        ":class: keras-versions",
        f":name: keras-versions-{section}-table",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for label, group, keys in rows or SECTIONS[section]:
        lines.append("| " + " | ".join([label, *(cell(r, group, keys) for r in records)]) + " |")
    return "\n".join([*lines, "```"])


def layers_table(records: list[dict]) -> str:
    """The layers section: one row per layer, in the order the newest record lists them."""
    names = list(records[-1]["behaviours"]["layers"]) if records else []
    return table(records, "layers", [(f"`{name}`", "layers", (name,)) for name in names])


def render(records: list[dict]) -> str:
    """The Markdown of book/keras_versions.md."""
    if not records:
        raise SystemExit("render_keras_versions: no results: run `make compat`")
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined, trim_blocks=True, keep_trailing_newline=True
    )
    env.globals |= {
        "records": records,
        "table": lambda section: table(records, section),
        "layers_table": lambda: layers_table(records),
        "keras_versions": ", ".join(r["versions"]["keras"] for r in records),
        "dates": sorted({r["date"] for r in records}),
    }
    return env.from_string(TEMPLATE.read_text()).render()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare the page with a fresh render")
    if parser.parse_args(argv).check:
        stale = not PAGE.is_file() or PAGE.read_text() != render(load_results())
        print(f"book/keras_versions.md is {'stale' if stale else 'up to date'}")
        return int(stale)
    PAGE.write_text(render(load_results()))
    print("wrote book/keras_versions.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
