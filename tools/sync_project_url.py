"""Write the repository URL from its one place into every file that names it.

The URL lives in ``pyproject.toml`` (``[project.urls] Repository``); a maintainer who forks or
moves the book changes it there and runs ``make sync-url`` (this script). It generates:

- ``tools/setup_cell.py``: the ``git+<url>`` that Colab installs ``tutorial_lib`` from;
- every chapter's setup cell (its second cell), which is ``tools/setup_cell.py`` verbatim, and
  the "Open in Colab" link in its title cell;
- ``_config.yml``: ``repository.url`` and ``repository.branch`` (the repository button and the
  theme's Colab launch button);
- ``README.md``: the chapter table with its Colab links (between the ``chapters`` markers,
  one row per notebook, titled by the notebook's heading) and the ``pip install`` line;
- ``book/running.md``: the ``pip install`` line.

``python tools/sync_project_url.py --check`` changes nothing and exits 1 listing the files
that are out of date (``tests/book/test_project_url.py`` runs that check).
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
#: The branch the Colab links and the repository button point at.
BRANCH = "main"
GITHUB = re.compile(r"https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
PIP_URL = re.compile(r"git\+https://github\.com/[^\s\"')]+")
COLAB_LINK = re.compile(r"\[Open in Colab\]\(https://colab\.research\.google\.com/[^)]*\)")
TABLE = re.compile(r"(<!-- chapters:start[^\n]*-->\n).*?(<!-- chapters:end -->)", re.DOTALL)
CONFIG_REPOSITORY = re.compile(r"^repository:\n  url: [^\n]*\n  branch: [^\n]*$", re.MULTILINE)


def project_url(root: Path = ROOT) -> str:
    """The repository URL from ``pyproject.toml``, checked to be a GitHub repository."""
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    url = pyproject.get("project", {}).get("urls", {}).get("Repository")
    if not isinstance(url, str) or not GITHUB.fullmatch(url):
        raise ValueError(
            "pyproject.toml's [project.urls] Repository must be https://github.com/<owner>/<name> "
            f"(Colab opens notebooks from GitHub), got {url!r}."
        )
    return url


def colab_url(url: str, notebook: str) -> str:
    """The Colab address of ``notebooks/<notebook>`` in the repository ``url``."""
    repo = url.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{repo}/blob/{BRANCH}/notebooks/{notebook}"


def _replace(pattern: re.Pattern, new: str, text: str, where: str) -> str:
    if not pattern.search(text):
        raise ValueError(f"{where}: found nothing matching {pattern.pattern!r} to generate.")
    return pattern.sub(lambda _: new, text)


def _title(nb) -> str:
    first = nb.cells[0].source.splitlines()[0] if nb.cells else ""
    return first.removeprefix("# ").strip()


def _notebook(path: Path, setup_cell: str, url: str) -> str:
    nb = nbformat.reads(path.read_text(), as_version=4)
    where = f"{path.name}: title cell"
    link = f"[Open in Colab]({colab_url(url, path.name)})"
    nb.cells[0].source = _replace(COLAB_LINK, link, nb.cells[0].source, where)
    if len(nb.cells) < 2 or nb.cells[1].cell_type != "code":
        raise ValueError(f"{path.name}: the second cell must be the setup code cell.")
    nb.cells[1].source = setup_cell
    return nbformat.writes(nb) + "\n"


def _readme(text: str, notebooks: list[Path], url: str) -> str:
    rows = ["| # | Chapter | Colab |", "| --- | --- | --- |"]
    for path in notebooks:
        title = _title(nbformat.reads(path.read_text(), as_version=4))
        number = int(path.name.split("_", 1)[0])
        rows.append(f"| {number} | {title} | [open]({colab_url(url, path.name)}) |")
    table = "\n".join(rows) + "\n\n"
    if not TABLE.search(text):
        raise ValueError("README.md: no <!-- chapters:start --> ... <!-- chapters:end --> block.")
    text = TABLE.sub(lambda m: m.group(1) + table + m.group(2), text)
    return _replace(PIP_URL, f"git+{url}", text, "README.md")


def generated(root: Path = ROOT) -> dict[Path, str]:
    """Every generated file and the text it must have, from the URL in ``pyproject.toml``."""
    url = project_url(root)
    out = {}
    setup_path = root / "tools" / "setup_cell.py"
    setup = _replace(PIP_URL, f"git+{url}", setup_path.read_text(), "tools/setup_cell.py")
    out[setup_path] = setup
    notebooks = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for path in notebooks:
        out[path] = _notebook(path, setup.strip(), url)
    config = root / "_config.yml"
    repository = f"repository:\n  url: {url}\n  branch: {BRANCH}"
    out[config] = _replace(CONFIG_REPOSITORY, repository, config.read_text(), "_config.yml")
    readme = root / "README.md"
    out[readme] = _readme(readme.read_text(), notebooks, url)
    running = root / "book" / "running.md"
    out[running] = _replace(PIP_URL, f"git+{url}", running.read_text(), "book/running.md")
    return out


def out_of_sync(root: Path = ROOT) -> list[Path]:
    """The generated files whose text differs from what ``pyproject.toml`` gives."""
    return [path for path, text in generated(root).items() if path.read_text() != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    parser.add_argument("--root", type=Path, default=ROOT, help="the book's root directory")
    args = parser.parse_args(argv)
    stale = out_of_sync(args.root)
    if args.check:
        for path in stale:
            print(f"out of date: {path.relative_to(args.root)} (run tools/sync_project_url.py)")
        return 1 if stale else 0
    texts = generated(args.root)
    for path in stale:
        path.write_text(texts[path])
        print(f"wrote {path.relative_to(args.root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
