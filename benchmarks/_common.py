"""Shared by the benchmark scripts: timing, the machine description and the results file.

Every script writes ``benchmarks/results/<name>.json`` holding its own
configuration, timings and summary plus, from here, the machine it ran on
(cores, platform, memory, load average when the results are written), the library
versions and the date. ``tools/render_performance.py`` turns these files into
the book's performance appendix.
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


def write_record(name: str, record: dict) -> Path:
    """Add machine, versions and date to ``record`` and write ``results/<name>.json``."""
    import tutorial_lib as tl

    record = {
        "benchmark": name,
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
