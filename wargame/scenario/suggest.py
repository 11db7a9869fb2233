"""Did-you-mean suggestions for misspelt keys and ids."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def _distance(a: str, b: str, limit: int) -> int:
    """Edit distance (insert, delete, substitute, swap two neighbours), giving up past ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice most like ``word``, or None when nothing is close.

    Short ids ('cn', 'us') are too short for a similarity ratio, so a choice one
    typing slip away (one letter wrong, missing, extra or two letters swapped)
    also counts, as does a difference of case alone.
    """
    pool = [c for c in dict.fromkeys(str(c) for c in choices) if c != word]
    if not pool or not word:
        return None
    lowered = {c.lower(): c for c in pool}
    if word.lower() in lowered:
        return lowered[word.lower()]
    found = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if found:
        return found[0]
    limit = 1 if len(word) <= 5 else 2
    best = min(pool, key=lambda c: (_distance(word, c, limit), c))
    return best if _distance(word, best, limit) <= limit and len(best) > 1 else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' or '' when nothing is close."""
    best = closest(word, choices)
    return f" (did you mean {best!r}?)" if best else ""


def hint(word: str, choices: Iterable[str], label: str = "known", limit: int = 12) -> str:
    """A did-you-mean, or when nothing is close, the list of choices (if short enough to read)."""
    pool = sorted(dict.fromkeys(str(c) for c in choices))
    best = closest(word, pool)
    if best:
        return f" (did you mean {best!r}?)"
    if not pool:
        return f" (there are no {label} ids)" if label != "known" else ""
    if len(pool) <= limit:
        return f" ({label}: {', '.join(pool)})"
    return ""
