"""The performance appendix is up to date with the committed benchmark results, and chapters link to real rows."""

import ast
import importlib.util
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
PAGE = ROOT / "book" / "performance.md"
STALE = "book/performance.md is stale: run `python tools/render_performance.py`"

_spec = importlib.util.spec_from_file_location(
    "render_performance", ROOT / "tools" / "render_performance.py"
)
render = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(render)


def _links_to_performance_rows():
    """(source, anchor, link) for every markdown link from a chapter (or another book page) to a perf- anchor."""
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
    """The text of the table row that starts with the anchor (None for section, table and figure anchors)."""
    match = re.search(
        rf"^\* - \({re.escape(anchor)}\)=\n(.*?)(?=^\* - |^```)", page, flags=re.M | re.S
    )
    return match.group(1) if match else None


def test_committed_page_equals_a_fresh_render():
    assert PAGE.is_file(), STALE
    assert PAGE.read_text() == render.render_page(render.load_results()), STALE


def test_page_figures_exist():
    page = PAGE.read_text()
    figures = re.findall(r"^```\{figure\} (\S+)$", page, flags=re.M)
    assert figures, "the page shows plots"
    for rel in figures:
        assert (PAGE.parent / rel).is_file(), (
            f"{rel} is missing: run `python tools/render_performance.py`"
        )


@pytest.mark.parametrize("path", sorted(RESULTS.glob("*.json")), ids=lambda p: p.name)
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
    assert render.missing_machine_fields(record) == []


def test_row_anchors_are_unique_and_every_table_row_has_one():
    page = PAGE.read_text()
    anchors = render.anchors(page)
    assert len(anchors) == len(set(anchors)), "duplicate anchors"
    for table in re.findall(r"```\{list-table\}.*?\n```", page, flags=re.S):
        rows = re.findall(r"^\* - (.*)$", table, flags=re.M)[1:]  # the first is the header
        assert rows and all(re.fullmatch(r"\(perf-[a-z0-9-]+\)=", r) for r in rows), (
            table.splitlines()[0]
        )
    for expected in (
        "perf-zca-main-keras",
        "perf-zca-main-tl-exact",
        "perf-zca-main-tl-lowrank",
        "perf-zca-side-128-keras",
        "perf-crop-tl",
        "perf-crop-loop",
        "perf-crop-target",
        "perf-paired-tl",
        "perf-paired-target",
    ):
        assert expected in anchors


def test_every_link_to_a_performance_row_resolves():
    page = PAGE.read_text()
    anchors = set(render.anchors(page))
    links = _links_to_performance_rows()
    assert {name for name, *_ in links} >= {
        "08_random_crop.ipynb",
        "09_segmentation_pairs.ipynb",
        "11_keras3_way.ipynb",
    }, "chapters 8, 9 and 11 cite their rows"
    for name, anchor, link, label in links:
        assert anchor in anchors, (
            f"{name} links to {link!r}, which is not an anchor of book/performance.md"
        )
        # Sphinx resolves a label across pages only in the form [text](#label); a page-qualified link
        # (performance.md#label) needs heading anchors and fails the -W build.
        assert link == f"#{anchor}", f"{name}: write the link as [text](#{anchor}), not ({link})"


def test_numbers_quoted_in_a_row_link_are_the_rows_numbers():
    """A chapter quoting a measurement puts the number in the link text; a rerun that changes it shows here."""
    page = PAGE.read_text()
    quoted = 0
    for name, anchor, _, label in _links_to_performance_rows():
        row = _row(page, anchor)
        if row is None:
            continue
        for number in re.findall(r"\d[\d,]*(?:\.\d+)?", label):
            quoted += 1
            assert re.search(rf"(?<![\d.,]){re.escape(number)}(?![\d,]|\.\d)", row), (
                f"{name} quotes {number!r} in [{label}](#{anchor}), but that row of book/performance.md reads "
                f"{' '.join(row.split())!r}: update the chapter"
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
    written = render.write_figures(results, first)
    render.write_figures(results, second)
    assert written and render.render_page(results) == render.render_page(render.load_results())
    for path in written:
        data = path.read_bytes()
        assert data == (second / path.name).read_bytes(), f"{path.name} differs between two renders"
        assert all(
            b"Software" not in c and not c.startswith(b"tIME") for c in _png_text_chunks(data)
        ), path.name


def test_results_files_are_chosen_and_unknown_ones_refused(tmp_path):
    shutil.copy(RESULTS / "bench_crop.json", tmp_path / "bench_crop.json")
    zca = (RESULTS / "bench_zca.json").read_text()
    (tmp_path / "bench_zca.json").write_text(zca)
    (tmp_path / "bench_zca_quick.json").write_text(zca)
    assert {k: p.name for k, p in render.results_files(tmp_path).items()} == {
        "crop": "bench_crop.json",
        "zca": "bench_zca.json",
    }, "quick runs are ignored"
    page = render.render_page(render.load_results(tmp_path))
    assert "No results yet: run `python benchmarks/bench_paired.py`" in page
    (tmp_path / "bench_other.json").write_text("{}")
    with pytest.raises(SystemExit, match="bench_other.json"):
        render.results_files(tmp_path)


def test_chapter_2_plots_the_benchmark_numbers():
    """Chapter 2 runs in Colab without the repository, so it carries the sweep's numbers: they must be these."""
    nb = nbformat.read(ROOT / "notebooks" / "02_zca_whitening.ipynb", as_version=4)
    cell = next(c.source for c in nb.cells if "BENCH_ZCA_SWEEP = {" in c.source)
    literal = cell[cell.index("BENCH_ZCA_SWEEP = ") + len("BENCH_ZCA_SWEEP = ") :]
    quoted = ast.literal_eval(literal[: literal.index("\n}") + 2])
    measured = {}
    for row in json.loads((RESULTS / "bench_zca.json").read_text())["sweep"]:
        value = None if "skipped" in row else (row["fit_s"], row["fit_added_mib"])
        measured.setdefault(row["approach"], {})[row["side"]] = value
    assert quoted == measured, (
        "update BENCH_ZCA_SWEEP in chapter 2 from benchmarks/results/bench_zca.json"
    )
