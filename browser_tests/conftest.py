"""Fixtures for the browser checks of the built book: a local HTTP server and headless Chromium.

The book must be built first (`make book`), and Debian's Chromium installed
(`sudo apt-get install -y --no-install-recommends chromium`); no browser is
downloaded. Environment variables: BOOK_HTML_DIR (default `_build/html`) and
CHROMIUM (default `/usr/bin/chromium`).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML_DIR = Path(os.environ.get("BOOK_HTML_DIR", ROOT / "_build" / "html")).resolve()
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

# The flags the closed network needs: without the background-networking ones
# Chromium keeps opening connections that the sandboxed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_sessionstart(session):
    if not (HTML_DIR / "index.html").is_file():
        pytest.exit(f"no built book in {HTML_DIR}: run `make book` first", returncode=1)
    if shutil.which(CHROMIUM) is None:
        pytest.exit(
            f"Chromium not found at {CHROMIUM}. Install Debian's package: "
            "`sudo apt-get install -y --no-install-recommends chromium` "
            "(or set CHROMIUM to its path)",
            returncode=1,
        )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


@pytest.fixture(scope="session")
def html_dir() -> Path:
    return HTML_DIR


@pytest.fixture(scope="session")
def base_url(html_dir):
    """`http://127.0.0.1:<free port>/` serving the built book from a thread."""
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium, closed at the end of the session.

    Playwright starts it with a fresh, empty temporary profile
    (`--user-data-dir=<new temp dir>`, removed afterwards); each page is then
    opened in its own new context, so no page sees another's localStorage.
    """
    from playwright.sync_api import sync_playwright

    manager = sync_playwright().start()
    try:
        chromium = manager.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
    finally:
        manager.stop()
