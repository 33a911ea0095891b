"""Sphinx extension: stop inline <script> blocks from being written twice.

Sphinx 7.4 (the series jupyter-book 1.x requires) hands `app.add_js_file(None,
body=...)` calls made after the builder starts to the HTML builder with the
filename None, and later again with the filename '', so the two copies are not
recognised as the same asset and every page gets the inline script twice.
sphinx-thebe's `const THEBE_JS_URL = ...` then fails in the browser with
"Identifier 'THEBE_JS_URL' has already been declared". This is the change of
Sphinx pull request #13402 (Sphinx 8.2.3): pass '' instead of None.
"""

from __future__ import annotations


def _normalise_inline_js(app) -> None:
    builder = app.builder
    add_js_file = getattr(builder, "add_js_file", None)
    if add_js_file is None:  # not an HTML builder
        return

    def add_js_file_normalised(filename, **kwargs):
        return add_js_file(filename or "", **kwargs)

    builder.add_js_file = add_js_file_normalised


def setup(app):
    # Before the extensions' own builder-inited handlers (default priority 500).
    app.connect("builder-inited", _normalise_inline_js, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
