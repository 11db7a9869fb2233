"""Fixed-point numbers: how indicator values are stored.

Values are integers, ``SCALE`` units per 1.0, so that the contributions in a
trace add up to a change exactly and a game's log is the same bytes on every
machine. This module imports nothing, so the app can use it without loading
the engine.
"""

from __future__ import annotations

import math

SCALE = 10_000
# The largest magnitude an indicator value, bound or threshold may have. Python's
# integers do not overflow, but ``x * SCALE`` is a float first (inf above ~1.8e304),
# and a limit well inside 64 bits keeps sums of contributions exact anywhere. The
# loader checks scenarios against it, with positions; see ``in_fixed_range``.
FIXED_LIMIT = 1e12


def to_fixed(x: float) -> int:
    return int(round(x * SCALE))


def in_fixed_range(x: float) -> bool:
    """Can ``x`` be an indicator value (finite, within ±FIXED_LIMIT)?"""
    return math.isfinite(x) and abs(x) <= FIXED_LIMIT


def to_float(n: int) -> float:
    return n / SCALE


def to_fixed_or_zero(x: float) -> int:
    """As :func:`to_fixed`, but an infinite or NaN amount (a formula gone wild) is no change,
    as a division by zero in a formula is 0: a zero beats a crash mid-game."""
    y = x * SCALE  # a huge finite amount can overflow here too
    return int(round(y)) if math.isfinite(y) else 0
