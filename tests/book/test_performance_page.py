"""The performance appendix is up to date with the benchmark results; chapters link to real rows."""

import ast
import importlib.util
import json
import math
import re
import shutil
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
PAGE = ROOT / "book" / "performance.md"
STALE = "book/performance.md is stale: run `python tools/render_performance.py`"
RESULTS_FILES = sorted(p for p in RESULTS.glob("*.json") if not p.stem.endswith("_quick"))

_spec = importlib.util.spec_from_file_location(
    "render_performance", ROOT / "tools" / "render_performance.py"
)
render = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(render)


def _links_to_performance_rows():
    """(source, anchor, link, text) of every link from a chapter or page to a perf- anchor."""
    sources = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        sources += [(path.name, c.source) for c in nb.cells if c.cell_type == "markdown"]
    sources += [(p.name, p.read_text()) for p in sorted((ROOT / "book").glob("*.md")) if p != PAGE]
    found = []
    for name, text in sources:
        for label, link in re.findall(r"\[([^\]]*)\]\(([^)\s]*#perf-[^)\s]*)\)", text):
            found.append((name, link.split("#", 1)[1], link, " ".join(label.split())))
    return found


def _row(page: str, anchor: str) -> str | None:
    """The text of the table row that starts with the anchor (None for other anchors)."""
    match = re.search(
        rf"^\* - \({re.escape(anchor)}\)=\n(.*?)(?=^\* - |^```)", page, flags=re.M | re.S
    )
    return match.group(1) if match else None


def test_committed_page_equals_a_fresh_render():
    assert PAGE.is_file(), STALE
    assert PAGE.read_text() == render.render(render.load_results()), STALE


def test_page_figures_exist():
    page = PAGE.read_text()
    figures = re.findall(r"^```\{figure\} (\S+)$", page, flags=re.M)
    assert figures, "the page shows plots"
    for rel in figures:
        assert (PAGE.parent / rel).is_file(), (
            f"{rel} is missing: run `python tools/render_performance.py`"
        )


KEY = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")


def _is_number(x) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


@pytest.mark.parametrize("path", RESULTS_FILES, ids=lambda p: p.name)
def test_results_file_follows_the_schema(path):
    """benchmarks/_common.py's schema: title, config, rows, targets, machine, versions, date."""
    record = json.loads(path.read_text())
    assert isinstance(record.get("title"), str) and record["title"], f"{path.name}: title"
    assert isinstance(record.get("config"), dict), f"{path.name}: config"
    assert isinstance(record.get("rows"), dict) and record["rows"], f"{path.name}: rows"
    assert isinstance(record.get("targets"), dict), f"{path.name}: targets"
    for key, row in record["rows"].items():
        where = f"{path.name}: rows[{key!r}]"
        assert KEY.fullmatch(key), f"{where}: keys are short snake_case"
        assert isinstance(row.get("label"), str) and row["label"], f"{where}: label"
        assert isinstance(row.get("unit"), str) and row["unit"], f"{where}: unit"
        timings = [row.get(k, "absent") for k in ("best_s", "median_s", "per_s")]
        if row.get("skipped") is None:
            assert all(_is_number(t) and t > 0 for t in timings), f"{where}: {timings}"
            assert row["best_s"] <= row["median_s"], f"{where}: best above median"
        else:
            assert isinstance(row["skipped"], str), f"{where}: skipped says why"
            assert timings == [None, None, None], f"{where}: a row not run has no timings"
    for key, target in record["targets"].items():
        where = f"{path.name}: targets[{key!r}]"
        assert KEY.fullmatch(key), f"{where}: keys are short snake_case"
        assert isinstance(target.get("label"), str) and target["label"], f"{where}: label"
        assert _is_number(target.get("value")) and _is_number(target.get("target")), where
        assert isinstance(target.get("higher_is_better"), bool), f"{where}: higher_is_better"
        assert target.get("met") is render.met(target), f"{where}: met disagrees with the value"


@pytest.mark.parametrize("path", RESULTS_FILES, ids=lambda p: p.name)
def test_results_file_describes_its_machine(path):
    record = json.loads(path.read_text())
    machine = record.get("machine")
    assert isinstance(machine, dict), f"{path.name} has no machine description"
    versions = record.get("versions") or {}
    date = record.get("date")
    assert isinstance(machine.get("cpu_count"), int) and machine["cpu_count"] >= 1, (
        f"{path.name}: cpu_count"
    )
    assert machine.get("platform"), f"{path.name}: platform"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", date or ""), (
        f"{path.name}: date {date!r}"
    )
    for package in ("python", "numpy", "tensorflow", "keras"):
        assert versions.get(package), f"{path.name}: versions[{package!r}]"


def test_every_row_and_target_of_every_results_file_is_on_the_page():
    page = PAGE.read_text()
    for path in RESULTS_FILES:
        name = path.stem.removeprefix("bench_")
        record = json.loads(path.read_text())
        assert f"({render.anchor(name)})=" in page, f"no section for {path.name}"
        for part, entries in (((), record["rows"]), (("target",), record["targets"])):
            for key, entry in entries.items():
                shown = _row(page, render.anchor(name, *part, key))
                assert shown is not None, f"{path.name}: {key!r} is not a row of the page"
                assert shown.startswith(f"    {entry['label']}\n"), f"{path.name}: {key!r} label"
        date = record["date"]
        assert page.count(f"Measured {date} on ") >= 1, f"{path.name}: machine and date not shown"


def test_row_anchors_are_unique_and_every_table_row_has_one():
    page = PAGE.read_text()
    anchors = render.anchors(page)
    assert len(anchors) == len(set(anchors)), "duplicate anchors"
    for table in re.findall(r"```\{list-table\}.*?\n```", page, flags=re.S):
        rows = re.findall(r"^\* - (.*)$", table, flags=re.M)[1:]  # the first is the header
        assert rows and all(re.fullmatch(r"\(perf-[a-z0-9-]+\)=", r) for r in rows), (
            table.splitlines()[0]
        )


def test_tables_stay_narrow_and_the_page_names_no_issue():
    """Readable at 1,300 px: no table wider than 6 columns; no "issue N" in reader-facing text."""
    page = PAGE.read_text()
    for table in re.findall(r"```\{list-table\}.*?\n```", page, flags=re.S):
        header = table.split("\n* - ", 2)[1]
        assert header.count("\n  - ") + 1 <= 6, table.splitlines()[0]
    assert not re.search(r"\bissues? \d", page, flags=re.I)


def test_every_link_to_a_performance_row_resolves():
    page = PAGE.read_text()
    anchors = set(render.anchors(page))
    links = _links_to_performance_rows()
    assert {name for name, *_ in links} >= {
        "08_random_crop.ipynb",
        "09_segmentation_pairs.ipynb",
        "11_keras3_way.ipynb",
    }, "chapters 8, 9 and 11 cite their rows"
    for name, anchor, link, _ in links:
        assert anchor in anchors, (
            f"{name} links to {link!r}, which is not an anchor of book/performance.md"
        )
        # Sphinx resolves a label across pages only in the form [text](#label); a page-qualified
        # link (performance.md#label) needs heading anchors and fails the -W build.
        assert link == f"#{anchor}", f"{name}: write the link as [text](#{anchor}), not ({link})"


def test_numbers_quoted_in_a_row_link_are_the_rows_numbers():
    """A chapter quoting a measurement puts it in the link text; a rerun that changes it fails."""
    page = PAGE.read_text()
    quoted = 0
    for name, anchor, _, label in _links_to_performance_rows():
        row = _row(page, anchor)
        if row is None:
            continue
        for number in re.findall(r"\d[\d,]*(?:\.\d+)?", label):
            quoted += 1
            assert re.search(rf"(?<![\d.,]){re.escape(number)}(?![\d,]|\.\d)", row), (
                f"{name} quotes {number!r} in [{label}](#{anchor}), but that row of "
                f"book/performance.md reads {' '.join(row.split())!r}: update the chapter"
            )
    assert quoted >= 3


def _png_text_chunks(data: bytes) -> list[bytes]:
    chunks, pos = [], 8
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        if kind in (b"tEXt", b"iTXt", b"zTXt", b"tIME"):
            chunks.append(kind + b":" + data[pos + 8 : pos + 8 + length])
        pos += 12 + length
    return chunks


def test_same_results_give_the_same_bytes(tmp_path):
    results = render.load_results()
    first, second = tmp_path / "a", tmp_path / "b"
    page = render.render(results, first)
    assert page == render.render(render.load_results(), second)
    written = sorted(first.glob("*.png"))
    assert [p.name for p in written] == sorted(p.name for p in second.glob("*.png"))
    assert {f"figures/{p.name}" for p in written} == set(
        re.findall(r"^```\{figure\} (\S+)$", page, flags=re.M)
    )
    for path in written:
        data = path.read_bytes()
        assert data == (second / path.name).read_bytes(), f"{path.name} differs between two renders"
        assert all(
            b"Software" not in c and not c.startswith(b"tIME") for c in _png_text_chunks(data)
        ), path.name


def _copy_results(tmp_path, skip=()):
    for path in RESULTS_FILES:
        if path.stem.removeprefix("bench_") not in skip:
            shutil.copy(path, tmp_path / path.name)
    return tmp_path


def test_missing_results_and_results_without_a_section_are_refused(tmp_path):
    results_dir = _copy_results(tmp_path, skip=("paired",))
    shutil.copy(RESULTS / "bench_zca.json", results_dir / "bench_zca_quick.json")
    committed = {p.stem.removeprefix("bench_") for p in RESULTS.glob("bench_*.json")}
    assert "zca_quick" not in committed
    assert sorted(render.load_results(results_dir)) == sorted(committed - {"paired"}), (
        "quick runs are ignored"
    )
    with pytest.raises(SystemExit, match="paired"):
        render.render(render.load_results(results_dir))
    shutil.copy(RESULTS / "bench_paired.json", results_dir)
    other = json.loads((RESULTS / "bench_crop.json").read_text())
    (results_dir / "bench_other_thing.json").write_text(json.dumps(other))
    with pytest.raises(SystemExit, match="perf-other-thing-copy"):
        render.render(render.load_results(results_dir))


def test_any_rows_and_targets_render_without_code_changes():
    """A results file with new rows and targets (as a rerun of a benchmark may write) renders."""
    results = render.load_results()
    paired = results["paired"]
    base = paired["rows"]["numpy"]
    for i, key in enumerate(["opencv", "albumentations", "two_warps"]):
        best = base["best_s"] / (5 + i)
        paired["rows"][key] = base | {"label": f"variant {key}", "best_s": best, "per_s": 1 / best}
    paired["targets"]["two_warps"] = {
        "label": "OpenCV backend at least 0.8x the two bare warps",
        "value": 0.75,
        "target": 0.8,
        "met": False,
        "higher_is_better": True,
        "unit": "x",
    }
    page = render.render(results)
    for key in ["classic", "numpy", "opencv", "albumentations", "two-warps"]:
        assert f"perf-paired-{key}" in render.anchors(page)
    row = _row(page, "perf-paired-target-two-warps")
    assert "0.75x" in row and "at least 0.8x" in row and "**not met**" in row


def test_chapter_2_plots_the_benchmark_numbers():
    """Chapter 2 runs in Colab without the repository, so it carries the sweep's numbers."""
    nb = nbformat.read(ROOT / "notebooks" / "02_zca_whitening.ipynb", as_version=4)
    cell = next(c.source for c in nb.cells if "BENCH_ZCA_SWEEP = {" in c.source)
    literal = cell[cell.index("BENCH_ZCA_SWEEP = ") + len("BENCH_ZCA_SWEEP = ") :]
    quoted = ast.literal_eval(literal[: literal.index("\n}") + 2])
    measured = {}
    rows = json.loads((RESULTS / "bench_zca.json").read_text())["rows"]
    for key, row in rows.items():
        if key.startswith("side_"):
            value = None if row.get("skipped") else (row["best_s"], row["fit_added_mib"])
            measured.setdefault(row["approach"], {})[row["side"]] = value
    assert quoted == measured, (
        "update BENCH_ZCA_SWEEP in chapter 2 from benchmarks/results/bench_zca.json"
    )
