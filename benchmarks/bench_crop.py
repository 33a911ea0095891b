"""Benchmark: random_crop_batch vs a plain copy of the same bytes vs the posts' float64 loop.

Run by hand:  python benchmarks/bench_crop.py [--n 256] [--size 256] [--crop 224] [--repeat 7]
Writes benchmarks/results/bench_crop.json (rows copy, tl, loop; schema: benchmarks/_common.py).
Target: random_crop_batch at least 0.8x the speed of the plain copy.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from _common import best_and_median, row, target, write_record

import tutorial_lib as tl


def posts_loop(batch: np.ndarray, crop: int, rng: np.random.Generator) -> np.ndarray:
    """What the posts do: a float64 batch and a Python loop over images."""
    n, h, w, c = batch.shape
    out = np.zeros((n, crop, crop, c))
    for i in range(n):
        top = rng.integers(0, h - crop + 1)
        left = rng.integers(0, w - crop + 1)
        out[i] = batch[i, top : top + crop, left : left + crop]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--crop", type=int, default=224)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--note", default="", help="free text stored with the results (e.g. 'machine busy')"
    )
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    batch = rng.integers(0, 256, size=(args.n, args.size, args.size, 3), dtype=np.uint8)
    window = batch[:, : args.crop, : args.crop]  # same number of bytes as the crops

    cases = {  # row key -> (label, function)
        "copy": ("plain copy of the same bytes (`window.copy()`)", lambda: window.copy()),
        "tl": (
            "`tl.random_crop_batch` (uint8, a window per image)",
            lambda: tl.random_crop_batch(batch, args.crop, seed=rng),
        ),
        "loop": (
            "the posts' loop (float64, Python loop per image)",
            lambda: posts_loop(batch, args.crop, rng),
        ),
    }
    rows = {}
    for key, (label, fn) in cases.items():
        best, median = best_and_median(fn, args.repeat)
        rows[key] = row(label, best, median, args.n, "images")
        print(f"{key:5s} best {best * 1e3:8.2f} ms   median {median * 1e3:8.2f} ms")
    speed = rows["copy"]["best_s"] / rows["tl"]["best_s"]
    targets = {
        "copy": target(
            "`tl.random_crop_batch` at least 0.8x the speed of the plain copy", speed, 0.8, unit="x"
        )
    }
    print(json.dumps(targets, indent=2))
    title = "Random crop: `tl.random_crop_batch` vs a plain copy vs the posts' loop"
    write_record(
        "bench_crop", {"title": title, "config": vars(args), "rows": rows, "targets": targets}
    )


if __name__ == "__main__":
    main()
