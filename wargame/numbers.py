"""Numbers as people read them: one home for the formatting the report, the app,
the evidence index and the save checker all use.

Float helpers take a value already in its unit; the fixed-point helpers take the
engine's integers (``SCALE`` per unit) and print them exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from wargame.fixed import SCALE

SPARK = "▁▂▃▄▅▆▇█"


def readable(x: float | None) -> str:
    """Thousands separated, a sensible number of decimals: 30,000 / 41.5 / 2.25 / 0.125."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    a = abs(x)
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 10:
        return f"{x:.1f}"
    if a >= 1 or a == 0:
        return f"{x:.2f}".rstrip("0").rstrip(".")
    return f"{x:.3g}"


def compact(value: float) -> str:
    """As :func:`readable`, but at most two decimals below 10 (the app's narrow columns): 0.25, not 0.253."""
    a = abs(value)
    if a >= 1000:
        return f"{value:,.0f}"
    if a >= 10:
        return f"{value:.1f}"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def signed(x: float) -> str:
    """:func:`readable` with an explicit sign: +2.5, -0.4, 0."""
    s = readable(x)
    return s if s.startswith("-") or s == "0" else "+" + s


def negligible(x: float) -> bool:
    """Whether a change shows as 0 in the app (:func:`compact` rounds it away): it gets no sign,
    no arrow and no colour, not "▲ +0"."""
    return compact(abs(x)) == "0"


def delta(x: float) -> str:
    """A change for the app: +2.5 / −0.4 (a true minus sign) / 0."""
    if negligible(x):
        return "0"
    return ("+" if x > 0 else "−") + compact(abs(x))


def points(x: float, sign: bool = False) -> str:
    """A score (0-100) or a change in one, always to one decimal: 51.3, +7.5, -0.4."""
    return f"{x:+.1f}" if sign else f"{x:.1f}"


def with_unit(text: str, unit: str) -> str:
    """A formatted number and its unit: '41.5' (index), '12%', '30,000 USD/t'."""
    if unit in ("", "index"):
        return text
    if unit == "%":
        return f"{text}%"
    return f"{text} {unit}"


def readable_unit(x: float, unit: str) -> str:
    return with_unit(readable(x), unit)


def plain(x: Any) -> str:
    """A number as Python's ``g`` prints it (for ids and messages), anything else as its repr."""
    return f"{x:g}" if isinstance(x, int | float) and not isinstance(x, bool) else repr(x)


def plus(x: float) -> str:
    """``+0.3``, ``-2``: a change as written in a scenario file."""
    return f"{x:+g}"


def row_format(values: Sequence[float]) -> Callable[[float], str]:
    """One format for a whole row, so that a series reads evenly (9.00, 9.34, 10.02)."""
    top = max((abs(v) for v in values), default=0.0)
    if top >= 1000:
        return lambda v: f"{v:,.0f}"
    if top >= 10:
        return lambda v: f"{v:.1f}"
    if top >= 0.1 or top == 0:
        return lambda v: f"{v:.2f}"
    return lambda v: f"{v:.3g}"


def spark(values: Sequence[float]) -> str:
    """A sparkline of a series' shape within its own range."""
    if not values:
        return ""
    lo, hi = min(values), max(values)
    if hi - lo < 1e-12:
        return SPARK[3] * len(values)
    return "".join(SPARK[min(7, int((v - lo) / (hi - lo) * 7 + 0.5))] for v in values)


def percent(share: float) -> str:
    """A frequency as a whole percentage: 0.375 -> '38%'."""
    return f"{100 * share:.0f}%"


# --- fixed point (the engine's integers) --------------------------------------------

def places(fixed: Sequence[int], least: int = 1) -> int:
    """Decimal places needed to print every fixed-point amount exactly (at least ``least``)."""
    digits = len(str(SCALE)) - 1
    need = least
    for n in fixed:
        n = abs(n)
        d = digits
        while d > need and n % 10 == 0:
            n //= 10
            d -= 1
        need = max(need, d)
    return need


def fmt_fixed(n: int, nplaces: int, sign: bool = True) -> str:
    """A fixed-point amount at ``nplaces`` decimals, exact when ``nplaces`` >= :func:`places`."""
    digits = len(str(SCALE)) - 1
    whole, frac = divmod(abs(n), SCALE)
    body = f"{whole:,}" + (f".{f'{frac:0{digits}d}'[:nplaces]}" if nplaces else "")
    if n < 0:
        return "-" + body
    return ("+" + body) if sign and n > 0 else body


def fmt_amount(n: int, nplaces: int, unit: str = "", sign: bool = True) -> str:
    return with_unit(fmt_fixed(n, nplaces, sign), unit)
