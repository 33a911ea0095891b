"""The API reference page (book/api.md) shows every public name; each function and class has an
example."""

import inspect
import re
from pathlib import Path

import pytest

import tutorial_lib as tl

API_PAGE = Path(__file__).resolve().parents[2] / "book" / "api.md"


def _documented_names() -> set[str]:
    """Names listed in the page's automodule ``:members:`` options."""
    text = API_PAGE.read_text()
    names = set()
    for members in re.findall(r"^\s*:members:\s*(.+)$", text, flags=re.M):
        names.update(name.strip() for name in members.split(","))
    return names


@pytest.mark.parametrize("name", tl.__all__)
def test_every_public_name_is_on_the_api_page(name):
    assert name in _documented_names(), f"add {name} to a :members: list in book/api.md"


@pytest.mark.parametrize("name", [n for n in tl.__all__ if callable(getattr(tl, n))])
def test_every_public_function_and_class_has_a_runnable_example(name):
    doc = inspect.getdoc(getattr(tl, name)) or ""
    assert re.search(r"^Examples\n-{8}$", doc, flags=re.M), (
        f"{name}'s docstring has no Examples section"
    )
    assert ">>> " in doc, f"{name}'s Examples section has no doctest"


def test_api_page_lists_only_real_names():
    for name in _documented_names():
        assert hasattr(tl, name), (
            f"book/api.md documents {name}, which tutorial_lib does not export"
        )
