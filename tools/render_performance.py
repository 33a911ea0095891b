"""Write the performance appendix, book/performance.md, and its plots from benchmarks/results/*.json.

Usage:
    python tools/render_performance.py           # (re)write book/performance.md and book/figures/performance/*.png
    python tools/render_performance.py --check   # exit 1 if the committed page differs from what it would write

The page is a pure function of the results files: the same JSON gives the same bytes (page and
PNGs; the PNGs carry no software or date metadata), so a test can check the committed page is up
to date. Results files read (``make bench`` reruns the scripts that write them):

    bench_zca.json        benchmarks/bench_zca.py
    bench_crop.json       benchmarks/bench_crop.py
    bench_paired.json     benchmarks/bench_paired.py
    bench_pipelines.json  benchmarks/bench_pipelines.py

Every table row has an anchor, the first word of its first cell being a MyST target ``(perf-...)=``.
Chapters link to a row with ``[text](#perf-...)``; Sphinx resolves the label across pages and, with
``-W``, fails the build on a label that does not exist. The anchors (``rows()`` lists them):

    perf-zca-target-{fit,standardize,standardize-batch,memory,equal,large}
    perf-zca-main-{keras,tl-exact,tl-lowrank}
    perf-zca-side-{32,64,96,128}-{keras,tl-exact,tl-lowrank}
    perf-zca-large-{tl,keras}
    perf-crop-{copy,tl,loop}, perf-crop-target
    perf-paired-{classic,tl}, perf-paired-target
    perf-pipelines-{digits,shapes}-{idg,tfdata}
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
PAGE = ROOT / "book" / "performance.md"
FIGURES = ROOT / "book" / "figures" / "performance"
FIGURES_REL = "figures/performance"  # as linked from book/performance.md

#: benchmark -> its results file
FILES = {
    "zca": "bench_zca.json",
    "crop": "bench_crop.json",
    "paired": "bench_paired.json",
    "pipelines": "bench_pipelines.json",
}
IGNORED = re.compile(r".*_quick\.json$")  # smoke runs of the machinery (bench_zca.py --quick)

ZCA_APPROACHES = {  # approach -> (anchor suffix, label, colour)
    "keras": ("keras", "ImageDataGenerator (`zca_whitening=True`)", "#d62728"),
    "tl_exact": ("tl-exact", "`tl.ZCA()` (exact)", "#1f77b4"),
    "tl_lowrank": ("tl-lowrank", "`tl.ZCA(n_components={k})` (low rank)", "#2ca02c"),
}
CROP_CASES = {  # name in bench_crop.json -> (anchor suffix, label)
    "plain copy (window.copy(), same bytes)": (
        "copy",
        "plain copy of the same bytes (`window.copy()`)",
    ),
    "tl.random_crop_batch (uint8, window per image)": (
        "tl",
        "`tl.random_crop_batch` (uint8, a window per image)",
    ),
    "posts' loop (float64, Python loop per image)": (
        "loop",
        "the posts' loop (float64, Python loop per image)",
    ),
}
PAIRED_CASES = {
    "two ImageDataGenerators (classic)": (
        "classic",
        "two `ImageDataGenerator`s sharing a seed (classic recipe)",
    ),
    "tl.PairedAugmenter.flow": ("tl", "`tl.PairedAugmenter(...).flow`"),
}
PIPELINE_CASES = {
    "ImageDataGenerator.flow": ("idg", "`ImageDataGenerator(...).flow`"),
    "tf.data + preprocessing layers": ("tfdata", "`tf.data` + preprocessing layers"),
}
PIPELINE_CONFIGS = {
    "digits_28x28x1": ("digits", "28x28x1 digits"),
    "shapes_128x128x3": ("shapes", "128x128x3 shapes"),
}
VERSION_NAMES = {
    "python": "Python",
    "tensorflow": "TensorFlow",
    "keras": "Keras",
    "tf_keras": "tf_keras",
    "numpy": "NumPy",
    "scipy": "SciPy",
    "scikit-image": "scikit-image",
    "scikit-learn": "scikit-learn",
    "matplotlib": "matplotlib",
}


# --------------------------------------------------------------------------- reading
def results_files(results_dir: Path = RESULTS) -> dict[str, Path]:
    """Which file each benchmark is read from; an unknown results file is an error (it would not be shown)."""
    present = {p.name: p for p in sorted(results_dir.glob("*.json")) if not IGNORED.match(p.name)}
    chosen = {key: present[name] for key, name in FILES.items() if name in present}
    unknown = sorted(set(present) - set(FILES.values()))
    if unknown:
        raise SystemExit(
            f"render_performance: results files the page does not know how to show: {unknown}; "
            f"add them to FILES in {Path(__file__).name}"
        )
    return chosen


def load_results(results_dir: Path = RESULTS) -> dict[str, dict]:
    out = {}
    for key, path in results_files(results_dir).items():
        record = json.loads(path.read_text())
        record["_file"] = path.name
        out[key] = record
    return out


def machine_of(record: dict) -> dict:
    """The machine description of a results file (written by benchmarks/_common.py's write_record)."""
    machine = record.get("machine") or {}
    return {
        "cpu_count": machine.get("cpu_count"),
        "platform": machine.get("platform"),
        "processor": machine.get("processor") or None,
        "memory_gib": machine.get("memory_gib"),
        "load": machine.get("load_average_1_5_15min"),
        "versions": record.get("versions") or {},
        "date": record.get("date"),
        "note": (record.get("config") or {}).get("note") or "",
    }


def missing_machine_fields(record: dict) -> list[str]:
    """Fields of the machine description a results file lacks (the test requires none)."""
    m = machine_of(record)
    missing = [k for k in ("cpu_count", "platform", "date") if not m[k]]
    for name in ("python", "numpy"):
        if not m["versions"].get(name):
            missing.append(f"versions.{name}")
    return missing


# --------------------------------------------------------------------------- formatting
def fmt_s(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:#.3g}" if x < 100 else f"{x:.0f}"


def fmt_diff(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.2f}" if x >= 0.01 else f"{x:.1e}"


def fmt_eps(x: float) -> str:
    return f"{x:.0e}".replace("e-0", "e-")


def fmt_ms(x: float) -> str:
    return f"{x * 1e3:.1f}"


def fmt_ratio(r: float) -> str:
    return f"{r:.2f}x" if r < 10 else f"{r:.0f}x"


def fmt_mib(x: float) -> str:
    return f"{x:,.0f}"


def fmt_gib(x: float) -> str:
    return f"{x:.1f}"


def yes_no(ok: bool | None) -> str:
    return "—" if ok is None else ("**yes**" if ok else "**no**")


def machine_paragraph(record: dict) -> str:
    m = machine_of(record)
    parts = [f"{m['cpu_count']} CPU cores"]
    if m["memory_gib"]:
        parts.append(f"{m['memory_gib']} GiB RAM")
    machine = f"{m['platform']}, " + ", ".join(parts)
    if m["load"]:
        machine += (
            " (load average "
            + " / ".join(f"{v:.2f}" for v in m["load"])
            + " over 1 / 5 / 15 min when the results were written)"
        )
    versions = ", ".join(f"{VERSION_NAMES.get(k, k)} {v}" for k, v in m["versions"].items() if v)
    text = (
        f"**Machine and date.** Measured {m['date']} on {machine}; {versions}. "
        f"Results file: `benchmarks/results/{record['_file']}`."
    )
    if m["note"]:
        text += f" Note recorded with the run: *{m['note']}*"
    return text


def list_table(
    caption: str, name: str, header: list[str], rows: list[tuple[str, list[str]]]
) -> str:
    """A MyST list-table whose every row starts with its anchor ``(label)=``."""
    lines = [f"```{{list-table}} {caption}", ":header-rows: 1", f":name: {name}", ""]
    lines.append("* - " + header[0])
    lines.extend(f"  - {h}" for h in header[1:])
    for anchor, cells in rows:
        lines.append(f"* - ({anchor})=")
        lines.append(f"    {cells[0]}")
        lines.extend(f"  - {c}" for c in cells[1:])
    lines.append("```")
    return "\n".join(lines)


def figure(path: str, name: str, alt: str, caption: str) -> str:
    return "\n".join(
        [
            f"```{{figure}} {FIGURES_REL}/{path}",
            f":name: {name}",
            f":alt: {alt}",
            "",
            caption,
            "```",
        ]
    )


# --------------------------------------------------------------------------- ZCA
def zca_label(row: dict) -> str:
    return ZCA_APPROACHES[row["approach"]][1].format(k=row.get("k"))


def zca_needs(row: dict) -> str:
    m = re.search(r"needs about ([\d.]+) GiB", row.get("skipped", ""))
    return f"needs {m.group(1)} GiB" if m else row.get("skipped", "skipped")


def zca_cells(row: dict) -> list[str]:
    if "skipped" in row:
        m = re.search(r"machine has ([\d.]+) GiB", row["skipped"])
        why = f"**cannot start**: {zca_needs(row)}" + (
            f", the machine has {m.group(1)} GiB" if m else ""
        )
        return [why, "—", "—", "—", "—"]
    if "error" in row:
        return [f"**failed**: {row['error']}", "—", "—", "—", "—"]
    standardize = fmt_s(row["standardize_s"])
    if row.get("standardize_via_flow_s") is not None:
        standardize += f" (via `flow`: {fmt_s(row['standardize_via_flow_s'])})"
    diff = row.get("max_rel_diff_vs_keras")
    return [
        fmt_s(row["fit_s"]),
        standardize,
        fmt_mib(row["fit_added_mib"]),
        fmt_mib(row["peak_mib"]),
        fmt_diff(diff),
    ]


ZCA_HEADER = [
    "Approach",
    "fit (s)",
    "whiten 256 images (s)",
    "memory the fit adds (MiB)",
    "peak RSS (MiB)",
    "output vs ImageDataGenerator's (max. relative difference)",
]


def zca_targets(z: dict) -> list[tuple[str, list[str]]]:
    main = {r["approach"]: r for r in z.get("main", []) if "fit_s" in r}
    keras, ours = main.get("keras"), main.get("tl_exact")
    rows = []
    if keras and ours:
        fit = keras["fit_s"] / ours["fit_s"]
        rows.append(
            (
                "perf-zca-target-fit",
                [
                    f"fit at least 3x faster than `ImageDataGenerator.fit` ({keras['side']}x{keras['side']}x3, "
                    f"n = {keras['n']:,}, exact `tl.ZCA()`)",
                    f"{fmt_ratio(fit)} ({fmt_s(keras['fit_s'])} s vs {fmt_s(ours['fit_s'])} s)",
                    yes_no(fit >= 3),
                ],
            )
        )
        if keras.get("standardize_via_flow_s") is not None:
            via = keras["standardize_via_flow_s"] / ours["standardize_s"]
            rows.append(
                (
                    "perf-zca-target-standardize",
                    [
                        "whitening 256 images at least 20x faster, against `flow` (image by image, as training does)",
                        f"{fmt_ratio(via)} ({fmt_s(keras['standardize_via_flow_s'])} s vs {fmt_s(ours['standardize_s'])} s)",
                        yes_no(via >= 20),
                    ],
                )
            )
        batch = keras["standardize_s"] / ours["standardize_s"]
        rows.append(
            (
                "perf-zca-target-standardize-batch",
                [
                    "the same 20x against one `standardize` call on the whole batch of 256",
                    f"{fmt_ratio(batch)} ({fmt_s(keras['standardize_s'])} s vs {fmt_s(ours['standardize_s'])} s)",
                    yes_no(batch >= 20),
                ],
            )
        )
        mem = ours["fit_added_mib"] / keras["fit_added_mib"]
        rows.append(
            (
                "perf-zca-target-memory",
                [
                    "the fit adds at most a quarter of the memory `ImageDataGenerator.fit` adds",
                    f"{mem:.2f} of it ({fmt_mib(ours['fit_added_mib'])} MiB vs {fmt_mib(keras['fit_added_mib'])} MiB)",
                    yes_no(mem <= 0.25),
                ],
            )
        )
        diff = ours.get("max_rel_diff_vs_keras")
        if diff is not None:
            rows.append(
                (
                    "perf-zca-target-equal",
                    [
                        "equal outputs: largest difference at most 1e-4 of the output's scale",
                        f"{diff:.1e}",
                        yes_no(diff <= 1e-4),
                    ],
                )
            )
    large = z.get("large")
    tl_large = (large or {}).get("tl") or {}
    if "peak_mib" in tl_large:
        peak = tl_large["peak_mib"] / 1024
        rows.append(
            (
                "perf-zca-target-large",
                [
                    "224x224x3, n = 10,000 from disk: completes with peak RSS at most 12 GiB",
                    f"completed, peak {fmt_gib(peak)} GiB",
                    yes_no(peak <= 12),
                ],
            )
        )
    elif large:
        rows.append(
            (
                "perf-zca-target-large",
                [
                    "224x224x3, n = 10,000 from disk: completes with peak RSS at most 12 GiB",
                    f"failed: {tl_large.get('error', 'no result')}",
                    yes_no(False),
                ],
            )
        )
    else:
        rows.append(
            (
                "perf-zca-target-large",
                [
                    "224x224x3, n = 10,000 from disk: completes with peak RSS at most 12 GiB",
                    "not run yet (`python benchmarks/bench_zca.py --large`)",
                    yes_no(None),
                ],
            )
        )
    return rows


def zca_section(z: dict, figures: list[str]) -> str:
    main = z.get("main", [])
    side, n = (main[0]["side"], main[0]["n"]) if main else (64, 2000)
    k = next((r.get("k") for r in main if r.get("approach") == "tl_lowrank"), 256)
    out = [
        "(perf-zca)=",
        "## ZCA whitening: `ImageDataGenerator.fit` vs `tl.ZCA`",
        "",
        f"**What is measured.** `benchmarks/bench_zca.py` fits ZCA whitening "
        f"(epsilon {fmt_eps(z.get('epsilon', 1e-6))}, "
        f"featurewise centring) to the same generated float32 images in three ways, each in a fresh Python "
        f"process so that one cannot inflate another's memory: `ImageDataGenerator(featurewise_center=True, "
        f"zca_whitening=True).fit`, which builds the d x d whitening matrix (d = height x width x channels); "
        f"the exact `tl.ZCA()`, which gives the same output without that matrix; and the low-rank "
        f"`tl.ZCA(n_components={k})`, which keeps the {k} strongest directions and streams. For each it records the "
        f"wall time of `fit`, the time to whiten {z.get('standardize_images', 256)} images (for "
        f"`ImageDataGenerator` also through `flow`, which whitens image by image as training does), the memory the "
        f"fit adds (peak RSS minus RSS just before the fit) and the peak RSS. The largest difference of each output "
        f"from `ImageDataGenerator`'s, relative to the largest value of the latter, is recorded: the exact `tl.ZCA` "
        f"matches it, the low-rank one differs by design, since it whitens only {k} directions.",
        "",
        "**How to rerun.** `python benchmarks/bench_zca.py` (the 64x64x3 comparison and the image-size sweep, "
        "several minutes); `python benchmarks/bench_zca.py --large` adds the 224x224x3 run from disk (long). "
        "Then `python tools/render_performance.py`, or `make bench` for every benchmark and this page.",
        "",
        machine_paragraph(z),
        "",
        "### Targets (issue 6)",
        "",
        "The targets ask for equal outputs, so they are checked with the exact `tl.ZCA()`. The issue's baseline for "
        "whitening (about 10 s for 256 images) is `ImageDataGenerator`'s `flow`, which whitens image by image, one "
        "d x d product each, as in training; one `standardize` call on the whole batch is a single matrix product "
        "and much faster, so both comparisons are shown.",
        "",
        list_table(
            "ZCA: targets", "perf-zca-targets", ["Target", "Measured", "Met"], zca_targets(z)
        ),
        "",
        f"### {side}x{side}x3, n = {n:,}",
        "",
    ]
    rows = [
        (f"perf-zca-main-{ZCA_APPROACHES[r['approach']][0]}", [zca_label(r)] + zca_cells(r))
        for r in main
    ]
    out += [
        list_table(f"ZCA at {side}x{side}x3, n = {n:,}", "perf-zca-main-table", ZCA_HEADER, rows),
        "",
    ]
    sweep = z.get("sweep", [])
    if sweep:
        sides = sorted({r["side"] for r in sweep})
        n_sweep = sweep[0]["n"]
        out += [
            f"### Image side {sides[0]} to {sides[-1]} (n = {n_sweep:,})",
            "",
            "How time and memory grow with the image side, for the three approaches. `ImageDataGenerator` is not "
            "started where its estimated need exceeds 80 % of the machine's memory; the plot marks that estimate.",
            "",
        ]
        if "zca_scaling.png" in figures:
            out += [
                figure(
                    "zca_scaling.png",
                    "perf-zca-scaling-figure",
                    "Fit time, whitening time and memory against image side for the three approaches",
                    f"ZCA fit time, time to whiten {z.get('standardize_images', 256)} images, "
                    f"and memory the fit "
                    f"adds, against image side (n = {n_sweep:,}, 3 channels; log scales).",
                ),
                "",
            ]
        rows = []
        for r in sorted(
            sweep, key=lambda r: (r["side"], list(ZCA_APPROACHES).index(r["approach"]))
        ):
            rows.append(
                (
                    f"perf-zca-side-{r['side']}-{ZCA_APPROACHES[r['approach']][0]}",
                    [f"{r['side']}x{r['side']}x3: {zca_label(r)}"] + zca_cells(r),
                )
            )
        out += [
            list_table(
                f"ZCA against image side, n = {n_sweep:,}", "perf-zca-sweep-table", ZCA_HEADER, rows
            ),
            "",
        ]
    large = z.get("large")
    big = (large or {}).get("tl") or {}
    big_side, big_n = big.get("side", 224), big.get("n", 10_000)
    out += [f"### {big_side}x{big_side}x3, n = {big_n:,}, from a folder on disk", ""]
    if large:
        tl_row, keras = large.get("tl") or {}, large.get("keras") or {}
        out += [
            f"Images are read with `flow_from_directory` in batches and fitted by "
            f"`tl.ZCA(n_components={tl_row.get('k', k)})` in {tl_row.get('n_iter', 2)} streaming passes; "
            f"`ImageDataGenerator` is not started, its need is computed.",
            "",
        ]
        if "zca_large.png" in figures:
            out += [
                figure(
                    "zca_large.png",
                    "perf-zca-large-figure",
                    "Peak memory of the low-rank ZCA at 224x224x3 against ImageDataGenerator's estimated need",
                    "224x224x3, n = 10,000: peak RSS of the streamed low-rank fit, and the memory "
                    "`ImageDataGenerator.fit` would need (estimated; it cannot start).",
                ),
                "",
            ]
        header = [
            "Approach",
            "fit (s)",
            "whiten 256 images (s)",
            "memory the fit adds (MiB)",
            "peak RSS (MiB)",
        ]
        if "fit_s" in tl_row:
            tl_cells = [
                fmt_s(tl_row["fit_s"]),
                fmt_s(tl_row["standardize_s"]),
                fmt_mib(tl_row["fit_added_mib"]),
                fmt_mib(tl_row["peak_mib"]),
            ]
        else:
            tl_cells = [f"**failed**: {tl_row.get('error', 'no result')}", "—", "—", "—"]
        need = keras.get("estimated_need_gib")
        matrix = keras.get("whitening_matrix_gib_float64")
        why = "**cannot start**" + (f": needs {fmt_gib(need)} GiB" if need is not None else "")
        if matrix is not None:
            why += f" (its d x d matrix alone is {fmt_gib(matrix)} GiB in float64)"
        rows = [
            (
                "perf-zca-large-tl",
                [f"`tl.ZCA(n_components={tl_row.get('k', k)})`, streamed"] + tl_cells,
            ),
            (
                "perf-zca-large-keras",
                ["ImageDataGenerator (`zca_whitening=True`)", why, "—", "—", "—"],
            ),
        ]
        out += [
            list_table(
                f"ZCA at {big_side}x{big_side}x3, n = {big_n:,}",
                "perf-zca-large-table",
                header,
                rows,
            ),
            "",
        ]
    else:
        out += ["Not run yet: `python benchmarks/bench_zca.py --large`.", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------- crop, paired, pipelines
def crop_section(c: dict) -> str:
    cfg, res = c["config"], c["results"]
    unknown = set(res) - set(CROP_CASES)
    if unknown:
        raise SystemExit(f"render_performance: unknown cases in bench_crop.json: {sorted(unknown)}")
    ours = res["tl.random_crop_batch (uint8, window per image)"]["best_s"]
    copy = res["plain copy (window.copy(), same bytes)"]["best_s"]
    rows = []
    for name, (suffix, label) in CROP_CASES.items():
        r = res[name]
        rows.append(
            (
                f"perf-crop-{suffix}",
                [
                    label,
                    fmt_ms(r["best_s"]),
                    fmt_ms(r["median_s"]),
                    f"{copy / r['best_s']:.2f}",
                    f"{r['best_s'] / ours:.2f}",
                ],
            )
        )
    ratio = copy / ours
    return "\n".join(
        [
            "(perf-crop)=",
            "## Random crop: `tl.random_crop_batch` vs a plain copy vs the posts' loop",
            "",
            f"**What is measured.** `benchmarks/bench_crop.py` cuts {cfg['crop']}x{cfg['crop']} windows out of a batch of "
            f"{cfg['n']} uint8 images of {cfg['size']}x{cfg['size']}x3, side by side in one run: `tl.random_crop_batch` "
            f"(an independent window per image, dtype kept); a plain `copy()` of a {cfg['crop']}x{cfg['crop']} window of "
            f"every image, the same number of bytes, the floor any crop can reach; and the loop of the blog posts, which "
            f"allocates a float64 batch and crops image by image in Python. Best and median of {cfg['repeat']} runs after "
            f"a warm-up.",
            "",
            "**How to rerun.** `python benchmarks/bench_crop.py`, then `python tools/render_performance.py` "
            "(or `make bench`).",
            "",
            machine_paragraph(c),
            "",
            list_table(
                "Random crop: targets (issue 4)",
                "perf-crop-targets",
                ["Target", "Measured", "Met"],
                [
                    (
                        "perf-crop-target",
                        [
                            "`random_crop_batch` at least 0.8x the speed of the plain copy",
                            f"{ratio:.2f}x the copy's speed",
                            yes_no(ratio >= 0.8),
                        ],
                    )
                ],
            ),
            "",
            figure(
                "crop.png",
                "perf-crop-figure",
                "Bar chart of the time to crop the batch, three approaches",
                f"Time to crop {cfg['n']} images of {cfg['size']}x{cfg['size']}x3 to {cfg['crop']}x{cfg['crop']} "
                f"(best of {cfg['repeat']}; shorter is better).",
            ),
            "",
            list_table(
                f"Random crop of {cfg['n']} images, {cfg['size']}x{cfg['size']}x3 to {cfg['crop']}x{cfg['crop']}",
                "perf-crop-table",
                [
                    "Approach",
                    "best (ms)",
                    "median (ms)",
                    "speed relative to the copy",
                    "time relative to `tl.random_crop_batch`",
                ],
                rows,
            ),
            "",
        ]
    )


def paired_section(p: dict) -> str:
    cfg, res = p["config"], p["results"]
    unknown = set(res) - set(PAIRED_CASES)
    if unknown:
        raise SystemExit(
            f"render_performance: unknown cases in bench_paired.json: {sorted(unknown)}"
        )
    transforms = ", ".join(f"`{k}={v}`" for k, v in p.get("transforms", {}).items())
    speedup = (
        res["two ImageDataGenerators (classic)"]["best_s"]
        / res["tl.PairedAugmenter.flow"]["best_s"]
    )
    rows = []
    for name, (suffix, label) in PAIRED_CASES.items():
        r = res[name]
        rows.append(
            (
                f"perf-paired-{suffix}",
                [label, fmt_s(r["best_s"]), fmt_s(r["median_s"]), f"{r['pairs_per_s']:.0f}"],
            )
        )
    return "\n".join(
        [
            "(perf-paired)=",
            "## Image + mask pairs: `tl.PairedAugmenter` vs two generators with one seed",
            "",
            f"**What is measured.** `benchmarks/bench_paired.py` augments one epoch of {cfg['n']} generated image/mask "
            f"pairs of {cfg['size']}x{cfg['size']}x3 in batches of {cfg['batch']} with the same geometric transforms on "
            f"both sides ({transforms}; bilinear images, constant fill): the classic recipe, two `ImageDataGenerator`s "
            f"(the mask one with `interpolation_order=0`) each `flow(..., seed=S)` and zipped, against "
            f"`tl.PairedAugmenter(...).flow`, which draws one set of parameters per pair and resamples image and mask "
            f"from one coordinate grid. Best and median of {cfg['repeat']} epochs after a warm-up.",
            "",
            "**How to rerun.** `python benchmarks/bench_paired.py`, then `python tools/render_performance.py` "
            "(or `make bench`).",
            "",
            machine_paragraph(p),
            "",
            list_table(
                "Image + mask pairs: targets (issue 4)",
                "perf-paired-targets",
                ["Target", "Measured", "Met"],
                [
                    (
                        "perf-paired-target",
                        [
                            "paired augmentation at least 2x faster than the two-generator recipe",
                            f"{fmt_ratio(speedup)} faster",
                            yes_no(speedup >= 2),
                        ],
                    )
                ],
            ),
            "",
            figure(
                "paired.png",
                "perf-paired-figure",
                "Bar chart of pairs per second, two approaches",
                f"Image + mask pairs augmented per second ({cfg['n']} pairs of {cfg['size']}x{cfg['size']}, "
                f"best of {cfg['repeat']}; longer is better).",
            ),
            "",
            list_table(
                f"One epoch of {cfg['n']} pairs, {cfg['size']}x{cfg['size']}x3",
                "perf-paired-table",
                ["Approach", "best (s)", "median (s)", "pairs per second"],
                rows,
            ),
            "",
        ]
    )


def pipelines_section(q: dict) -> str:
    cfg, res, tr = q["config"], q["results"], q["transforms"]
    unknown = set(res) - set(PIPELINE_CONFIGS)
    if unknown:
        raise SystemExit(
            f"render_performance: unknown configurations in bench_pipelines.json: {sorted(unknown)}"
        )
    rows = []
    for key, (slug, label) in PIPELINE_CONFIGS.items():
        block = res[key]
        base = block["ImageDataGenerator.flow"]["best_s"]
        for name, (suffix, approach) in PIPELINE_CASES.items():
            r = block[name]
            rows.append(
                (
                    f"perf-pipelines-{slug}-{suffix}",
                    [
                        f"{label} (n = {block['n']:,}): {approach}",
                        fmt_s(r["best_s"]),
                        fmt_s(r["median_s"]),
                        f"{r['images_per_s']:,.0f}",
                        f"{base / r['best_s']:.2f}x",
                    ],
                )
            )
    return "\n".join(
        [
            "(perf-pipelines)=",
            "## Input pipelines: `ImageDataGenerator.flow` vs `tf.data` with preprocessing layers",
            "",
            f"**What is measured.** `benchmarks/bench_pipelines.py` produces one epoch of augmented batches of "
            f"{cfg['batch']} from the same float32 array both ways, with the same transforms: rotation up to "
            f"{tr['rotation_degrees']} degrees and shifts up to {tr['shift_fraction']:.0%} of the width and height, "
            f"{tr['interpolation']} interpolation, `{tr['fill_mode']}` fill. `ImageDataGenerator(...).flow` is indexed "
            f"batch by batch as `model.fit` does (NumPy and SciPy, image by image, in the Python thread); the `tf.data` "
            f"pipeline shuffles, batches, maps `RandomRotation` and `RandomTranslation` over whole batches with "
            f"`num_parallel_calls=AUTOTUNE` and prefetches. Two image sizes: 28x28x1 digits (the data of chapter 11's "
            f"short in-chapter measurement) and 128x128x3 generated shapes. Best and median of {cfg['repeat']} epochs "
            f"after a warm-up epoch. The issues set no target; this backs chapter 11's advice.",
            "",
            "**How to rerun.** `python benchmarks/bench_pipelines.py`, then `python tools/render_performance.py` "
            "(or `make bench`).",
            "",
            machine_paragraph(q),
            "",
            figure(
                "pipelines.png",
                "perf-pipelines-figure",
                "Bar chart of images per second, two pipelines, two sizes",
                f"Augmented images per second (best of {cfg['repeat']} epochs; longer is better).",
            ),
            "",
            list_table(
                "Augmentation pipelines, one epoch",
                "perf-pipelines-table",
                [
                    "Data and pipeline",
                    "best (s)",
                    "median (s)",
                    "images per second",
                    "speed relative to `ImageDataGenerator`",
                ],
                rows,
            ),
            "",
        ]
    )


# --------------------------------------------------------------------------- page
def render_page(results: dict[str, dict], figures: list[str] | None = None) -> str:
    """The Markdown of book/performance.md for these results (figures: the PNG names that exist)."""
    figures = planned_figures(results) if figures is None else figures
    out = [
        "# Performance appendix",
        "",
        "The chapters' statements about speed and memory are measured here. Each script in `benchmarks/` runs the "
        "approaches it compares side by side, in one run, on the same data, and writes its results with a description "
        "of the machine to `benchmarks/results/`; this page is generated from those files by "
        "`tools/render_performance.py`. `make bench` reruns every benchmark and regenerates the page.",
        "",
        "The numbers were taken on a small machine shared with other work, so absolute times are pessimistic and "
        "noisy: read the ratios between approaches measured in the same run, and rerun the scripts on your own "
        "machine for numbers that apply to it. Each section gives the targets set for the project and whether "
        "they are met; chapters link to the rows below.",
        "",
    ]
    sections = [
        ("zca", lambda r: zca_section(r, figures)),
        ("crop", crop_section),
        ("paired", paired_section),
        ("pipelines", pipelines_section),
    ]
    for key, make in sections:
        if key in results:
            out.append(make(results[key]))
        else:
            script = {
                "zca": "bench_zca.py",
                "crop": "bench_crop.py",
                "paired": "bench_paired.py",
                "pipelines": "bench_pipelines.py",
            }[key]
            out += [f"## `{script}`", "", f"No results yet: run `python benchmarks/{script}`.", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def anchors(page: str) -> list[str]:
    """Every MyST target on a rendered page (row anchors, sections, tables, figures)."""
    found = re.findall(
        r"^(?:(?:\* - )?\((perf-[a-z0-9-]+)\)=|:name: (perf-[a-z0-9-]+))$", page, flags=re.M
    )
    return [target or name for target, name in found]


# --------------------------------------------------------------------------- figures
def planned_figures(results: dict[str, dict]) -> list[str]:
    names = []
    if results.get("zca", {}).get("sweep"):
        names.append("zca_scaling.png")
    if "fit_s" in ((results.get("zca", {}).get("large") or {}).get("tl") or {}):
        names.append("zca_large.png")
    names += [f"{k}.png" for k in ("crop", "paired", "pipelines") if k in results]
    return names


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matplotlib.rcdefaults()  # no user matplotlibrc: same pixels everywhere this matplotlib runs
    plt.rcParams.update(
        {
            "font.size": 9,
            "axes.titlesize": 10,
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    return plt


def _save(fig, path: Path) -> None:
    fig.savefig(path, format="png", metadata={"Software": None}, bbox_inches=None)
    import matplotlib.pyplot as plt

    plt.close(fig)


def plain(label: str) -> str:
    return label.replace("`", "")


def zca_scaling_figure(z: dict, path: Path) -> None:
    plt = _pyplot()
    sweep = z["sweep"]
    sides = sorted({r["side"] for r in sweep})
    fig, axes = plt.subplots(1, 3, figsize=(11, 4.0), layout="constrained")
    panels = [
        ("fit_s", "fit (s)"),
        ("standardize_s", f"whiten {z.get('standardize_images', 256)} images (s)"),
        ("fit_added_mib", "memory the fit adds (GiB)"),
    ]
    for ax, (key, title) in zip(axes, panels):
        for approach, (_, label, colour) in ZCA_APPROACHES.items():
            rows = sorted((r for r in sweep if r["approach"] == approach), key=lambda r: r["side"])
            ok = [r for r in rows if key in r]
            k = next((r.get("k") for r in rows), None)
            scale = 1 / 1024 if key == "fit_added_mib" else 1.0
            ax.plot(
                [r["side"] for r in ok],
                [r[key] * scale for r in ok],
                marker="o",
                color=colour,
                label=plain(label.format(k=k)),
            )
            if key == "standardize_s" and approach == "keras":
                via = [r for r in ok if r.get("standardize_via_flow_s") is not None]
                ax.plot(
                    [r["side"] for r in via],
                    [r["standardize_via_flow_s"] for r in via],
                    marker="o",
                    linestyle="--",
                    color=colour,
                    alpha=0.6,
                    label="ImageDataGenerator via flow",
                )
            for r in rows:
                if "skipped" in r:
                    need = re.search(r"needs about ([\d.]+) GiB", r["skipped"])
                    if key == "fit_added_mib" and need:
                        value = float(need.group(1))
                        if ok:
                            ax.plot(
                                [ok[-1]["side"], r["side"]],
                                [ok[-1][key] * scale, value],
                                linestyle=":",
                                color=colour,
                            )
                        ax.plot(
                            [r["side"]], [value], marker="o", markerfacecolor="white", color=colour
                        )
                        ax.annotate(
                            f"ImageDataGenerator\ncannot start:\nneeds {need.group(1)} GiB",
                            (r["side"], value),
                            xytext=(0.98, 0.55),
                            textcoords="axes fraction",
                            ha="right",
                            va="center",
                            fontsize=8,
                            color=colour,
                            arrowprops={"arrowstyle": "->", "color": colour, "linewidth": 0.8},
                        )
                    elif key == "fit_s":
                        ax.annotate(
                            "ImageDataGenerator\ncannot start",
                            (r["side"], 1.0),
                            xycoords=("data", "axes fraction"),
                            textcoords="offset points",
                            xytext=(0, -4),
                            ha="center",
                            va="top",
                            fontsize=8,
                            color=colour,
                        )
        memory = (z.get("machine") or {}).get("memory_gib")
        if key == "fit_added_mib" and memory:
            ax.axhline(memory, color="0.5", linewidth=0.8, linestyle="--")
            ax.annotate(
                f"this machine's RAM, {memory} GiB",
                (sides[0], memory),
                textcoords="offset points",
                xytext=(0, -3),
                va="top",
                fontsize=8,
                color="0.35",
            )
        ax.set_yscale("log")
        ax.set_xticks(sides)
        ax.set_xlabel("image side (pixels, 3 channels)")
        ax.set_title(title)
        ax.grid(True, which="major", alpha=0.3)
    handles, labels = axes[1].get_legend_handles_labels()
    fig.legend(
        handles, labels, loc="outside lower center", ncols=len(labels), fontsize=8, frameon=False
    )
    _save(fig, path)


def zca_large_figure(z: dict, path: Path) -> None:
    plt = _pyplot()
    large = z["large"]
    tl_row, keras = large["tl"], large.get("keras") or {}
    labels = [
        f"tl.ZCA(n_components={tl_row.get('k')})\npeak RSS, measured",
        "ImageDataGenerator.fit\nestimated need (cannot start)",
    ]
    values = [tl_row["peak_mib"] / 1024, keras.get("estimated_need_gib") or float("nan")]
    fig, ax = plt.subplots(figsize=(8.5, 2.8), layout="constrained")
    colours = [ZCA_APPROACHES["tl_lowrank"][2], ZCA_APPROACHES["keras"][2]]
    bars = ax.barh(labels, values, color=colours)
    bars[1].set_hatch("//")
    bars[1].set_facecolor("white")
    bars[1].set_edgecolor(colours[1])
    for bar, value in zip(bars, values):
        if math.isfinite(value):
            ax.annotate(
                f"{value:,.1f} GiB",
                (value, bar.get_y() + bar.get_height() / 2),
                textcoords="offset points",
                xytext=(3, 0),
                va="center",
                fontsize=8,
                zorder=5,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
            )
    ax.axvline(
        12, color="0.3", linestyle="--", linewidth=0.8, label="target: peak RSS at most 12 GiB"
    )
    memory = (z.get("machine") or {}).get("memory_gib")
    if memory:
        ax.axvline(
            memory,
            color="0.5",
            linestyle=":",
            linewidth=1.0,
            label=f"this machine's RAM: {memory} GiB",
        )
    ax.set_xlim(0, max(v for v in values if math.isfinite(v)) * 1.25)
    ax.invert_yaxis()
    ax.set_xlabel("GiB")
    fig.legend(loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    ax.set_title("ZCA at 224x224x3, n = 10,000 from disk")
    _save(fig, path)


def bar_figure(
    path: Path,
    panels: list[tuple[str, list[str], list[float], list[str]]],
    unit: str,
    title: str,
    fmt: str = "{:,.1f}",
) -> None:
    """Horizontal bars; one panel per (panel title, labels, values, colours), each with its own scale."""
    plt = _pyplot()
    rows = sum(len(p[1]) for p in panels)
    fig, axes = plt.subplots(
        len(panels),
        1,
        figsize=(8.5, 0.8 + 0.5 * rows + 0.35 * len(panels)),
        layout="constrained",
        squeeze=False,
        gridspec_kw={"height_ratios": [len(p[1]) for p in panels]},
    )
    for ax, (panel_title, labels, values, colours) in zip(axes[:, 0], panels):
        bars = ax.barh(labels, values, color=colours)
        for bar, value in zip(bars, values):
            ax.annotate(
                fmt.format(value) + f" {unit}",
                (value, bar.get_y() + bar.get_height() / 2),
                textcoords="offset points",
                xytext=(3, 0),
                va="center",
                fontsize=8,
            )
        ax.set_xlim(0, max(values) * 1.3)
        ax.invert_yaxis()
        if panel_title:
            ax.set_title(panel_title, fontsize=9, loc="left")
    axes[-1, 0].set_xlabel(unit)
    fig.suptitle(title, fontsize=10)
    _save(fig, path)


def write_figures(results: dict[str, dict], figure_dir: Path = FIGURES) -> list[Path]:
    figure_dir.mkdir(parents=True, exist_ok=True)
    names = planned_figures(results)
    if "zca_scaling.png" in names:
        zca_scaling_figure(results["zca"], figure_dir / "zca_scaling.png")
    if "zca_large.png" in names:
        zca_large_figure(results["zca"], figure_dir / "zca_large.png")
    if "crop" in results:
        c = results["crop"]
        cfg = c["config"]
        bar_figure(
            figure_dir / "crop.png",
            [
                (
                    "",
                    [plain(v[1]) for v in CROP_CASES.values()],
                    [c["results"][name]["best_s"] * 1e3 for name in CROP_CASES],
                    ["0.6", "#1f77b4", "#d62728"],
                )
            ],
            "ms",
            f"Crop {cfg['n']} images of {cfg['size']}x{cfg['size']}x3 to {cfg['crop']}x{cfg['crop']} "
            f"(best of {cfg['repeat']}; shorter is better)",
        )
    if "paired" in results:
        p = results["paired"]
        cfg = p["config"]
        bar_figure(
            figure_dir / "paired.png",
            [
                (
                    "",
                    [plain(v[1]) for v in PAIRED_CASES.values()],
                    [p["results"][name]["pairs_per_s"] for name in PAIRED_CASES],
                    ["#d62728", "#1f77b4"],
                )
            ],
            "pairs/s",
            f"Augment {cfg['n']} image + mask pairs of {cfg['size']}x{cfg['size']} "
            f"(best of {cfg['repeat']}; longer is better)",
            fmt="{:,.0f}",
        )
    if "pipelines" in results:
        q = results["pipelines"]
        panels = []
        for key, (_, label) in PIPELINE_CONFIGS.items():
            block = q["results"][key]
            panels.append(
                (
                    f"{label}, n = {block['n']:,}",
                    [plain(v[1]) for v in PIPELINE_CASES.values()],
                    [block[name]["images_per_s"] for name in PIPELINE_CASES],
                    ["#d62728", "#1f77b4"],
                )
            )
        bar_figure(
            figure_dir / "pipelines.png",
            panels,
            "images/s",
            f"Augmented images per second (best of {q['config']['repeat']} epochs; longer is better)",
            fmt="{:,.0f}",
        )
    for stale in sorted(
        figure_dir.glob("*.png")
    ):  # plots of results that are gone (this folder is ours alone)
        if stale.name not in names:
            stale.unlink()
    return [figure_dir / name for name in names]


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only compare the committed page with a fresh render"
    )
    args = parser.parse_args(argv)
    results = load_results()
    page = render_page(results)
    if args.check:
        if not PAGE.is_file() or PAGE.read_text() != page:
            print(f"{PAGE.relative_to(ROOT)} is stale: run `python tools/render_performance.py`")
            return 1
        print(f"{PAGE.relative_to(ROOT)} is up to date")
        return 0
    figures = write_figures(results)
    PAGE.write_text(page)
    for path in [PAGE, *figures]:
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
