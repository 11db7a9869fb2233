"""English helpers: counts agree with their nouns, possessives of names ending in s, joins
without doubled separators. Domain code: no Textual."""

from __future__ import annotations

import subprocess
import sys

import pytest

from wargame.text import count, join, listing, plural, possessive


@pytest.mark.parametrize(("n", "word", "want"), [
    (0, "point", "0 points"),
    (1, "point", "1 point"),
    (2, "point", "2 points"),
    (1, "bookmark", "1 bookmark"),
    (3, "bookmark", "3 bookmarks"),
    (2, "policy", "2 policies"),
    (2, "day", "2 days"),
    (2, "tax", "2 taxes"),
    (2, "match", "2 matches"),
    (1.0, "point", "1 point"),
    (0.5, "point", "0.5 points"),
    (2.5, "point", "2.5 points"),
])
def test_count(n, word: str, want: str) -> None:
    assert count(n, word) == want


def test_count_with_an_irregular_plural() -> None:
    assert count(2, "person", "people") == "2 people"
    assert count(1, "person", "people") == "1 person"
    assert plural("this", 2) == "these" and plural("this", 1) == "this"


@pytest.mark.parametrize(("name", "want"), [
    ("United States", "United States'"),
    ("the United States", "the United States'"),
    ("China", "China's"),
    ("European Union", "European Union's"),
    ("Democratic Republic of the Congo", "Democratic Republic of the Congo's"),
    ("US", "US's"),
    ("China's", "China's"),
    ("", ""),
])
def test_possessive(name: str, want: str) -> None:
    assert possessive(name) == want


def test_join_skips_empty_parts_and_never_doubles_the_separator() -> None:
    assert join(["no answer", "", "NO DEAL"]) == "no answer · NO DEAL"
    assert join(["no answer ·", "· NO DEAL"]) == "no answer · NO DEAL"
    assert join([None, "a", "  ", "b"]) == "a · b"
    assert join([]) == ""
    assert join(["a", "b"], sep=", ") == "a, b"


def test_listing() -> None:
    assert listing([]) == ""
    assert listing(["China"]) == "China"
    assert listing(["China", "the EU"]) == "China and the EU"
    assert listing(["A", "B", "C"], "or") == "A, B or C"


def test_no_textual() -> None:
    code = "import sys, wargame.text; assert 'textual' not in sys.modules and 'rich' not in sys.modules"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
