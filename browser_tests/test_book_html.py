"""The built book, as a reader's browser shows it (headless Chromium, served on localhost).

Every page of `_toc.yml` plus the pages Sphinx adds (search, general and module
index) is opened in its own fresh browser context and must have:
- no JavaScript console error and no uncaught exception;
- no request outside the local server and no failed or 4xx/5xx request;
- every <img> loaded (naturalWidth > 0);
- every link inside the book pointing to an existing file, and its #fragment
  to an element id on the target page.
Chapter pages (notebooks) must also show at least one loaded figure inside a
cell output and a visible "Open in Colab" link to the notebook on Colab; the
search page must find chapters by a word from them. Screenshots of the
landing page and of one chapter are written to `_build/screenshots/`.

Run after `make book`: `make check-html`.
"""

from __future__ import annotations

import functools
import html.parser
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HTML_DIR = Path(os.environ.get("BOOK_HTML_DIR", ROOT / "_build" / "html")).resolve()
SCREENSHOT_DIR = HTML_DIR.parent / "screenshots"
SCREENSHOT_CHAPTER = "notebooks/02_zca_whitening"

# (query, chapter page it must find): distinctive words of those chapters.
SEARCHES = [
    ("whitening", "notebooks/02_zca_whitening.html"),
    ("rotation", "notebooks/03_rotation.html"),
    ("mask", "notebooks/09_segmentation_pairs.html"),
]


def _toc_files(entry) -> list[str]:
    files = []
    if isinstance(entry, dict):
        for key in ("root", "file"):
            if key in entry:
                files.append(entry[key])
        for key in ("parts", "chapters", "sections"):
            for child in entry.get(key, []) or []:
                files.extend(_toc_files(child))
    return files


def _book_pages() -> list[str]:
    """Pages (relative to the HTML root) of the toc, then Sphinx's own pages."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    pages = [f"{name}.html" for name in _toc_files(toc)]
    extra = {"search.html", "genindex.html"}
    # Other generated top-level pages (py-modindex.html, ...), except the redirect.
    extra |= {p.name for p in HTML_DIR.glob("*.html") if p.name != "index.html"}
    return pages + sorted(extra - set(pages))


PAGES = _book_pages()
LANDING = PAGES[0]


def _is_chapter(page: str) -> bool:
    return (ROOT / page).with_suffix(".ipynb").is_file()


def _colab_url(page: str) -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    repo = config["repository"]["url"].rstrip("/").removeprefix("https://github.com/")
    branch = config["repository"].get("branch", "main")
    notebook = Path(page).with_suffix(".ipynb").as_posix()
    return f"https://colab.research.google.com/github/{repo}/blob/{branch}/{notebook}"


class _Ids(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and (name == "id" or (tag == "a" and name == "name")):
                self.ids.add(value)


@functools.cache
def _ids_of(path: Path) -> frozenset[str]:
    parser = _Ids()
    parser.feed(path.read_text(encoding="utf-8"))
    return frozenset(parser.ids)


def _file_for(url_path: str) -> Path:
    target = HTML_DIR / unquote(url_path).lstrip("/")
    return target / "index.html" if url_path.endswith("/") or target.is_dir() else target


@dataclass
class Visit:
    page: object
    problems: list[str] = field(default_factory=list)


@pytest.fixture
def visit(browser, base_url):
    """Open a URL of the book in a fresh context, recording every browser-side problem."""
    contexts = []

    def _visit(relative_url: str) -> Visit:
        context = browser.new_context(viewport={"width": 1300, "height": 900})
        contexts.append(context)
        page = context.new_page()
        result = Visit(page)
        problems = result.problems

        def outside(route):
            problems.append(f"request outside the book (blocked): {route.request.url}")
            route.abort()

        context.route(
            lambda url: not url.startswith(base_url) and not url.startswith("data:"), outside
        )
        page.on(
            "console",
            lambda msg: (
                msg.type == "error"
                and problems.append(
                    f"console error: {msg.text} "
                    f"(at {msg.location.get('url')}:{msg.location.get('lineNumber')})"
                )
            ),
        )
        page.on("pageerror", lambda exc: problems.append(f"uncaught exception: {exc}"))
        page.on(
            "response",
            lambda resp: (
                resp.status >= 400 and problems.append(f"HTTP {resp.status} for {resp.url}")
            ),
        )
        page.on(
            "requestfailed",
            lambda req: (
                req.url.startswith(base_url)
                and problems.append(f"request failed: {req.url} ({req.failure})")
            ),
        )
        response = page.goto(base_url + relative_url, wait_until="networkidle")
        if response is None or not response.ok:
            problems.append(
                f"page did not load: {relative_url} "
                f"({response.status if response else 'no response'})"
            )
        return result

    yield _visit
    for context in contexts:
        context.close()


IMAGES_JS = """async () => {
  const images = Array.from(document.images);
  await Promise.all(images.map((img) => {
    if (img.loading === "lazy") img.loading = "eager";
    if (img.complete) return null;
    return new Promise((done) => {
      img.addEventListener("load", done, {once: true});
      img.addEventListener("error", done, {once: true});
      setTimeout(done, 10000);
    });
  }));
  return images.map((img) => ({
    src: img.getAttribute("src"),
    loaded: img.complete && img.naturalWidth > 0,
    inOutput: img.closest(".cell_output") !== null,
    visible: img.getClientRects().length > 0,
  }));
}"""

LINKS_JS = """() => Array.from(document.querySelectorAll("a[href]")).map((a) => ({
  raw: a.getAttribute("href"), href: a.href, text: a.textContent.trim(),
  visible: a.getClientRects().length > 0,
}))"""


def _link_problems(links: list[dict], base_url: str) -> list[str]:
    problems = []
    for link in links:
        if not link["href"].startswith(base_url):
            continue  # external (GitHub, Colab, ...) or javascript:/mailto:
        parts = urlsplit(link["href"])
        target = _file_for(parts.path)
        if not target.is_file():
            problems.append(f"broken link {link['raw']!r}: no file {target.relative_to(HTML_DIR)}")
            continue
        fragment = unquote(parts.fragment)
        if fragment and target.suffix == ".html" and fragment not in _ids_of(target):
            problems.append(
                f"broken link {link['raw']!r}: no id {fragment!r} in {target.relative_to(HTML_DIR)}"
            )
    return problems


def _report(page_name: str, problems: list[str]) -> None:
    if problems:
        pytest.fail(
            f"{page_name}: {len(problems)} problem(s)\n  " + "\n  ".join(problems), pytrace=False
        )


def _screenshot(page, name: str, *, element=None) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    if element is not None:  # its top just below the page header
        element.evaluate(
            "(e) => window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - 90)"
        )
    page.screenshot(path=str(SCREENSHOT_DIR / name))


def test_root_redirects_to_landing_page(visit, base_url):
    result = visit("index.html")
    result.page.wait_for_url(base_url + LANDING)
    _report("index.html", result.problems)


# At 1,300 px: code cells that scroll sideways, and tables wider than the text column.
TOO_WIDE_JS = """() => {
  const article = document.querySelector('.bd-article');
  const column = article ? article.getBoundingClientRect().width : window.innerWidth;
  const code = Array.from(document.querySelectorAll('div.cell_input pre'))
    .filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => 'code cell scrolls sideways: ' + e.innerText.split('\\n')[0].slice(0, 60));
  const tables = Array.from(document.querySelectorAll('table'))
    .filter(e => e.getBoundingClientRect().width > column + 1 || e.scrollWidth > e.clientWidth + 1)
    .map(e => 'table wider than the text column: ' + e.innerText.slice(0, 60));
  return code.concat(tables);
}"""


@pytest.mark.parametrize("page_name", PAGES)
def test_page(visit, base_url, page_name):
    assert (HTML_DIR / page_name).is_file(), f"{page_name} is in the book but was not built"
    result = visit(page_name)
    page, problems = result.page, result.problems

    images = page.evaluate(IMAGES_JS)
    problems += [f"broken image {img['src']}" for img in images if not img["loaded"]]
    links = page.evaluate(LINKS_JS)
    problems += _link_problems(links, base_url)
    problems += page.evaluate(TOO_WIDE_JS)

    if _is_chapter(page_name):
        figures = [img for img in images if img["inOutput"] and img["loaded"] and img["visible"]]
        if not figures:
            problems.append("no rendered figure in any cell output")
        expected = _colab_url(page_name)
        colab = [link for link in links if link["text"] == "Open in Colab" and link["visible"]]
        if not colab:
            problems.append("no visible 'Open in Colab' link")
        launch = [
            link for link in links if link["href"].startswith("https://colab.research.google.com/")
        ]
        wrong = sorted({link["href"] for link in colab + launch} - {expected})
        problems += [f"Colab link {href} is not {expected}" for href in wrong]

    if page_name == LANDING:
        _screenshot(page, "landing.png")
    if page_name == f"{SCREENSHOT_CHAPTER}.html":
        _screenshot(page, "chapter_top.png")
        _screenshot(page, "chapter_figure.png", element=page.locator(".cell_output img").first)

    _report(page_name, problems)


@pytest.mark.parametrize(("query", "chapter"), SEARCHES)
def test_search_finds_chapter(visit, base_url, query, chapter):
    assert (HTML_DIR / chapter).is_file(), f"{chapter} was not built"
    result = visit(f"search.html?q={query}")
    page = result.page
    page.wait_for_function(
        "() => { const s = document.querySelector('#search-results p.search-summary');"
        " return s !== null && s.textContent.trim() !== ''; }",
        timeout=15000,
    )
    found = page.eval_on_selector_all(
        "#search-results ul.search li a", "(links) => links.map((a) => a.href)"
    )
    paths = {urlsplit(href).path.lstrip("/") for href in found}
    assert chapter in paths, f"search for {query!r} did not find {chapter}; found {sorted(paths)}"
    _report(f"search.html?q={query}", result.problems)
