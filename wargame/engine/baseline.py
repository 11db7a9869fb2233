"""Documented history as the baseline: what a role's score means next to what really happened.

Role scores measure each role against its own objectives, so one role's 57 and another's 48
cannot be compared. What can be compared is each role with itself under documented history:
the same scenario, the same seed, with the orders the sources record (the file the scenario
names in ``history``). ``vs_history`` is a role's score minus that baseline's: positive means
the role did better for itself than history did, whatever the other roles did. Played with the
history orders themselves it is 0 for every role.

The history file is also held to a stricter standard than other orders files: every order in
it must cite the facts that record it (``cites:``), and every cited fact must exist.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wargame.engine.game import play_script
from wargame.engine.orders import Script, load_script
from wargame.engine.rules import Rules

# (scenario sha256, seed) -> history's scores. History orders are fixed, so the baseline of a
# scenario and seed never changes; a batch of many games asks for it once per seed.
_CACHE: dict[tuple[str, int], dict[str, float]] = {}
_SCRIPTS: dict[str, Script | None] = {}


def history_path(loaded: Any) -> Path | None:
    """The history orders file the scenario names, or None (no field, or a scenario from a save)."""
    rel = loaded.scenario.history
    if not rel:
        return None
    base = loaded.path.parent if loaded.path is not None else None
    if base is None:
        from wargame.scenario.catalog import find_scenario

        try:  # a scenario rebuilt from a save: look for the shipped scenario of the same id
            base = find_scenario(loaded.scenario.id).parent
        except Exception:  # noqa: BLE001 - no shipped copy: no baseline
            return None
    p = base / rel
    return p if p.is_file() else None


def load_history(loaded: Any) -> Script | None:
    p = history_path(loaded)
    return load_script(loaded.scenario, p) if p is not None else None


def history_problems(loaded: Any) -> list[str]:
    """Why the scenario's history file falls short: missing file, an order without cites, an unknown fact."""
    s = loaded.scenario
    if not s.history:
        return []
    p = history_path(loaded)
    if p is None:
        return [f"history: orders file {s.history!r} not found"]
    script = load_script(s, p)
    facts = loaded.evidence.facts if loaded.evidence is not None else None
    out: list[str] = []
    for rnd in sorted(script.rounds):
        for role, orders in script.rounds[rnd].items():
            for i, o in enumerate(orders):
                cites = script.cites.get((rnd, role, i), ())
                label = f"{s.history}: round {rnd} ({s.round_label(rnd)}), {role}, {o.move}"
                if not cites:
                    out.append(f"{label}: no cites (history orders must cite the facts that record them)")
                for fid in cites:
                    if facts is not None and fid not in facts:
                        out.append(f"{label}: citation {fid!r} is not a fact in the evidence base")
    return out


def history_scores(rules: Rules, seed: int) -> dict[str, float] | None:
    """Each role's final score when the history orders are played with this seed (None: no history)."""
    loaded = rules.loaded
    key = (loaded.sha256, seed)
    if key not in _CACHE:
        # The parsed history orders are kept per scenario too: a batch asks once per seed,
        # and parsing the file each time cost more than playing the game.
        if loaded.sha256 not in _SCRIPTS:
            _SCRIPTS[loaded.sha256] = load_history(loaded)
        script = _SCRIPTS[loaded.sha256]
        if script is None:
            return None
        _CACHE[key] = play_script(rules, seed, script).scores()
    return dict(_CACHE[key])


def vs_history(rules: Rules, seed: int, scores: dict[str, float]) -> dict[str, float] | None:
    """Each role's score minus its score under documented history, same scenario and seed."""
    base = history_scores(rules, seed)
    if base is None:
        return None
    return {r: round(scores[r] - base[r], 4) for r in scores}


def ranking(vs: dict[str, float]) -> list[tuple[str, float]]:
    """Roles ordered by how far each did better for itself than history did (ties by id)."""
    return sorted(vs.items(), key=lambda kv: (-kv[1], kv[0]))
