"""Measure the Keras behaviours the chapters assert, for the installed Keras, into one JSON file.

``python tools/keras_behaviour.py [--out book/keras_versions]`` runs every probe below against
the Keras and TensorFlow of the running interpreter and writes ``keras-<version>.json`` (schema
below). It needs only Keras, TensorFlow, NumPy and SciPy (never ``tutorial_lib``), so it runs in a
bare virtual environment of any Keras from 3.3 on. Every value is measured by calling Keras, none
is read from documentation.

``python tools/keras_behaviour.py --refresh [--venvs DIR] [--only 3.10 ...]`` is ``make compat``'s
part: for each line of tools/keras_versions.txt (a label, then the pip requirements of that Keras
release) it creates or reuses the venv ``DIR/keras-<label>``, installs the pins (TensorFlow first,
then the rest), runs this script there and replaces the results file of that release. It needs
PyPI; the book and the tests use only the committed files.

Results file: ``{"schema": 1, "date", "versions": {keras, tensorflow, numpy, python, backend},
"behaviours": {group: {key: value}}, "details": {...}}``. Values are short words, booleans or
``None`` (not applicable: the layer is missing or refused the input); a probe that fails
unexpectedly records ``"error: <exception type>"`` instead of stopping the run.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import inspect
import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "book" / "keras_versions"
PINS = ROOT / "tools" / "keras_versions.txt"
SCHEMA = 1

#: The geometric layers and RandomFlip / RandomCrop, as chapter 9 calls them on a dict.
MASK_LAYERS = ("RandomRotation", "RandomZoom", "RandomTranslation", "RandomFlip", "RandomCrop")
#: Where ImageDataGenerator has lived (tutorial_lib.compat searches the same places).
IDG_LOCATIONS = (
    "keras.preprocessing.image",
    "tensorflow.keras.preprocessing.image",
    "keras.src.legacy.preprocessing.image",
)
#: Public layers whose presence the chapters test or mention (chapters 11 and 13).
LAYERS = (
    "RandomShear",
    "MixUp",
    "RandAugment",
    "RandomColorJitter",
    "RandomGrayscale",
    "RandomHue",
    "RandomSaturation",
    "CutMix",
    "AugMix",
    "RandomErasing",
    "RandomGaussianBlur",
    "RandomPerspective",
    "RandomElasticTransform",
    "RandomResizedCrop",
)
#: Layers tried with bounding boxes: {"images", "bounding_boxes": {"boxes", "labels"}}.
BOX_LAYERS = ("RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom", "RandomCrop")


def probe(function):
    """Run one probe; an unexpected exception becomes ``{"error": "<type>: <message>"}``."""
    try:
        return function()
    except Exception as exc:  # noqa: BLE001 - one broken probe must not lose the others
        print(f"probe {function.__name__} failed: {exc!r}", file=sys.stderr)
        return {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}


def shapes_batch(np):
    """4 images 32x32x3 (float32) and int32 masks with labels 0, 1, 3, the image = the mask."""
    masks = np.zeros((4, 32, 32, 1), "int32")
    for i in range(4):
        masks[i, 6 + i : 18 + i, 8:20] = 3
        masks[i, 16:28, 14 + i : 26 + i] = 1
    images = np.repeat(masks * 60.0, 3, axis=-1).astype("float32")
    return images, masks


def mask_layer(keras, name):
    """The layer chapter 9 calls on a dict: default (bilinear) interpolation, constant fill."""
    layers, fill = keras.layers, {"fill_mode": "constant"}
    return {
        "RandomRotation": lambda: layers.RandomRotation(0.1, seed=1, **fill),
        "RandomZoom": lambda: layers.RandomZoom(0.2, seed=2, **fill),
        "RandomTranslation": lambda: layers.RandomTranslation(0.1, 0.1, seed=3, **fill),
        "RandomFlip": lambda: layers.RandomFlip(seed=4),
        "RandomCrop": lambda: layers.RandomCrop(24, 24, seed=5),
    }[name]()


def masks_probe():
    """Dict input, mask labels (kept or blended), mask dtype and alignment, per layer."""
    import keras
    import numpy as np

    images, masks = shapes_batch(np)
    labels = set(np.unique(masks).tolist())
    found = {"dict_input": {}, "mask_labels": {}, "mask_dtype": {}, "mask_aligned": {}}
    invented = {}
    for name in MASK_LAYERS:
        try:
            out = mask_layer(keras, name)(
                {"images": images, "segmentation_masks": masks}, training=True
            )
        except (ValueError, TypeError, KeyError) as exc:
            found["dict_input"][name] = type(exc).__name__  # refused, with this exception
            for key in ("mask_labels", "mask_dtype", "mask_aligned"):
                found[key][name] = None
            continue
        out_masks = keras.ops.convert_to_numpy(out["segmentation_masks"])
        out_images = keras.ops.convert_to_numpy(out["images"])
        new = sorted(set(np.unique(out_masks).tolist()) - labels)
        found["dict_input"][name] = True
        found["mask_labels"][name] = "blended" if new else "kept"
        found["mask_dtype"][name] = str(out_masks.dtype)
        # The image is the mask x 60 resampled like the mask: one draw for both
        # means the object pixels agree (IoU 1 when the mask is nearest too).
        a, b = out_images[..., 0] > 30, out_masks[..., 0] > 0.5
        iou = float((a & b).sum() / max((a | b).sum(), 1))
        found["mask_aligned"][name] = iou > 0.9
        invented[name] = {"invented_values": len(new), "iou": round(iou, 4)}
    return found, invented


def crop_at_inference(keras, np, x):
    """What RandomCrop(20, 20)(x, training=False) returns, in words."""
    out = keras.ops.convert_to_numpy(keras.layers.RandomCrop(20, 20)(x, training=False))
    side = min(x.shape[1:3])  # the largest centred window with the target's 1:1 aspect ratio
    top, left = (x.shape[1] - side) // 2, (x.shape[2] - side) // 2
    centre = x[:, top : top + side, left : left + side]
    if out.shape == x.shape and np.array_equal(out, x):
        return "identity"
    if out.shape[1:3] != (20, 20):
        return f"other {out.shape[1:3]}"
    if np.array_equal(out, x[:, :20, :20]):
        return "top-left"
    if np.array_equal(out, centre[:, :20, :20]):
        return "centre-corner"
    resized = keras.ops.convert_to_numpy(keras.ops.image.resize(centre, (20, 20)))
    return "centre-resized" if np.allclose(out, resized, atol=1e-3) else "other (20, 20)"


def random_crop_probe():
    """RandomCrop(20, 20) at inference, 32x32 (chapter 8) and 32x40 inputs; windows in training."""
    import keras
    import numpy as np

    rng = np.random.default_rng(0)
    square = rng.uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    wide = rng.uniform(0, 255, (2, 32, 40, 3)).astype("float32")
    same = np.repeat(wide[:1], 4, axis=0)
    crops = keras.ops.convert_to_numpy(keras.layers.RandomCrop(20, 20, seed=1)(same, training=True))
    return {
        "inference": crop_at_inference(keras, np, square),
        "inference_wide": crop_at_inference(keras, np, wide),
        "one_window_per_batch": all(np.array_equal(c, crops[0]) for c in crops),
    }


def find_image_data_generator(location):
    """The class at a dotted location (module import, else attribute lookup), or None."""
    try:
        return getattr(importlib.import_module(location), "ImageDataGenerator", None)
    except ImportError:
        pass
    head, *rest = location.split(".")
    try:
        obj = importlib.import_module(head)
        for part in rest:
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        return None
    return getattr(obj, "ImageDataGenerator", None)


def idg_probe():
    """Where ImageDataGenerator lives, its default fill mode, and which axis each shift moves."""
    import numpy as np

    found = {location: find_image_data_generator(location) for location in IDG_LOCATIONS}
    result = {location: cls is not None for location, cls in found.items()}
    idg = next((cls for cls in found.values() if cls is not None), None)
    if idg is None:
        return {**result, "default_fill_mode": None, "width_shift_moves": None,
                "height_shift_moves": None}  # fmt: skip
    bar = np.zeros((1, 64, 128, 1), "float32")
    bar[0, 24:40, 56:72] = 1.0
    start = np.argwhere(bar[0, ..., 0] > 0.5).mean(axis=0)

    def moves(**shift):
        gen = idg(fill_mode="constant", **shift)
        ends = [np.argwhere(next(gen.flow(bar, batch_size=1, seed=s))[0, ..., 0] > 0.5)
                .mean(axis=0) for s in range(20)]  # fmt: skip
        rows, cols = np.abs(np.array(ends) - start).max(axis=0)
        return "rows" if rows > 0 and cols == 0 else "columns" if cols > 0 and rows == 0 else "?"

    default = inspect.signature(idg).parameters["fill_mode"].default
    return {
        **result,
        "default_fill_mode": default,
        "width_shift_moves": moves(width_shift_range=0.25),
        "height_shift_moves": moves(height_shift_range=0.25),
    }


def layers_probe():
    """Which layers the public keras.layers namespace exports."""
    import keras

    return {name: hasattr(keras.layers, name) for name in LAYERS}


def boxes_probe():
    """Per layer: takes boxes (True), has no box argument (False) or fails (the exception name).

    For RandomFlip, True also requires every box to be unchanged or mirrored, some mirrored.
    """
    import keras
    import numpy as np

    x = np.zeros((8, 32, 40, 3), "float32")
    boxes = np.tile(np.array([[[2.0, 4.0, 10.0, 12.0]]], "float32"), (8, 1, 1))  # xyxy
    data = {"images": x, "bounding_boxes": {"boxes": boxes, "labels": np.ones((8, 1), "int32")}}
    make = {
        "RandomFlip": lambda **kw: keras.layers.RandomFlip("horizontal", seed=0, **kw),
        "RandomRotation": lambda **kw: keras.layers.RandomRotation(0.1, seed=0, **kw),
        "RandomTranslation": lambda **kw: keras.layers.RandomTranslation(0.1, 0.1, seed=0, **kw),
        "RandomZoom": lambda **kw: keras.layers.RandomZoom(0.1, seed=0, **kw),
        "RandomCrop": lambda **kw: keras.layers.RandomCrop(20, 20, seed=0, **kw),
    }
    result = {}
    for name in BOX_LAYERS:
        try:
            layer = make[name](bounding_box_format="xyxy")
        except (ValueError, TypeError):  # no such argument: no box support
            result[name] = False
            continue
        try:
            out = layer(data, training=True)
            got = keras.ops.convert_to_numpy(out["bounding_boxes"]["boxes"])
        except Exception as exc:  # noqa: BLE001 - takes the argument, then fails: name the error
            result[name] = type(exc).__name__
            continue
        result[name] = got.shape == boxes.shape
        if name == "RandomFlip":
            mirrored = np.array([40 - 10, 4, 40 - 2, 12], "float32")
            each = [np.allclose(b[0], boxes[0, 0]) or np.allclose(b[0], mirrored) for b in got]
            result[name] = all(each) and not np.allclose(got, boxes)
    return result


def other_probe():
    """Smaller behaviours the chapters state: defaults, refused factors, RandAugment's draw."""
    import keras
    import numpy as np

    try:
        keras.layers.RandomRotation(15)
        big_factor = "accepted"
    except ValueError:
        big_factor = "refused"
    found = {
        "rotation_factor_15": big_factor,
        "layers_default_fill_mode": inspect.signature(keras.layers.RandomRotation)
        .parameters["fill_mode"]
        .default,
        "affine_transform_op": hasattr(keras.ops.image, "affine_transform"),
        "fit_generator": hasattr(keras.Model, "fit_generator"),
        "randaugment_ops_per_batch": None,
        "randaugment_draw": None,
        "rel_center_xywh_read": None,
    }
    if hasattr(keras.utils, "bounding_boxes"):  # keras-team/keras#22805: x by height, y by width
        convert = keras.utils.bounding_boxes.convert_format
        box = np.array([[[2.0, 4.0, 10.0, 20.0]]], "float32")
        rel = convert(box, "xyxy", "rel_center_xywh", height=32, width=40)
        back = keras.ops.convert_to_numpy(
            convert(rel, "rel_center_xywh", "xyxy", height=32, width=40)
        )
        found["rel_center_xywh_read"] = "right" if np.allclose(back, box, atol=1e-4) else "swapped"
    if hasattr(keras.layers, "RandAugment"):
        x = np.zeros((4, 16, 16, 3), "float32")
        layer = keras.layers.RandAugment(value_range=(0, 255), num_ops=2)
        draw = layer.get_random_transformation(x, training=True)
        if "layer_idxes" in draw:  # indices of the chosen operations, one set for the batch
            found["randaugment_draw"] = "layer_idxes"
            found["randaugment_ops_per_batch"] = tuple(draw["layer_idxes"].shape) == (2,)
        else:  # older releases: one entry per chosen operation, named after its layer
            found["randaugment_draw"] = "layer names"
            found["randaugment_ops_per_batch"] = len(draw) == 2
    return found


def measure() -> dict:
    """Every probe against the installed Keras: the content of one results file."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import numpy as np
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    masks = probe(masks_probe)
    masks_found, masks_details = masks if isinstance(masks, tuple) else (masks, {})
    behaviours = {
        "masks": masks_found,
        "random_crop": probe(random_crop_probe),
        "image_data_generator": probe(idg_probe),
        "layers": probe(layers_probe),
        "bounding_boxes": probe(boxes_probe),
        "other": probe(other_probe),
    }
    return {
        "schema": SCHEMA,
        "date": datetime.datetime.now().strftime("%Y-%m-%d"),
        "versions": {
            "keras": keras.__version__,
            "tensorflow": tf.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
            "backend": keras.backend.backend(),
        },
        "behaviours": behaviours,
        "details": {"masks": masks_details},
    }


def write(record: dict, out_dir: Path) -> Path:
    """Write keras-<version>.json; remove older files of the same major.minor release."""
    out_dir.mkdir(parents=True, exist_ok=True)
    version = record["versions"]["keras"]
    minor = ".".join(version.split(".")[:2])
    path = out_dir / f"keras-{version}.json"
    for old in out_dir.glob(f"keras-{minor}.*.json"):
        if old != path:
            old.unlink()
    path.write_text(json.dumps(record, indent=1, sort_keys=False) + "\n")
    return path


def read_pins(path: Path = PINS) -> dict[str, list[str]]:
    """Label -> pip requirements, from tools/keras_versions.txt (``#`` starts a comment)."""
    pins = {}
    for line in path.read_text().splitlines():
        words = line.split("#", 1)[0].split()
        if words:
            pins[words[0]] = words[1:]
    return pins


def refresh(venvs: Path, out_dir: Path, only: list[str] | None = None) -> int:
    """For each pinned release: venv, install, measure there. Returns the number of failures."""
    failures = 0
    for label, requirements in read_pins().items():
        if only and label not in only:
            continue
        venv = venvs / f"keras-{label}"
        python = venv / "bin" / "python"
        tensorflow = [r for r in requirements if re.match(r"tensorflow\b", r)]
        steps = [
            [sys.executable, "-m", "venv", str(venv)] if not python.exists() else None,
            [str(python), "-m", "pip", "install", "--quiet", *tensorflow],
            [str(python), "-m", "pip", "install", "--quiet", *requirements],
            [str(python), str(Path(__file__).resolve()), "--out", str(out_dir)],
        ]
        print(f"== Keras {label}: {' '.join(requirements)}", flush=True)
        for step in filter(None, steps):
            if subprocess.run(step, check=False).returncode != 0:
                print(f"== Keras {label}: failed at {' '.join(step[:4])}", file=sys.stderr)
                failures += 1
                break
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="directory of the results files")
    parser.add_argument("--refresh", action="store_true", help="every pinned release, in venvs")
    parser.add_argument("--venvs", type=Path, default=ROOT / ".venv-keras", help="with --refresh")
    parser.add_argument("--only", nargs="*", help="with --refresh: these labels only")
    args = parser.parse_args(argv)
    if args.refresh:
        return 1 if refresh(args.venvs, args.out, args.only) else 0
    record = measure()
    path = write(record, args.out)
    print(f"Keras {record['versions']['keras']}: wrote {path}")
    print(json.dumps(record["behaviours"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
