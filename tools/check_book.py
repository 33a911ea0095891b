"""After `jupyter-book build`: each chapter page has figures, Colab and download links, no stderr.

Usage: python tools/check_book.py [_build/html]
Exits non-zero, listing every problem, if a chapter page fails a check.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def problems(html_dir: Path) -> list[str]:
    found = []
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    for nb in notebooks:
        page = html_dir / "notebooks" / f"{nb.stem}.html"
        if not page.is_file():
            found.append(f"{page}: missing")
            continue
        html = page.read_text(encoding="utf-8")
        figures = re.findall(r'<img [^>]*src="(\.\./_images/[^"]+)"', html)
        if not figures:
            found.append(f"{page.name}: no rendered figure")
        for src in figures:
            if not (page.parent / src).resolve().is_file():
                found.append(f"{page.name}: broken image {src}")
        if f"blob/main/notebooks/{nb.name}" not in html or "Open in Colab" not in html:
            found.append(f"{page.name}: no 'Open in Colab' link to {nb.name}")
        download = f"../_sources/notebooks/{nb.name}"
        if f'href="{download}"' not in html or not (page.parent / download).resolve().is_file():
            found.append(f"{page.name}: no download button for {nb.name}")
        if "output stderr" in html:
            found.append(f"{page.name}: shows stderr output")
        if 'class="output traceback' in html or "Traceback (most recent call last)" in html:
            found.append(f"{page.name}: shows a traceback")
    return found


if __name__ == "__main__":
    html_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "_build" / "html"
    issues = problems(html_dir)
    for line in issues:
        print("book check:", line)
    if issues:
        sys.exit(1)
    n_chapters = len(list((ROOT / "notebooks").glob("*.ipynb")))
    print(f"book check: {n_chapters} chapter pages have figures, Colab and download links")
