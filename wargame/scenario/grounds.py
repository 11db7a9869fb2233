"""What a scenario's magnitudes stand on: every effect and rule with its basis.

Used by ``validate --report`` (counts, and which magnitudes each expectation was calibrated
to) and by the tests that hold the default scenario to grounding every magnitude.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterator

from wargame.scenario.model import Effect, Rule, Scenario
from wargame.scenario.yamlsafe import Path_, format_path


def magnitudes(s: Scenario) -> Iterator[tuple[Path_, Effect | Rule]]:
    """Every effect (moves, policies, deals' renegotiated terms, events) and rule, with its path."""
    for mid, m in s.moves.items():
        for i, e in enumerate(m.effects):
            yield ("moves", mid, "effects", i), e
        for i, e in enumerate(m.policy.ongoing if m.policy else []):
            yield ("moves", mid, "policy", "ongoing", i), e
        for i, e in enumerate((m.deal.renegotiated or []) if m.deal else []):
            yield ("moves", mid, "deal", "renegotiated", i), e
    for eid, ev in s.events.items():
        for i, e in enumerate(ev.effects):
            yield ("events", eid, "effects", i), e
    for rid, r in s.dynamics.items():
        yield ("dynamics", rid), r


def ground_counts(s: Scenario) -> Counter[str]:
    """How many magnitudes rest on a figure, an outcome, an assumption, or nothing ('none')."""
    return Counter(m.basis.kind if m.basis is not None else "none" for _, m in magnitudes(s))


def calibrated_to(s: Scenario) -> dict[str, list[str]]:
    """Expectation id -> the paths of the magnitudes whose basis names it as their outcome."""
    out: dict[str, list[str]] = {}
    for path, m in magnitudes(s):
        if m.basis is not None and m.basis.kind == "outcome":
            for eid in m.basis.refs:
                out.setdefault(eid, []).append(format_path(path))
    return out
