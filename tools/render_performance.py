"""Write the performance appendix, book/performance.md, and its plots from benchmarks/results.

``python tools/render_performance.py [--check]`` (re)writes the page and book/figures/perf_*.png
(``--check``: exit 1 if the committed page is stale). The prose is the Jinja2 template
tools/performance_template.md, whose first lines list the functions a section calls; tables and
figures come from the results files (schema: benchmarks/_common.py). Rendering fails if a section
has no results or a row or target of a results file is not on the page. Page and PNGs are a pure
function of the results (no software or date metadata): a test checks the page is up to date.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from fnmatch import fnmatch
from pathlib import Path

import jinja2

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TEMPLATE = ROOT / "tools" / "performance_template.md"
PAGE = ROOT / "book" / "performance.md"
FIGURES = ROOT / "book" / "figures"


def load_results(results_dir: Path = RESULTS) -> dict[str, dict]:
    """Benchmark name -> record, for every bench_<name>.json (smoke runs *_quick.json ignored)."""
    paths = sorted(p for p in results_dir.glob("bench_*.json") if not p.stem.endswith("_quick"))
    return {p.stem.removeprefix("bench_"): json.loads(p.read_text()) for p in paths}


def anchor(*parts: str) -> str:
    """perf-<bench>[-target]-<key>, with - for _: the anchors the chapters link to."""
    return "-".join(["perf", *parts]).replace("_", "-")


def anchors(page: str) -> list[str]:
    """Every MyST target on a rendered page (sections, rows, targets, tables, figures)."""
    found = re.findall(r"^(?:\* - )?\((perf-[a-z0-9-]+)\)=$|^:name: (perf-[a-z0-9-]+)$", page, re.M)
    return [target or name for target, name in found]


def num(x: float | None) -> str:
    """2 decimals below 10, none above, scientific below 0.01: 5.57, 73, 1,757, 1.2e-06."""
    if x is None:
        return "—"
    return f"{x:.1e}" if 0 < abs(x) < 0.01 else f"{x:.2f}" if abs(x) < 10 else f"{x:,.0f}"


def cell(field: str, row: dict, rows: dict) -> str:
    if ":" in field and row["best_s"] is not None:  # speed_vs:<key> / time_vs:<key>, best times
        kind, key = field.split(":")
        ratio = row["best_s"] / rows[key]["best_s"]
        return f"{1 / ratio:.2f}x" if kind == "speed_vs" else f"{ratio:.2f}"
    x = row.get(field)
    if x is None or ":" in field or field == "per_s" or not field.endswith("_s"):
        return num(x)
    return f"{x:#.3g}" if x < 100 else f"{x:,.0f}"  # seconds: 3 significant digits


def measured(value: float, goal: float) -> str:
    """:func:`num` of a target's value, with the digits that tell it from the goal if needed."""
    text = num(value)
    if value != goal and text == num(goal) and abs(value) < 10:
        text = f"{value:.3f}" if round(value, 3) != goal else f"{value:.4f}"
    return text


def met(target: dict) -> bool:
    """Whether a target's measured value reaches its goal (the page never trusts a stored flag)."""
    if target["higher_is_better"]:
        return target["value"] >= target["target"]
    return target["value"] <= target["target"]


def list_table(caption: str, name: str, header: list[str], rows: list[tuple]) -> str:
    """A MyST list-table whose every row starts with its anchor ``(label)=``."""
    lines = [f"```{{list-table}} {caption}", ":header-rows: 1", f":name: {name}", ""]
    lines += ["* - " + header[0], *(f"  - {h}" for h in header[1:])]
    for label, cells in rows:
        lines += [f"* - ({label})=", f"    {cells[0]}", *(f"  - {c}" for c in cells[1:])]
    return "\n".join([*lines, "```"])


class Page:
    """The functions the template calls; it remembers the figures they show."""

    def __init__(self, results: dict[str, dict]):
        self.results, self.figures = results, {}

    def targets(self, name: str) -> str:
        record = self.results[name]
        if not record["targets"]:
            return "No target is set for this benchmark."
        rows = []
        for key, t in record["targets"].items():
            unit = t.get("unit", "")
            unit = unit if unit in ("", "x") else " " + unit
            goal = ("at least " if t["higher_is_better"] else "at most ") + f"{t['target']:g}{unit}"
            verdict = "**met**" if met(t) else "**not met**"
            cells = [t["label"], measured(t["value"], t["target"]) + unit, goal, verdict]
            rows.append((anchor(name, "target", key), cells))
        header = ["Target", "Measured", "Goal", "Met"]
        return list_table("Targets", anchor(name, "targets"), header, rows)

    def table(self, name: str, caption: str, rows: str = "*", columns: dict | None = None) -> str:
        every = self.results[name]["rows"]
        keys = [k for k in every if fnmatch(k, rows)]
        if not keys:
            raise SystemExit(f"render_performance: no row of {name} matches {rows!r}")
        unit = every[keys[0]]["unit"]
        columns = columns or {"best_s": "best (s)", "median_s": "median (s)", "per_s": unit + "/s"}
        body = []
        for key in keys:
            row = every[key]
            cells = [cell(field, row, every) for field in columns]
            if row.get("skipped"):  # the reason in the first empty cell
                cells[cells.index("—")] = f"**not run**: {row['skipped']}"
            body.append((anchor(name, key), [row["label"], *cells]))
        header = ["Variant", *columns.values()]
        table_name = anchor(name, *filter(None, [rows.strip("*_")]), "table")
        return list_table(caption, table_name, header, body)

    def figure(self, file: str, caption: str, draw) -> str:
        self.figures[file] = draw
        name, alt = file.removesuffix(".png").replace("_", "-"), caption.replace("`", "")
        return f"```{{figure}} figures/{file}\n:name: {name}\n:alt: {alt}\n\n{caption}\n```"

    def bars(self, name: str, field: str, xlabel: str, caption: str, rows="*") -> str:
        every = self.results[name]["rows"]
        panels = rows if isinstance(rows, dict) else {"": rows}
        pick = lambda g: [r for k, r in every.items() if fnmatch(k, g) and r.get(field)]
        groups = {title: pick(pattern) for title, pattern in panels.items()}

        def draw(plt):
            size = (8.5, 0.5 + 0.45 * sum(len(g) + 0.7 for g in groups.values()))
            fig, axes = plt.subplots(len(groups), figsize=size, squeeze=False, layout="constrained")
            for ax, (title, group) in zip(axes[:, 0], groups.items()):
                values = [r[field] for r in group]
                labels = [r["label"].replace("`", "") for r in group]
                bars = ax.barh(labels, values, color="#1f77b4")
                ax.bar_label(bars, [cell(field, r, every) for r in group], padding=3, fontsize=8)
                ax.set(xlim=(0, max(values) * 1.25), ylim=(len(values) - 0.5, -0.5), xlabel=xlabel)
                ax.set_title(title, fontsize=9, loc="left")
            return fig

        return self.figure(f"perf_{name}_{field}.png", caption, draw)

    def lines(self, name: str, x: str, xlabel: str, fields: dict, caption: str, rows="*"):
        """One panel per field against x, one line per approach; the legend names rows not run."""
        picked = [r for k, r in self.results[name]["rows"].items() if fnmatch(k, rows)]
        series = {}
        for r in picked:
            series.setdefault(r["approach"], [r["label"].replace("`", "")]).append(r)
        for entry in series.values():
            missed = ", ".join(str(r[x]) for r in entry[1:] if r.get("skipped"))
            entry[0] += f" (not run at {x} {missed})" if missed else ""

        ticks = sorted({r[x] for r in picked})

        def draw(plt):
            fig, axes = plt.subplots(1, len(fields), figsize=(11, 4.0), layout="constrained")
            for ax, (field, title) in zip(axes, fields.items()):
                for label, *group in series.values():
                    done = [r for r in group if r.get(field)]
                    ax.plot([r[x] for r in done], [r[field] for r in done], "o-", label=label)
                ax.set(yscale="log", xticks=ticks, xlabel=xlabel, title=title)
                ax.grid(True, alpha=0.3)
            handles, texts = axes[0].get_legend_handles_labels()
            fig.legend(handles, texts, loc="outside lower center", ncols=len(texts), frameon=False)
            return fig

        return self.figure(f"perf_{name}_{x}.png", caption, draw)


def render(results: dict[str, dict], figure_dir: Path | None = None) -> str:
    """The Markdown of book/performance.md; with figure_dir, also write its PNGs there."""
    template = TEMPLATE.read_text()
    sections = re.findall(r"^\(perf-([a-z0-9-]+)\)=$", template, flags=re.M)
    absent = sorted(set(sections) - {anchor(name)[5:] for name in results})
    if absent:
        raise SystemExit(f"render_performance: no results for {absent}: run their benchmarks")
    page = Page(results)
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined, trim_blocks=True, keep_trailing_newline=True
    )
    functions = ("targets", "table", "bars", "lines")
    env.globals |= {"r": results, "num": num} | {f: getattr(page, f) for f in functions}
    text = env.from_string(template).render()
    expected = [anchor(name, key) for name, rec in results.items() for key in rec["rows"]]
    expected += [anchor(n, "target", key) for n, rec in results.items() for key in rec["targets"]]
    missing = sorted(set(expected) - set(anchors(text)))
    if missing:
        raise SystemExit(f"render_performance: not on the page, add to {TEMPLATE.name}: {missing}")
    if figure_dir is not None:
        write_figures(page.figures, figure_dir)
    return text


def write_figures(figures: dict, figure_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matplotlib.rcdefaults()  # no user matplotlibrc: the same pixels wherever this matplotlib runs
    plt.rcParams.update({"font.size": 9, "axes.spines.top": False, "axes.spines.right": False})
    figure_dir.mkdir(parents=True, exist_ok=True)
    for stale in set(figure_dir.glob("perf_*.png")) - {figure_dir / file for file in figures}:
        stale.unlink()
    for file, draw in figures.items():
        fig = draw(plt)
        fig.savefig(figure_dir / file, format="png", dpi=100, metadata={"Software": None})
        plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare the page with a fresh render")
    if parser.parse_args(argv).check:
        stale = not PAGE.is_file() or PAGE.read_text() != render(load_results())
        print(f"book/performance.md is {'stale' if stale else 'up to date'}")
        return int(stale)
    PAGE.write_text(render(load_results(), FIGURES))
    print("wrote book/performance.md and book/figures/perf_*.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
