"""Shared by the benchmark scripts: timing, the machine description and the results file.

Every script writes ``benchmarks/results/<name>.json`` in one schema::

    {"title": str, "config": {...},
     "rows": {key: {"label", "best_s", "median_s", "per_s", "unit", ...extra numbers}},
     "targets": {key: {"label", "value", "target", "met", "higher_is_better", ...}},
     "machine": {...}, "versions": {...}, "date": "YYYY-MM-DD HH:MM:SS"}

Scripts build rows with :func:`row` and targets with :func:`target`, and pass
``title``, ``config``, ``rows`` and ``targets`` to :func:`write_record`, which adds
the machine it ran on (cores, platform, memory, load average when the results are
written), the library versions and the date. Keys are short, stable and snake_case:
the performance appendix (``tools/render_performance.py``) gives every row the
anchor ``perf-<bench>-<key>`` and every target ``perf-<bench>-target-<key>``.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def best_and_median(fn, repeat: int) -> tuple[float, float]:
    """Call ``fn`` once to warm up (tf.data traces its map function on the first pass), then
    ``repeat`` times; the best and the median wall-clock time in seconds."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), float(np.median(times))


def round_robin(runs: dict, repeat: int) -> dict[str, tuple[float, float]]:
    """Best and median seconds per run; the runs interleaved, after one warm-up call each, so
    that a busy moment of a shared machine hits them alike."""
    for run in runs.values():
        run()
    times = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            t0 = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - t0)
    return {name: (min(t), float(np.median(t))) for name, t in times.items()}


def machine() -> dict:
    """Cores, platform, processor, memory (GiB) and the 1/5/15-minute load average now."""
    memory_gib = None
    try:
        with open("/proc/meminfo") as f:
            memory_gib = round(int(f.readline().split()[1]) * 1024 / 2**30, 1)
    except OSError:
        pass
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "memory_gib": memory_gib,
        "load_average_1_5_15min": [round(v, 2) for v in os.getloadavg()],
    }


def row(
    label: str, best_s: float | None, median_s: float | None, count: int, unit: str, **extra
) -> dict:
    """One measured variant: ``count`` items (``unit``) in ``best_s`` / ``median_s`` seconds.

    ``per_s`` is ``count / best_s``. A variant that could not run gets ``None`` timings and
    says why in ``skipped=...``; ``extra`` holds any further numbers (peak_mib, ...).
    """
    per_s = None if best_s is None else count / best_s
    measured = {"best_s": best_s, "median_s": median_s, "per_s": per_s, "unit": unit}
    return {"label": label, **measured, **extra}


def target(label: str, value: float, goal: float, higher_is_better: bool = True, **extra) -> dict:
    """One stated target: the measured ``value`` against ``goal``; ``met`` is computed here."""
    met = bool(value >= goal if higher_is_better else value <= goal)
    stated = {"target": goal, "met": met, "higher_is_better": higher_is_better}
    return {"label": label, "value": value, **stated, **extra}


def write_record(name: str, record: dict) -> Path:
    """Add machine, versions and date to ``record`` and write ``results/<name>.json``.

    ``record`` holds ``title``, ``config``, ``rows`` and ``targets`` (see the module docstring).
    """
    import tutorial_lib as tl

    missing = {"title", "config", "rows", "targets"} - set(record)
    if missing:
        raise ValueError(f"write_record: record lacks {sorted(missing)}")
    record = {
        **record,
        "machine": machine(),
        "versions": tl.versions(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {path}")
    return path
