"""ZCA whitening: ImageDataGenerator's fit versus tutorial_lib.ZCA, side by side.

Every measurement runs in a fresh Python subprocess, so that one approach's
memory (and TensorFlow's import) cannot contaminate another's peak. Each
worker builds the same deterministic data, resets the kernel's peak-RSS
counter (``/proc/self/clear_refs``), fits, and reports

* ``fit_s``          wall time of ``fit``,
* ``standardize_s``  wall time of whitening 256 images in one call,
* ``standardize_via_flow_s`` (ImageDataGenerator only) the same 256 images
  through ``flow``, which standardizes them one at a time as training does,
* ``rss_before_mib`` RSS just before ``fit`` (data, TensorFlow etc. loaded),
* ``peak_mib``       peak RSS during ``fit`` + standardize,
* ``fit_added_mib``  ``peak_mib - rss_before_mib``: the memory the fit adds.

Configurations (all images float32, 3 channels):

* ``main``  64x64x3, n = 2,000: ImageDataGenerator, ``tl.ZCA()`` (exact, same
  output, checked) and ``tl.ZCA(n_components=256)`` (low rank, streamed).
* ``sweep`` image side 32, 64, 96, 128 at n = 2,000 for the same three (an
  approach is skipped, and the reason recorded, when it would need more than
  80 % of this machine's RAM).
* ``--large`` 224x224x3, n = 10,000 JPEG files written once to
  ``benchmarks/_work/zca_large/`` and read back with ``flow_from_directory``,
  ``tl.ZCA(n_components=256)``; ImageDataGenerator is not started (its d x d
  matrix alone is 84 GiB in float32, 169 GiB in the float64 NumPy 2 gives), its needs are recorded by formula.

Usage::

    python benchmarks/bench_zca.py            # main + sweep (minutes)
    python benchmarks/bench_zca.py --quick    # a tiny smoke run of the machinery
    python benchmarks/bench_zca.py --large    # adds the 224x224x3 from-disk run (long)
    python benchmarks/bench_zca.py --only-large   # just that run; keeps the other sections' results

Results go to ``benchmarks/results/bench_zca.json`` (``--quick`` writes
``bench_zca_quick.json``) with a description of the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from _common import RESULTS, write_record

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(HERE, "_work")
N_STANDARDIZE = 256
GIB = 1024**3
MIB = 1024**2


# ---------------------------------------------------------------------- data
def make_images(n: int, side: int, seed: int = 0, start: int = 0) -> np.ndarray:
    """Deterministic smooth-ish colour images in [0, 1], float32 (blocky low-res noise + fine noise)."""
    rng = np.random.default_rng([seed, start])
    coarse = max(side // 8, 1)
    low = rng.random((n, coarse, coarse, 3), dtype=np.float32)
    rep = -(-side // coarse)
    img = np.repeat(np.repeat(low, rep, axis=1), rep, axis=2)[:, :side, :side]
    img = 0.8 * img + 0.2 * rng.random(img.shape, dtype=np.float32)
    return img


# ------------------------------------------------------------------- memory
def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


# ------------------------------------------------------------------- worker
def worker(spec: dict) -> dict:
    """Run one approach on one configuration in this (fresh) process."""
    import tutorial_lib as tl

    tl.quiet_tensorflow()
    approach, side, n = spec["approach"], spec["side"], spec["n"]
    if spec.get("folder"):
        ImageDataGenerator = tl.get_image_data_generator()
        flow = ImageDataGenerator(rescale=1 / 255).flow_from_directory(
            spec["folder"], target_size=(side, side), class_mode=None, shuffle=False, batch_size=100
        )
        data = flow
        test = np.concatenate([flow[0], flow[1], flow[2]])[:N_STANDARDIZE]
    else:
        data = make_images(n, side)
        test = make_images(N_STANDARDIZE, side, seed=1)
    if approach == "keras":
        generator = tl.get_image_data_generator()(
            featurewise_center=True, zca_whitening=True, zca_epsilon=1e-6
        )
    else:
        zca = tl.ZCA(
            epsilon=1e-6,
            n_components=spec.get("k"),
            n_iter=spec.get("n_iter", 2),
            progress=spec.get("progress", False),
        )
    before = rss_mib()
    reset_ok = reset_peak()
    t0 = time.perf_counter()
    if approach == "keras":
        generator.fit(data)
    else:
        zca.fit(data)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = generator.standardize(test.copy()) if approach == "keras" else zca.transform(test)
    standardize_s = time.perf_counter() - t0
    flow_s = None
    if approach == "keras":
        # What training does: flow() standardizes image by image (one d x d product each).
        t0 = time.perf_counter()
        flowed = generator.flow(test, batch_size=len(test), shuffle=False)[0]
        flow_s = time.perf_counter() - t0
        assert np.allclose(flowed, out, rtol=1e-4, atol=1e-4 * np.abs(out).max())
    peak = peak_mib()
    result = {
        **spec,
        "fit_s": round(fit_s, 3),
        "standardize_s": round(standardize_s, 4),
        "standardize_via_flow_s": None if flow_s is None else round(flow_s, 4),
        "rss_before_mib": round(before, 1),
        "peak_mib": round(peak, 1),
        "fit_added_mib": round(peak - before, 1),
        "peak_reset": reset_ok,
    }
    if spec.get("out"):
        np.save(spec["out"], out)
    return result


def run_in_subprocess(spec: dict) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", json.dumps(spec)]
    print(
        f"  {spec['approach']:>10} side={spec['side']} n={spec['n']} k={spec.get('k')} ...",
        flush=True,
    )
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-3:]
        return {**spec, "error": f"exit code {proc.returncode}: " + " | ".join(tail)}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    via_flow = (
        ""
        if result.get("standardize_via_flow_s") is None
        else f" ({result['standardize_via_flow_s']:.2f} s via flow)"
    )
    print(
        f"{'':14}fit {result['fit_s']:.2f} s, standardize {result['standardize_s']:.3f} s{via_flow}, "
        f"fit adds {result['fit_added_mib']:.0f} MiB (peak {result['peak_mib']:.0f} MiB)",
        flush=True,
    )
    return result


def keras_needs_gib(n: int, d: int) -> float:
    """Rough need of ImageDataGenerator.fit: float32 copy + SVD factors + the d x d matrix (twice while built)."""
    return (n * d * 4 * 3 + 2 * d * d * 8) / GIB  # the matrix is float64 with NumPy 2


def compare(
    configs: list[tuple[int, int]], approaches: list[tuple[str, int | None]], tmp: str
) -> list[dict]:
    total_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB
    rows = []
    for side, n in configs:
        d = side * side * 3
        outs = {}
        for approach, k in approaches:
            name = approach if k is None else f"{approach}_k{k}"
            spec = {
                "approach": approach,
                "side": side,
                "n": n,
                "d": d,
                "k": k,
                "name": name,
                "out": os.path.join(tmp, f"{name}_{side}_{n}.npy"),
            }
            if approach == "keras" and keras_needs_gib(n, d) > 0.8 * total_gib:
                rows.append(
                    {
                        **spec,
                        "skipped": f"needs about {keras_needs_gib(n, d):.1f} GiB, machine has {total_gib:.1f} GiB",
                    }
                )
                print(f"  {name:>10} side={side}: skipped ({rows[-1]['skipped']})")
                continue
            if k is not None and k > min(n, d):
                continue
            row = run_in_subprocess(spec)
            rows.append(row)
            if "error" not in row:
                outs[name] = np.load(spec["out"])
        ref = outs.get("keras")
        for row in rows[-len(approaches) :]:
            if ref is not None and row.get("name") in outs and row["name"] != "keras":
                diff = np.abs(outs[row["name"]] - ref).max() / np.abs(ref).max()
                row["max_rel_diff_vs_keras"] = float(diff)
        for row in rows:
            row.pop("out", None)
    return rows


def write_large_folder(folder: str, n: int, side: int) -> str:
    """Write n JPEG images (generated, deterministic) under folder/all/, once."""
    from PIL import Image

    sub = os.path.join(folder, "all")
    os.makedirs(sub, exist_ok=True)
    existing = len([f for f in os.listdir(sub) if f.endswith(".jpg")])
    if existing >= n:
        return folder
    print(f"writing {n} images of {side}x{side}x3 to {sub} ...", flush=True)
    for start in range(0, n, 250):
        chunk = make_images(min(250, n - start), side, seed=2, start=start)
        for i, img in enumerate(chunk):
            path = os.path.join(sub, f"img_{start + i:05d}.jpg")
            if not os.path.exists(path):
                Image.fromarray((img * 255).round().astype(np.uint8)).save(path, quality=90)
    return folder


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="tiny smoke run of the machinery only")
    parser.add_argument(
        "--large", action="store_true", help="also run 224x224x3, n=10,000 from disk (long)"
    )
    parser.add_argument("--no-sweep", action="store_true", help="skip the image-size sweep")
    parser.add_argument(
        "--only-large", action="store_true", help="run only the large case (implies --large)"
    )
    parser.add_argument("--k", type=int, default=256, help="n_components of the low-rank ZCA")
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0

    approaches = [("keras", None), ("tl_exact", None), ("tl_lowrank", args.k)]
    results = {"standardize_images": N_STANDARDIZE, "epsilon": 1e-6}
    with tempfile.TemporaryDirectory() as tmp:
        if args.quick:
            print("quick: 24x24x3, n=300")
            results["main"] = compare(
                [(24, 300)], [("keras", None), ("tl_exact", None), ("tl_lowrank", 32)], tmp
            )
        else:
            if not args.only_large:
                print("main: 64x64x3, n=2000")
                results["main"] = compare([(64, 2000)], approaches, tmp)
            if not (args.no_sweep or args.only_large):
                print("sweep: side 32, 64, 96, 128 at n=2000")
                results["sweep"] = compare(
                    [(32, 2000), (64, 2000), (96, 2000), (128, 2000)], approaches, tmp
                )
    if args.large or args.only_large:
        side, n = 224, 10_000
        folder = write_large_folder(os.path.join(WORK, "zca_large"), n, side)
        d = side * side * 3
        print("large: 224x224x3, n=10000 from disk")
        row = run_in_subprocess(
            {
                "approach": "tl_lowrank",
                "side": side,
                "n": n,
                "d": d,
                "k": args.k,
                "name": f"tl_lowrank_k{args.k}",
                "folder": folder,
                "n_iter": 2,
                "progress": True,
            }
        )
        results["large"] = {
            "tl": row,
            "keras": {
                "skipped": "not started",
                "whitening_matrix_gib_float64": d * d * 8 / GIB,
                "estimated_need_gib": round(keras_needs_gib(n, d), 1),
            },
        }
    name = "bench_zca_quick" if args.quick else "bench_zca"
    earlier = RESULTS / f"{name}.json"
    if (
        earlier.exists() and not args.quick
    ):  # keep the sections of an earlier run that this run skipped
        old = json.loads(earlier.read_text())
        for section in ("main", "sweep", "large"):
            if section not in results and section in old:
                results[section] = old[section]
    write_record(name, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
