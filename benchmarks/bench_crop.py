"""Benchmark: random_crop_batch vs a plain copy of the same bytes vs the posts' per-image float64 loop.

Run by hand:  python benchmarks/bench_crop.py [--n 256] [--size 256] [--crop 224] [--repeat 7]
Writes benchmarks/results/bench_crop.json (timings + machine description). Target from issue 4:
random_crop_batch at least 0.8x the speed of the plain copy.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from _common import best_and_median, write_record

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

    cases = {
        "plain copy (window.copy(), same bytes)": lambda: window.copy(),
        "tl.random_crop_batch (uint8, window per image)": lambda: tl.random_crop_batch(
            batch, args.crop, seed=rng
        ),
        "posts' loop (float64, Python loop per image)": lambda: posts_loop(batch, args.crop, rng),
    }
    results = {}
    for name, fn in cases.items():
        best, median = best_and_median(fn, args.repeat)
        results[name] = {"best_s": best, "median_s": median}
        print(f"{name:50s} best {best * 1e3:8.2f} ms   median {median * 1e3:8.2f} ms")
    copy = results["plain copy (window.copy(), same bytes)"]["best_s"]
    ours = results["tl.random_crop_batch (uint8, window per image)"]["best_s"]
    loop = results["posts' loop (float64, Python loop per image)"]["best_s"]
    summary = {
        "crop_speed_relative_to_copy": copy / ours,
        "target_relative_to_copy": 0.8,
        "meets_target": copy / ours >= 0.8,
        "speedup_over_posts_loop": loop / ours,
    }
    print(json.dumps(summary, indent=2))
    write_record(
        "bench_crop",
        {
            "config": vars(args),
            "results": results,
            "summary": summary,
        },
    )


if __name__ == "__main__":
    main()
