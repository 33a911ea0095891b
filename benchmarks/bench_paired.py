"""Benchmark: tl.PairedAugmenter batches vs the classic two-ImageDataGenerator recipe, same transforms.

The classic recipe: two ImageDataGenerator objects with the same geometric arguments (the mask one
with interpolation_order=0 so it invents no labels), each `.flow(..., seed=S)`, zipped. Both sides
produce one epoch of (images, masks) batches: by default 256 pairs of 256x256x3 images and masks, bilinear
images, constant fill. Both resample with the same numbers (scipy's affine_transform conventions); the
classic recipe calls scipy once per channel per generator, tl.PairedAugmenter computes the coordinate grid
once per pair and gathers all channels and the mask with NumPy.

Run by hand:  python benchmarks/bench_paired.py [--n 256] [--size 256] [--batch 32] [--repeat 3]
Writes benchmarks/results/bench_paired.json. Target from issue 4: paired at least 2x faster.
"""

from __future__ import annotations

import argparse
import json
import math

import numpy as np
from _common import best_and_median, write_record

import tutorial_lib as tl

GEOMETRY = dict(
    rotation_range=20,
    width_shift_range=0.1,
    height_shift_range=0.1,
    zoom_range=0.1,
    shear_range=10,
    horizontal_flip=True,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--note", default="")
    args = parser.parse_args()

    images, _, masks = tl.make_shapes(args.n, size=args.size, seed=0)
    ImageDataGenerator = tl.get_image_data_generator()
    steps = math.ceil(args.n / args.batch)

    def classic():
        image_gen = ImageDataGenerator(**GEOMETRY, fill_mode="constant")
        mask_gen = ImageDataGenerator(**GEOMETRY, fill_mode="constant", interpolation_order=0)
        xi = image_gen.flow(images, batch_size=args.batch, seed=1)
        xm = mask_gen.flow(masks[..., None], batch_size=args.batch, seed=1)
        for _, (x, m) in zip(range(steps), zip(xi, xm)):
            m.astype(np.uint8)

    def paired():
        it = tl.PairedAugmenter(**GEOMETRY).flow(images, masks, batch_size=args.batch, seed=1)
        for x, m in it:
            pass

    results = {}
    for name, fn in {
        "two ImageDataGenerators (classic)": classic,
        "tl.PairedAugmenter.flow": paired,
    }.items():
        best, median = best_and_median(fn, args.repeat)
        results[name] = {"best_s": best, "median_s": median, "pairs_per_s": args.n / best}
        print(
            f"{name:40s} best {best:7.3f} s   median {median:7.3f} s   {args.n / best:8.1f} pairs/s"
        )
    speedup = (
        results["two ImageDataGenerators (classic)"]["best_s"]
        / results["tl.PairedAugmenter.flow"]["best_s"]
    )
    summary = {"speedup_over_classic": speedup, "target": 2.0, "meets_target": speedup >= 2.0}
    print(json.dumps(summary, indent=2))
    write_record(
        "bench_paired",
        {
            "config": vars(args),
            "transforms": GEOMETRY,
            "results": results,
            "summary": summary,
        },
    )


if __name__ == "__main__":
    main()
