"""Citations resolve, the bibliography has no orphans, and pitfalls sit in admonitions.

Every chapter states its pitfall in a ``{warning}`` admonition (the fix in ``{tip}``, side
remarks and version notes in ``{note}``); no bold "Pitfall:", "Trap" or "The fix" paragraph is
left outside one. Every ``{cite}`` key, in the chapters and in the book's pages, is an entry of
``references.bib``, and every entry there is cited somewhere.
"""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PAGES = sorted((ROOT / "book").glob("*.md"))
BIB = ROOT / "references.bib"

ADMONITIONS = ("warning", "tip", "note")
# Other directives a chapter may fence (exercises and their solutions, figures, and so on).
OTHER_DIRECTIVES = set(
    "exercise solution solution-start solution-end figure math code-cell bibliography list-table"
    " admonition important caution seealso".split()
)
FENCE = re.compile(r"^(`{3,}|:{3,})\{([a-z-]+)\}")
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]*)`")
# A pitfall or a fix written as a bold lead-in paragraph instead of an admonition.
LOOSE_PITFALL = re.compile(
    r"^\s*(\*\*(Pitfall|Trap\b|The fix)|(A |The )?[Pp]itfall( worth knowing)?:)"
)


def _bib_keys(text):
    return re.findall(r"^@\w+\{([^,\s]+),", text, flags=re.M)


def _cited_keys(text):
    keys = []
    for body in CITE.findall(text):
        for key in body.split(","):
            key = re.sub(r"\{[^}]*\}", "", key).strip()  # {pre}key{post}
            if key:
                keys.append(key)
    return keys


def _markdown(path):
    if path.suffix == ".md":
        return [path.read_text()]
    nb = nbformat.read(path, as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


def _split_admonitions(text):
    """(kinds of the admonitions, lines outside any fenced block) of one markdown text."""
    kinds, outside, stack = [], [], []
    for line in text.splitlines():
        opening = FENCE.match(line)
        if opening:
            stack.append(opening.group(1))
            kinds.append(opening.group(2))
            continue
        if stack and line.strip() == stack[-1]:
            stack.pop()
            continue
        if not stack:
            outside.append(line)
    assert not stack, f"unclosed directive fence {stack[-1]!r}"
    return kinds, outside


def test_bib_keys_are_unique():
    keys = _bib_keys(BIB.read_text())
    assert len(keys) >= 10
    duplicates = {k for k in keys if keys.count(k) > 1}
    assert not duplicates, f"references.bib defines {sorted(duplicates)} twice"


def test_every_citation_is_in_the_bib_and_every_entry_is_cited():
    defined = set(_bib_keys(BIB.read_text()))
    cited = {}
    for path in NOTEBOOKS + PAGES:
        for text in _markdown(path):
            for key in _cited_keys(text):
                cited.setdefault(key, path.name)
    unknown = {k: where for k, where in cited.items() if k not in defined}
    assert not unknown, f"cited but not in references.bib: {unknown}"
    assert defined - set(cited) == set(), "in references.bib but cited nowhere"


def test_the_bibliography_page_is_in_the_book():
    page = (ROOT / "book" / "bibliography.md").read_text()
    assert "```{bibliography}" in page
    assert "book/bibliography" in (ROOT / "_toc.yml").read_text()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_pitfalls_are_warning_admonitions(path):
    kinds = []
    for text in _markdown(path):
        cell_kinds, outside = _split_admonitions(text)
        kinds += cell_kinds
        loose = [line for line in outside if LOOSE_PITFALL.match(line)]
        assert not loose, f"{path.name}: pitfall or fix outside an admonition: {loose[0]!r}"
        assert not any(line.startswith("#") and "Pitfall:" in line for line in outside), (
            f"{path.name}: a 'Pitfall:' heading; put the pitfall in a {{warning}} instead"
        )
    assert "warning" in kinds, f"{path.name} states no pitfall in a {{warning}} admonition"
    assert set(kinds) <= set(ADMONITIONS) | OTHER_DIRECTIVES, f"{path.name}: {set(kinds)}"


def test_the_checks_catch_a_loose_pitfall_and_a_missing_key():
    text = "```{warning}\nInside.\n```\n\n**The fix:** outside.\nSee {cite:p}`{see}a_key{p. 3}, b`."
    kinds, outside = _split_admonitions(text)
    assert kinds == ["warning"]
    assert [line for line in outside if LOOSE_PITFALL.match(line)] == ["**The fix:** outside."]
    assert _cited_keys(text) == ["a_key", "b"]
