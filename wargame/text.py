"""English for counts, names and joined phrases, in one place for every screen and report.

Plain Python (no Textual, no Rich): the app, the replay viewer, the report and the CLI all
say "1 bookmark", "3 rounds", "the United States' orders" the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

# Plurals that do not just add "s" (only words the game's own text uses).
_IRREGULAR = {"this": "these", "is": "are", "was": "were", "has": "have"}


def plural(word: str, count: int | float) -> str:
    """``word`` in the form that goes with ``count``: "round" for 1, "rounds" for 0 or 2.

    Regular English endings: "-y" after a consonant becomes "-ies" (policy, policies), a
    word ending in s, x, z, ch or sh takes "-es". ``1.0`` counts as one; ``0.5`` does not.
    """
    if count == 1:
        return word
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    lower = word.lower()
    if lower.endswith("y") and len(word) > 1 and lower[-2] not in "aeiou":
        return word[:-1] + "ies"
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def count(n: int | float, word: str, plural_form: str | None = None) -> str:
    """"1 point", "0 points", "2 policies": a number and the noun that agrees with it.

    ``plural_form`` for a noun the rules in :func:`plural` get wrong ("1 person", "2 people").
    """
    shown = f"{n:g}" if isinstance(n, float) else str(n)
    noun = word if n == 1 else (plural_form or plural(word, n))
    return f"{shown} {noun}"


def possessive(name: str) -> str:
    """"China's", "the United States'", "the Democratic Republic of the Congo's".

    A name ending in a lower-case "s" takes a bare apostrophe, as style guides do for
    names plural in form (the United States', the Netherlands'); one already possessive
    is left alone. The check is case-sensitive so that a code such as "US" gives "US's".
    """
    if not name:
        return name
    if name.endswith(("'s", "’s", "'", "’")):
        return name
    if name.endswith("s"):
        return name + "'"
    return name + "'s"


SEP = " · "


def join(parts: Iterable[str | None], sep: str = SEP) -> str:
    """Join the non-empty parts with ``sep``: no doubled separator where a part is missing.

    Each part is stripped of the separator's own characters at its ends first, so a part
    that already ends in " ·" does not give "a · · b".
    """
    mark = sep.strip()
    cleaned: list[str] = []
    for p in parts:
        if p is None:
            continue
        s = p.strip()
        if mark:
            while s.startswith(mark):
                s = s[len(mark):].strip()
            while s.endswith(mark):
                s = s[: -len(mark)].strip()
        if s:
            cleaned.append(s)
    return sep.join(cleaned)


def listing(items: Iterable[str], conjunction: str = "and") -> str:
    """"A", "A and B", "A, B and C" (no serial comma, as the game's text is written)."""
    xs = [i for i in items if i]
    if len(xs) <= 1:
        return "".join(xs)
    return f"{', '.join(xs[:-1])} {conjunction} {xs[-1]}"
