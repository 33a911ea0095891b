"""Write a chapter notebook from a percent-format script (a dev convenience).

Usage: python tools/py2nb.py draft.py notebooks/NN_topic.ipynb

The script is split at ``# %%`` (code) and ``# %% [markdown]`` (markdown,
each line starting with ``# ``) markers. The first cell must be markdown
starting with ``# Title``; the "Open in Colab" link and the shared setup cell
(tools/setup_cell.py) are added after it. The notebook is written without
outputs, with the python3 kernel. The .ipynb is the file we commit.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SETUP_CELL = (ROOT / "tools" / "setup_cell.py").read_text().strip()
REPO_URL = re.search(r'"git\+(https://github.com/[^"]+)"', SETUP_CELL).group(1)


def colab_link(notebook_path: Path) -> str:
    rel = notebook_path.resolve().relative_to(ROOT).as_posix()
    slug = REPO_URL.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{slug}/blob/main/{rel}"


def parse(text: str):
    cells = []
    kind, lines = None, []
    for line in text.splitlines():
        m = re.match(r"^# %%( \[markdown\])?\s*$", line)
        if m:
            if kind is not None:
                cells.append((kind, lines))
            kind, lines = ("markdown" if m.group(1) else "code"), []
        elif kind is not None:
            lines.append(line)
    if kind is not None:
        cells.append((kind, lines))
    out = []
    for kind, lines in cells:
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        if kind == "markdown":
            lines = [re.sub(r"^# ?", "", ln, count=1) for ln in lines]
        if lines:
            out.append((kind, "\n".join(lines)))
    return out


def build(src: Path, dst: Path) -> None:
    cells = parse(src.read_text())
    if not cells or cells[0][0] != "markdown" or not cells[0][1].startswith("# "):
        raise SystemExit("the first cell must be markdown starting with '# Title'")
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    title = cells[0][1] + f"\n\n[Open in Colab]({colab_link(dst)})"
    nb.cells.append(nbformat.v4.new_markdown_cell(title))
    nb.cells.append(nbformat.v4.new_code_cell(SETUP_CELL))
    for kind, source in cells[1:]:
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        nb.cells.append(make(source))
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
    nbformat.validate(nb)
    dst.write_text(nbformat.writes(nb) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    build(Path(sys.argv[1]), Path(sys.argv[2]))
