"""Every chapter notebook is in the book, clean, starts the same way and ends with exercises."""

import ast
import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SETUP_CELL = (ROOT / "tools" / "setup_cell.py").read_text().strip()
REPO_URL = re.search(r'"git\+(https://github.com/[^"]+)"', SETUP_CELL).group(1)
FORBIDDEN_TAGS = {
    "raises-exception",
    "skip-execution",
    "nbval-skip",
    "nbval-raises-exception",
    "remove-cell",
}


def _toc_files(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("file", "root"):
                yield value
            else:
                yield from _toc_files(value)
    elif isinstance(node, list):
        for item in node:
            yield from _toc_files(item)


TOC = set(_toc_files(yaml.safe_load((ROOT / "_toc.yml").read_text())))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())


def test_there_are_chapters():
    assert len(NOTEBOOKS) >= 5


def test_every_toc_entry_exists():
    for entry in TOC:
        candidates = [ROOT / f"{entry}{ext}" for ext in ("", ".md", ".ipynb")]
        assert any(p.is_file() for p in candidates), (
            f"_toc.yml names {entry!r}, which does not exist"
        )


def test_config_executes_everything_and_uses_the_same_repository():
    execute = CONFIG["execute"]
    # make book: only changed notebooks (cache); make book-fresh (CI) empties _build, cache
    # included, so every notebook runs; nothing is ever excluded from execution
    assert execute["execute_notebooks"] == "cache"
    assert not execute.get("cache"), "the cache must live in _build, which book-fresh empties"
    makefile = (ROOT / "Makefile").read_text()
    fresh = makefile.split("\nbook-fresh:", 1)[1].split("\n\n", 1)[0]
    assert "rm -rf _build" in fresh and "$(MAKE) book" in fresh
    assert not execute.get("exclude_patterns")
    assert execute.get("allow_errors", False) is False
    assert CONFIG["repository"]["url"] == REPO_URL
    assert "colab_url" in CONFIG["launch_buttons"]


def test_every_page_offers_its_source_for_download():
    # merged into Jupyter Book's theme options, not replacing them (its repository buttons)
    assert CONFIG["sphinx"]["recursive_update"] is True
    assert CONFIG["sphinx"]["config"]["html_theme_options"]["use_download_button"] is True
    assert "no download button" in (ROOT / "tools" / "check_book.py").read_text()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_clean_and_starts_with_setup(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), "name chapters NN_topic.ipynb"
    assert f"notebooks/{path.stem}" in TOC, f"{path.name} is not in _toc.yml"
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], (
                f"{path.name} has stored outputs; strip them before committing"
            )
            assert cell.execution_count is None
        tags = set(cell.metadata.get("tags", []))
        assert not tags & FORBIDDEN_TAGS, f"{path.name} has a cell tagged {tags & FORBIDDEN_TAGS}"
        assert "nbval" not in cell.metadata
    title = nb.cells[0]
    assert title.cell_type == "markdown" and title.source.startswith("# ")
    colab = f"https://colab.research.google.com/github/{REPO_URL.removeprefix('https://github.com/')}/blob/main/notebooks/{path.name}"
    assert f"[Open in Colab]({colab})" in title.source
    setup = nb.cells[1]
    assert setup.cell_type == "code" and setup.source.strip() == SETUP_CELL
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "import tutorial_lib" in code
    assert "assert " in code, "chapters check their key facts with assert"
    for banned in (
        "fit_generator(",
        "predict_generator(",
        "evaluate_generator(",
        "set_image_dim_ordering",
    ):
        assert banned not in code, f"{path.name} calls the removed {banned}"


CHAPTERS = [p for p in NOTEBOOKS if re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", p.name)]
EXERCISE = re.compile(r"\A:::\{exercise\}\n:label: (\S+)\n(.+\S)\n:::\Z", re.S)
SOLUTION_START = re.compile(r"\A:::\{solution-start\} (\S+)\n((?::[a-z-]+:.*\n)*):::\Z")
SOLUTION_END = re.compile(r"\A:::\{solution-end\}\n:::\Z")


def _exercise_blocks(path):
    """The exercises after the chapter's Summary: [(label, question, options, code cells)]."""
    cells = nbformat.read(path, as_version=4).cells
    summaries = [
        i
        for i, c in enumerate(cells)
        if c.cell_type == "markdown" and re.search(r"^## Summary$", c.source, re.M)
    ]
    assert summaries, f"{path.name} has no `## Summary` section"
    before = "\n".join(c.source for c in cells[: summaries[-1]])
    assert "{exercise}" not in before and "{solution-start}" not in before, (
        f"{path.name}: exercises belong after the Summary"
    )
    rest = cells[summaries[-1] + 1 :]
    assert rest and rest[0].cell_type == "markdown", f"{path.name}: no exercises section"
    assert re.match(r"## Exercises$", rest[0].source, re.M), (
        f"{path.name}: the cell after the Summary must start with `## Exercises`"
    )
    blocks, i = [], 1
    while i < len(rest):
        exercise = EXERCISE.match(rest[i].source.strip())
        assert rest[i].cell_type == "markdown" and exercise, (
            f"{path.name}: expected an exercise directive, got {rest[i].source[:60]!r}"
        )
        follows = rest[i + 1] if i + 1 < len(rest) else None
        start = follows is not None and SOLUTION_START.match(follows.source.strip())
        assert start and start.group(1) == exercise.group(1), (
            f"{path.name}: exercise {exercise.group(1)} is not followed by its solution-start"
        )
        j, code = i + 2, []
        while j < len(rest) and not SOLUTION_END.match(rest[j].source.strip()):
            code.append(rest[j])
            j += 1
        assert j < len(rest), f"{path.name}: solution {start.group(1)} has no solution-end"
        blocks.append((exercise.group(1), exercise.group(2), start.group(2), code))
        i = j + 1
    return blocks


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_ends_with_exercises_whose_solutions_assert(path):
    blocks = _exercise_blocks(path)
    assert 2 <= len(blocks) <= 4, f"{path.name} has {len(blocks)} exercises, want 2 to 4"
    chapter = int(path.name[:2])
    labels = [label for label, _, _, _ in blocks]
    assert labels == [f"ex{chapter}-{k}" for k in range(1, len(blocks) + 1)], labels
    for label, question, options, code in blocks:
        assert len(question.split()) >= 10, f"{label}: the question says too little"
        assert ":class: dropdown" in options.splitlines(), f"{label}: solution not collapsed"
        assert [c.cell_type for c in code] == ["code"], (
            f"{label}: a solution is exactly one code cell"
        )
        body = ast.parse(code[0].source).body
        assert body and isinstance(body[-1], ast.Assert), (
            f"{label}: the solution must end with an assert that checks its result"
        )


def test_exercise_extension_is_set_up():
    assert "sphinx_exercise" in CONFIG["sphinx"]["extra_extensions"]
    assert "colon_fence" in CONFIG["parse"]["myst_enable_extensions"]
    requirements = (ROOT / "requirements.txt").read_text()
    assert re.search(r"^sphinx-exercise\b", requirements, re.M)
