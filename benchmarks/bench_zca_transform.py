"""ZCA at the machine's limit: `tl.ZCA.transform` against the bare matrix products it needs.

Whitening a batch with the exact ZCA is two matrix products, ``(n, d) @ (d, k)`` and
``(n, k) @ (k, d)`` (d = height x width x channels, k = the directions kept), 4 n d k
floating-point operations. This script fits the exact ``tl.ZCA()`` on generated images and
times, side by side and round robin in one run:

* ``transform`` -- ``zca.transform(x)`` on a float32 batch (conversion and checks included);
* ``matmul``    -- the limit: the same two float32 products with NumPy's ``@`` (this machine's
  BLAS) into preallocated arrays, nothing else.

Each row records its GFLOP/s; the target is ``transform`` reaching at least 70 % of ``matmul``.

Usage: ``python benchmarks/bench_zca_transform.py [--quick]`` (writes
``benchmarks/results/bench_zca_transform.json``, ``--quick``: ``..._quick.json``).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from _common import round_robin, row, target, write_record
from bench_zca import make_images


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    args = parser.parse_args(argv)
    import tutorial_lib as tl

    side, n_fit, n, repeat = (8, 100, 64, 3) if args.quick else (32, 1024, 1024, 15)
    zca = tl.ZCA().fit(make_images(n_fit, side))
    x = make_images(n, side, seed=1)
    u = zca.components_
    d, k = u.shape
    flops = 4 * n * d * k
    flat = x.reshape(n, -1)
    projected = np.empty((n, k), np.float32)
    out = np.empty((n, d), np.float32)

    def matmul():
        np.matmul(flat, u, out=projected)
        np.matmul(projected, u.T, out=out)

    whitened = zca.transform(x)
    matmul()
    scale = np.abs(whitened).max()
    assert np.abs(zca.transform(x) - whitened).max() == 0  # deterministic
    times = round_robin({"transform": lambda: zca.transform(x), "matmul": matmul}, repeat)
    labels = {
        "transform": "`tl.ZCA().transform(x)` (float32 batch)",
        "matmul": "the same two products with NumPy `@` (float32, preallocated): the limit",
    }
    rows = {}
    for key, (best, median) in times.items():
        gflops = flops / best / 1e9
        rows[key] = row(labels[key], best, median, n, "images", gflop_s=round(gflops, 1))
        print(f"{key:>10}: best {best * 1e3:.1f} ms, {gflops:.1f} GFLOP/s")
    ratio = rows["transform"]["gflop_s"] / rows["matmul"]["gflop_s"]
    targets = {
        "limit": target(
            "`ZCA.transform` reaches at least 70 % of the matrix products' GFLOP/s",
            round(ratio, 3),
            0.7,
        )
    }
    config = {
        "side": side,
        "channels": 3,
        "n_fit": n_fit,
        "n": n,
        "d": d,
        "k": k,
        "gflop_per_batch": round(flops / 1e9, 2),
        "repeat": repeat,
        "output_scale": float(scale),
    }
    name = "bench_zca_transform_quick" if args.quick else "bench_zca_transform"
    title = "ZCA at the machine's limit: `ZCA.transform` vs the bare matrix products"
    write_record(name, {"title": title, "config": config, "rows": rows, "targets": targets})
    return 0


if __name__ == "__main__":
    sys.exit(main())
