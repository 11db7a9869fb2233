"""Headless games for analysis: one game's outcome, or distributions over many seeds.

The JSON shapes here are a contract (the README's "wargame simulate"): tests and users
depend on them. Each game is played by the round's flow (wargame.play), as in the app.
"""

from __future__ import annotations

import hashlib
import statistics
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

from wargame.engine.orders import Script, script_from_data
from wargame.scenario.loader import LoadedScenario, scenario_from_canonical
from wargame.scenario.model import QUADRANTS

if TYPE_CHECKING:
    from wargame.engine.rules import Rules
    from wargame.saves.session import Session


def _short(ind: str) -> str:
    return ind.split(".", 1)[1]


def outcome(session: "Session") -> dict[str, Any]:
    """The one-game JSON object."""
    from wargame.saves.log import log_bytes

    rules, game = session.rules, session.game
    s = rules.scenario
    quads = game.quadrants()
    scores = game.scores()
    sectors = {
        sid: {"quadrant": quads[sid],
              "indicators": {n: round(game.value(f"{sid}.{n}"), 4) for n in sec.indicators}}
        for sid, sec in s.sectors.items()
    }
    roles = {
        rid: {"score": round(scores[rid], 4),
              "indicators": {n: round(game.value(f"{rid}.{n}"), 4) for n in role.indicators}}
        for rid, role in s.roles.items()
    }
    for rid in roles:
        roles[rid]["spent"] = sum(tr.spent.get(rid, 0) for tr in game.traces)
    overrides = [{"round": o.after_round, "indicator": o.indicator, "model": round(o.model_value, 4),
                  "value": round(o.value, 4), "reason": o.reason} for o in game.overrides]
    log = log_bytes(session.header, session.events)
    return {"scenario": s.id, "seed": game.seed, "rounds": game.state.round,
            "log_sha256": hashlib.sha256(log).hexdigest(), "sectors": sectors, "roles": roles,
            "overrides": overrides}


def run_one(loaded: LoadedScenario, seed: int, script: Script | None, save: str | None = None,
            rules: "Rules | None" = None) -> dict[str, Any]:
    from wargame.play.headless import play_session

    session = play_session(loaded, seed, script, save, rules)
    out = outcome(session)
    # What each role played, for strategy analysis over many runs.
    played: dict[str, list[str]] = {r: [] for r in session.rules.roles}
    for tr in session.game.traces:
        for res in tr.orders:
            if res.accepted and res.order.kind == "play":
                played[res.order.role].append(res.order.move)
    out["_played"] = played
    return out


def _worker(args: tuple[dict[str, Any], list[int], dict[int, dict[str, list[Any]]] | None]) -> list[dict[str, Any]]:
    canonical, seeds, script_data = args
    loaded = scenario_from_canonical(canonical)
    script = script_from_data(loaded.scenario, script_data) if script_data is not None else None
    from wargame.engine.rules import Rules

    rules = Rules(loaded)  # compiled once per batch of seeds
    return [run_one(loaded, seed, script, rules=rules) for seed in seeds]


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    if len(xs) == 1:
        return xs[0]
    k = (len(xs) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def run_many(loaded: LoadedScenario, seed: int, runs: int, script_data: dict[int, Any] | None,
             workers: int = 1, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    seeds = list(range(seed, seed + runs))
    chunks = [seeds[i:i + 10] for i in range(0, len(seeds), 10)]
    results: list[dict[str, Any]] = []
    jobs = [(loaded.canonical, c, script_data) for c in chunks]
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for batch in pool.map(_worker, jobs):
                results.extend(batch)
                if progress:
                    progress(len(batch))
    else:
        for job in jobs:
            batch = _worker(job)
            results.extend(batch)
            if progress:
                progress(len(batch))
    return aggregate(loaded, seed, results)


def aggregate(loaded: LoadedScenario, seed: int, results: list[dict[str, Any]]) -> dict[str, Any]:
    s = loaded.scenario
    n = len(results)
    roles: dict[str, Any] = {}
    for rid in s.roles:
        xs = [r["roles"][rid]["score"] for r in results]
        moves: dict[str, Any] = {}
        for mid, m in s.moves.items():
            if m.role != rid:
                continue
            with_ = [r["roles"][rid]["score"] for r in results if mid in r["_played"][rid]]
            without = [r["roles"][rid]["score"] for r in results if mid not in r["_played"][rid]]
            moves[mid] = {"played_in": round(len(with_) / n, 4),
                          "mean_score_when_played": round(statistics.fmean(with_), 4) if with_ else None,
                          "mean_score_otherwise": round(statistics.fmean(without), 4) if without else None}
        strategies = Counter(tuple(sorted(set(r["_played"][rid]))) for r in results)
        top = []
        for combo, count in strategies.most_common(5):
            sc = [r["roles"][rid]["score"] for r in results if tuple(sorted(set(r["_played"][rid]))) == combo]
            top.append({"moves": list(combo), "runs": count, "mean_score": round(statistics.fmean(sc), 4)})
        roles[rid] = {"score": {"mean": round(statistics.fmean(xs), 4), "p5": round(_pct(xs, 0.05), 4),
                                "p50": round(_pct(xs, 0.5), 4), "p95": round(_pct(xs, 0.95), 4),
                                "min": round(min(xs), 4), "max": round(max(xs), 4)},
                      "moves": moves, "strategies": top}
    sectors = {}
    for sid in s.sectors:
        c = Counter(r["sectors"][sid]["quadrant"] for r in results)
        sectors[sid] = {"quadrants": {q: round(c[q] / n, 4) for q in QUADRANTS}}
    digest = hashlib.sha256("".join(r["log_sha256"] for r in results).encode()).hexdigest()
    return {"scenario": s.id, "seed": seed, "runs": n, "rounds": s.rounds, "runs_sha256": digest,
            "roles": roles, "sectors": sectors}
