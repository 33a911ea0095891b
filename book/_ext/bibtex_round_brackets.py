"""Sphinx extension: author-year citations in round brackets, several joined by semicolons.

sphinxcontrib-bibtex's ``author_year`` style writes ``[Zhang et al., 2018, Yun et al., 2019]``;
the book reads better as ``(Zhang et al., 2018; Yun et al., 2019)`` and, for textual citations,
``Chan et al. (1979)``. The style is registered under the name ``author_year_round``, which
``bibtex_reference_style`` in ``_config.yml`` selects.
"""

from __future__ import annotations

import dataclasses

import sphinxcontrib.bibtex.plugin
from sphinxcontrib.bibtex.style.referencing import BracketStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle

NAME = "author_year_round"


def _round() -> BracketStyle:
    return BracketStyle(left="(", right=")", sep="; ")


@dataclasses.dataclass
class AuthorYearRoundReferenceStyle(AuthorYearReferenceStyle):
    """``author_year`` with round brackets and ``;`` between citations."""

    bracket_parenthetical: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_textual: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_author: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_label: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_year: BracketStyle = dataclasses.field(default_factory=_round)


def setup(app):
    sphinxcontrib.bibtex.plugin.register_plugin(
        "sphinxcontrib.bibtex.style.referencing", NAME, AuthorYearRoundReferenceStyle
    )
    return {"parallel_read_safe": True, "parallel_write_safe": True}
