"""Benchmark: images per second of modern augmentation policies on small colour batches.

Run by hand:  flock /tmp/bench.lock python benchmarks/bench_modern.py [--n 128] [--size 32]
              [--repeat 15]
Writes benchmarks/results/bench_modern.json (schema: benchmarks/_common.py): one row per policy,
side by side in one run on the same batch -- a plain copy (the floor), the classic geometric
Keras layers, `tl.mixup` / `tl.cutmix` (NumPy) and the Keras 3 layers that exist in the
installed version (MixUp, CutMix, RandAugment, AugMix, RandomErasing, RandomColorJitter, a random
resized crop). A layer the installed Keras lacks is a row with ``skipped`` saying so.
Targets: `tl.mixup` / `tl.cutmix` at least as fast as Keras' MixUp / CutMix on the same batch.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from _common import best_and_median, row, target, write_record

import tutorial_lib as tl


def keras_policies(keras) -> dict:
    """Row key -> (label, layer name, factory): each Keras policy of the comparison."""
    L = keras.layers
    return {
        "classic": (
            "classic geometric: RandomFlip + RandomRotation(0.1) + RandomZoom(0.1)",
            "RandomRotation",
            lambda: keras.Sequential(
                [L.RandomFlip("horizontal"), L.RandomRotation(0.1), L.RandomZoom(0.1)]
            ),
        ),
        "keras_mixup": ("`keras.layers.MixUp(alpha=0.2)`", "MixUp", lambda: L.MixUp(0.2)),
        "keras_cutmix": ("`keras.layers.CutMix(factor=1.0)`", "CutMix", lambda: L.CutMix(1.0)),
        "randaugment": (
            "`keras.layers.RandAugment()` (2 ops, factor 0.5)",
            "RandAugment",
            lambda: L.RandAugment(value_range=(0, 255)),
        ),
        "augmix": ("`keras.layers.AugMix()`", "AugMix", lambda: L.AugMix(value_range=(0, 255))),
        "erasing": (
            "`keras.layers.RandomErasing()`",
            "RandomErasing",
            lambda: L.RandomErasing(value_range=(0, 255)),
        ),
        "color_jitter": (
            "`keras.layers.RandomColorJitter` (brightness, contrast 0.2; saturation 0.4-0.6; "
            "hue 0.05)",
            "RandomColorJitter",
            lambda: L.RandomColorJitter(
                value_range=(0, 255),
                brightness_factor=0.2,
                contrast_factor=0.2,
                saturation_factor=(0.4, 0.6),
                hue_factor=0.05,
            ),
        ),
        "resized_crop": (
            "random resized crop: RandomZoom(zoom in up to 40 %) + RandomTranslation(0.2)",
            "RandomZoom",
            lambda: keras.Sequential(
                [L.RandomZoom((-0.4, 0.0), (-0.4, 0.0)), L.RandomTranslation(0.2, 0.2)]
            ),
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=128, help="images per batch")
    parser.add_argument("--size", type=int, default=32, help="image side (3 channels)")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--note", default="", help="free text stored with the results (e.g. 'machine busy')"
    )
    args = parser.parse_args()
    tl.quiet_tensorflow()
    import keras

    rng = np.random.default_rng(0)
    (x, y), *_ = tl.load_textures(patch_size=args.size, n_per_class=max(1, args.n // 8 + 1))
    x, y = x[: args.n], y[: args.n]
    one_hot = np.eye(len(tl.TEXTURE_CLASS_NAMES), dtype=np.float32)[y]
    xf = keras.ops.convert_to_tensor(x.astype(np.float32))
    yf = keras.ops.convert_to_tensor(one_hot)
    k = len(tl.TEXTURE_CLASS_NAMES)

    cases = {
        "copy": ("plain copy of the batch (`x.copy()`), the floor", lambda: x.copy()),
        "tl_mixup": (
            "`tl.mixup(alpha=0.2)` (NumPy, uint8 in, float32 out)",
            lambda: tl.mixup(x, y, alpha=0.2, seed=rng, num_classes=k),
        ),
        "tl_cutmix": (
            "`tl.cutmix(alpha=1.0)` (NumPy, uint8 in and out)",
            lambda: tl.cutmix(x, y, alpha=1.0, seed=rng, num_classes=k),
        ),
    }
    rows = {}
    for key, (label, layer_name, factory) in keras_policies(keras).items():
        if not hasattr(keras.layers, layer_name):
            rows[key] = row(
                label, None, None, args.n, "images",
                skipped=f"keras {keras.__version__} has no keras.layers.{layer_name}",
            )  # fmt: skip
            continue
        layer = factory()
        if key in ("keras_mixup", "keras_cutmix"):
            cases[key] = (label, lambda f=layer: f({"images": xf, "labels": yf}, training=True))
        else:
            cases[key] = (label, lambda f=layer: f(xf, training=True))
    for key, (label, fn) in cases.items():
        best, median = best_and_median(fn, args.repeat)
        rows[key] = row(label, best, median, args.n, "images")
        print(f"{key:13s} best {best * 1e3:8.2f} ms   {args.n / best:10.0f} images/s")
    order = ["copy", "classic", "tl_mixup", "keras_mixup", "tl_cutmix", "keras_cutmix"]
    rows = {key: rows[key] for key in order + [k for k in rows if k not in order]}
    targets = {}
    for ours, theirs in (("tl_mixup", "keras_mixup"), ("tl_cutmix", "keras_cutmix")):
        if rows[theirs].get("best_s") is not None:
            speed = rows[theirs]["best_s"] / rows[ours]["best_s"]
            targets[ours] = target(
                f"`tl.{ours[3:]}` at least as fast as Keras' layer on the same batch",
                speed, 1.0, unit="x",
            )  # fmt: skip
    print(json.dumps(targets, indent=2))
    title = f"Modern augmentation policies: images per second ({args.size}x{args.size}x3 batches)"
    config = {**vars(args), "keras": keras.__version__, "data": "tl.load_textures patches"}
    write_record(
        "bench_modern", {"title": title, "config": config, "rows": rows, "targets": targets}
    )


if __name__ == "__main__":
    main()
