"""Every chapter notebook is in the book, clean, and starts the same way."""

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
