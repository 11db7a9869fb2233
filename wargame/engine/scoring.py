"""Scoring: a quadrant per sector (CSIS ch. 1 axes) and a score per role."""

from __future__ import annotations

from collections.abc import Sequence

from wargame.engine.rules import SCALE, Rules


def quadrant(innovation_ok: bool, constructive: bool) -> str:
    """Kennedy's four outcomes from his two axes."""
    if innovation_ok:
        return "win-win" if constructive else "destructive-victory"
    return "harmless-failure" if constructive else "lose-lose"


def quadrants(rules: Rules, values: Sequence[int]) -> dict[str, str]:
    out = {}
    for sid, (ii, it, gi, gt) in rules.thresholds.items():
        out[sid] = quadrant(values[ii] >= it, values[gi] >= gt)
    return out


def utility(rules: Rules, values: Sequence[int], role: str) -> float:
    """A role's score in [0, 100]: weighted satisfaction of its objectives, each scaled by its bounds."""
    total = wsum = 0.0
    for o in rules.objectives[role]:
        lo, hi = rules.lo[o.slot], rules.hi[o.slot]
        x = (values[o.slot] - lo) / (hi - lo)
        if o.goal == "min":
            x = 1.0 - x
        elif o.goal == "target":
            # Never below 0, even for a target outside the bounds: a score stays in [0, 100].
            x = max(0.0, 1.0 - abs(values[o.slot] - (o.target or 0) * SCALE) / (hi - lo))
        total += o.weight * x
        wsum += o.weight
    return 100.0 * total / wsum


def scores(rules: Rules, values: Sequence[int]) -> dict[str, float]:
    return {r: utility(rules, values, r) for r in rules.roles}
