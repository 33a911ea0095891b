"""The repository URL has one place (pyproject.toml); every file naming it is generated from it."""

import importlib.util
import re
import shutil
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("sync", ROOT / "tools" / "sync_project_url.py")
sync = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sync)

STALE = "run `python tools/sync_project_url.py` (make sync-url)"
FILES = ["pyproject.toml", "tools/setup_cell.py", "_config.yml", "README.md", "book/running.md"]
FORK = "https://github.com/someone-else/their-fork"


def test_every_generated_file_agrees_with_pyproject():
    stale = [str(path.relative_to(ROOT)) for path in sync.out_of_sync(ROOT)]
    assert stale == [], f"{stale} out of date: {STALE}"


def test_the_readme_lists_every_chapter_with_its_colab_link():
    readme = (ROOT / "README.md").read_text()
    url = sync.project_url(ROOT)
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        assert f"[open]({sync.colab_url(url, path.name)})" in readme, path.name


@pytest.fixture
def copy(tmp_path):
    """The generated files and their source, copied; the URL changed in pyproject.toml only."""
    for name in FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    pyproject = tmp_path / "pyproject.toml"
    old = sync.project_url(ROOT)
    pyproject.write_text(
        pyproject.read_text().replace(f'Repository = "{old}"', f'Repository = "{FORK}"')
    )
    return tmp_path, old


def test_one_change_in_pyproject_reaches_every_file(copy):
    root, old = copy
    assert sync.project_url(root) == FORK
    assert sync.main(["--check", "--root", str(root)]) == 1  # stale until synced
    assert sync.main(["--root", str(root)]) == 0
    assert sync.main(["--check", "--root", str(root)]) == 0
    notebooks = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for path in [root / name for name in FILES] + notebooks:
        text = path.read_text()
        assert old not in text and "someone-else/their-fork" in text, path.name
    setup = (root / "tools" / "setup_cell.py").read_text().strip()
    assert f'"git+{FORK}"' in setup
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        assert nb.cells[1].source == setup  # verbatim
        assert (
            f"(https://colab.research.google.com/github/someone-else/their-fork/blob/main/notebooks/{path.name})"
            in nb.cells[0].source
        )
        original = nbformat.read(ROOT / "notebooks" / path.name, as_version=4)
        assert [c.source for c in nb.cells[2:]] == [c.source for c in original.cells[2:]]
    config = (root / "_config.yml").read_text()
    assert re.search(rf"^  url: {re.escape(FORK)}$", config, re.MULTILINE)


def test_a_url_colab_cannot_open_is_refused(copy):
    root, old = copy
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(FORK, "https://gitlab.com/a/b"))
    with pytest.raises(ValueError, match=r"Repository.*gitlab"):
        sync.main(["--check", "--root", str(root)])
