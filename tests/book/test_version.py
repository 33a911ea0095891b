"""One version for the package and the book: pyproject, tutorial_lib, _config, intro, CHANGELOG."""

import re
import tomllib
from pathlib import Path

import yaml

import tutorial_lib

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_the_package_has_the_projects_version():
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION)
    assert tutorial_lib.__version__ == VERSION


def test_the_book_has_the_projects_version():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]
    assert config["version"] == config["release"] == VERSION
    intro = (ROOT / "book" / "intro.md").read_text()
    assert f"This is version {VERSION} of the book and of `tutorial_lib`" in intro


def test_the_changelog_starts_with_this_version_and_lists_each_once():
    versions = re.findall(r"^## (\d+\.\d+\.\d+)$", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert versions[0] == VERSION, "add this version's section at the top of CHANGELOG.md"
    assert len(set(versions)) == len(versions) and "0.1.0" in versions
    as_tuples = [tuple(int(p) for p in v.split(".")) for v in versions]
    assert as_tuples == sorted(as_tuples, reverse=True), "newest version first"
