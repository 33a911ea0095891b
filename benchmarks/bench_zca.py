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
  matrix alone is 84 GiB in float32, 169 GiB in the float64 NumPy 2 gives), its
  needs are recorded by formula.

Usage::

    python benchmarks/bench_zca.py            # main + sweep (minutes)
    python benchmarks/bench_zca.py --quick    # a tiny smoke run of the machinery
    python benchmarks/bench_zca.py --large    # adds the 224x224x3 from-disk run (long)
    python benchmarks/bench_zca.py --only-large   # just that run; keeps the other sections' results

Results go to ``benchmarks/results/bench_zca.json`` (``--quick`` writes
``bench_zca_quick.json``) in the schema of ``benchmarks/_common.py``: rows
``main_<approach>``, ``side_<side>_<approach>``, ``large_tl`` and ``large_keras``
(approach: ``keras``, ``tl_exact``, ``tl_lowrank``; ``best_s`` = ``median_s`` = the
fit's wall time, one fit per process), and targets ``fit``, ``standardize``,
``standardize_batch``, ``memory``, ``equal`` and ``large``.
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
from _common import RESULTS, row, target, write_record

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(HERE, "_work")
N_STANDARDIZE = 256
GIB = 1024**3
MIB = 1024**2


# ---------------------------------------------------------------------- data
def make_images(n: int, side: int, seed: int = 0, start: int = 0) -> np.ndarray:
    """Deterministic smooth-ish colour images in [0, 1], float32 (blocky low-res + fine noise)."""
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
        f"{'':14}fit {result['fit_s']:.2f} s, "
        f"standardize {result['standardize_s']:.3f} s{via_flow}, "
        f"fit adds {result['fit_added_mib']:.0f} MiB (peak {result['peak_mib']:.0f} MiB)",
        flush=True,
    )
    return result


def keras_needs_gib(n: int, d: int) -> float:
    """Rough need of ImageDataGenerator.fit: float32 copy + SVD factors + the d x d matrix
    (twice while built)."""
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
            need = keras_needs_gib(n, d)
            if approach == "keras" and need > 0.8 * total_gib:
                why = f"would need about {need:.1f} GiB, the machine has {total_gib:.1f} GiB"
                rows.append({**spec, "skipped": why})
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


LABELS = {
    "keras": "ImageDataGenerator (`zca_whitening=True`)",
    "tl_exact": "`tl.ZCA()` (exact)",
    "tl_lowrank": "`tl.ZCA(n_components={k})` (low rank)",
}
KEEP = ("standardize_s", "standardize_via_flow_s", "rss_before_mib", "peak_mib", "fit_added_mib")


def to_rows(prefix: str, measured: list[dict]) -> dict[str, dict]:
    """Worker results -> schema rows ``<prefix><approach>`` (``{side}`` in prefix: the side)."""
    rows = {}
    for m in measured:
        key = prefix.format(side=m["side"]) + m["approach"]
        label = LABELS[m["approach"]].format(k=m["k"])
        shape = {k: m[k] for k in ("approach", "side", "n", "d", "k")}
        if "fit_s" not in m:
            why = m.get("skipped") or f"failed: {m.get('error')}"
            rows[key] = row(label, None, None, m["n"], "images", **shape, skipped=why)
            continue
        extra = {k: m[k] for k in (*KEEP, "max_rel_diff_vs_keras") if m.get(k) is not None}
        rows[key] = row(label, m["fit_s"], m["fit_s"], m["n"], "images", **shape, **extra)
    return rows


def zca_targets(rows: dict[str, dict]) -> dict[str, dict]:
    """The targets, checked with the exact tl.ZCA() (equal outputs) on the main configuration."""
    keras, ours = rows.get("main_keras", {}), rows.get("main_tl_exact", {})
    targets = {}
    if keras.get("best_s") and ours.get("best_s"):
        n, side = ours["n"], ours["side"]
        vs = f"`ImageDataGenerator` ({side}x{side}x3, n = {n:,}, exact `tl.ZCA()`)"
        targets["fit"] = target(
            f"fit at least 3x faster than {vs}", keras["best_s"] / ours["best_s"], 3, unit="x"
        )
        via_flow = keras.get("standardize_via_flow_s")
        if via_flow is not None:
            targets["standardize"] = target(
                f"whitening {N_STANDARDIZE} images at least 20x faster, against `flow` "
                "(image by image, as training does)",
                via_flow / ours["standardize_s"],
                20,
                unit="x",
            )
        targets["standardize_batch"] = target(
            f"the same 20x against one `standardize` call on the whole batch of {N_STANDARDIZE}",
            keras["standardize_s"] / ours["standardize_s"],
            20,
            unit="x",
        )
        targets["memory"] = target(
            "the fit adds at most a quarter of the memory `ImageDataGenerator.fit` adds",
            ours["fit_added_mib"] / keras["fit_added_mib"],
            0.25,
            higher_is_better=False,
        )
        if "max_rel_diff_vs_keras" in ours:
            targets["equal"] = target(
                "equal outputs: largest difference at most 1e-4 of the output's scale",
                ours["max_rel_diff_vs_keras"],
                1e-4,
                higher_is_better=False,
            )
    large = rows.get("large_tl", {})
    if "peak_mib" in large:
        targets["large"] = target(
            f"{large['side']}x{large['side']}x3, n = {large['n']:,} from disk: "
            "completes with peak RSS at most 12 GiB",
            large["peak_mib"] / 1024,
            12,
            higher_is_better=False,
            unit="GiB",
        )
    return targets


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
    config = {"standardize_images": N_STANDARDIZE, "epsilon": 1e-6, "k": args.k}
    rows: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.quick:
            print("quick: 24x24x3, n=300")
            quick = [("keras", None), ("tl_exact", None), ("tl_lowrank", 32)]
            rows |= to_rows("main_", compare([(24, 300)], quick, tmp))
            config |= {"k": 32, "main_side": 24, "main_n": 300}
        else:
            if not args.only_large:
                print("main: 64x64x3, n=2000")
                rows |= to_rows("main_", compare([(64, 2000)], approaches, tmp))
            if not (args.no_sweep or args.only_large):
                print("sweep: side 32, 64, 96, 128 at n=2000")
                sweep = [(32, 2000), (64, 2000), (96, 2000), (128, 2000)]
                rows |= to_rows("side_{side}_", compare(sweep, approaches, tmp))
            config |= {"main_side": 64, "main_n": 2000, "sweep_sides": [32, 64, 96, 128]}
            config |= {"sweep_n": 2000}
    if args.large or args.only_large:
        side, n = 224, 10_000
        folder = write_large_folder(os.path.join(WORK, "zca_large"), n, side)
        d = side * side * 3
        print("large: 224x224x3, n=10000 from disk")
        spec = {"approach": "tl_lowrank", "side": side, "n": n, "d": d, "k": args.k}
        run = {"name": f"tl_lowrank_k{args.k}", "folder": folder, "n_iter": 2, "progress": True}
        measured = run_in_subprocess({**spec, **run})
        rows["large_tl"] = to_rows("large_", [measured])["large_tl_lowrank"]
        rows["large_tl"]["label"] = f"`tl.ZCA(n_components={args.k})`, streamed"
        need, matrix = keras_needs_gib(n, d), d * d * 8 / GIB
        why = f"would need about {need:.1f} GiB "
        why += f"(its d x d matrix alone is {matrix:.1f} GiB in float64)"
        sizes = {"estimated_need_gib": round(need, 1), "whitening_matrix_gib_float64": matrix}
        shape = {**spec, "approach": "keras", "k": None}
        rows["large_keras"] = row(LABELS["keras"], None, None, n, "images", **shape, **sizes)
        rows["large_keras"]["skipped"] = why
    config |= {"large_side": 224, "large_n": 10_000, "large_n_iter": 2}
    name = "bench_zca_quick" if args.quick else "bench_zca"
    earlier = RESULTS / f"{name}.json"
    if earlier.exists() and not args.quick:  # keep the rows of an earlier run's skipped sections
        old = json.loads(earlier.read_text())
        ran = {key.split("_")[0] for key in rows}
        rows |= {k: r for k, r in old["rows"].items() if k.split("_")[0] not in ran}
        config = old["config"] | config
    title = "ZCA whitening: `ImageDataGenerator.fit` vs `tl.ZCA`"
    record = {"title": title, "config": config, "rows": rows, "targets": zca_targets(rows)}
    write_record(name, record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
