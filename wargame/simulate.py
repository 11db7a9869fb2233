"""Headless games for analysis: one game's outcome, or distributions over many seeds.

The JSON shapes here are a contract (the README's "wargame simulate"): tests and users
depend on them. Each game is played by the round's flow (wargame.play), as in the app.
"""

from __future__ import annotations

import hashlib
import statistics
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from wargame.engine.orders import Script
from wargame.scenario.loader import LoadedScenario
from wargame.scenario.model import QUADRANTS

if TYPE_CHECKING:
    from wargame.engine.rules import Rules
    from wargame.saves.session import Session


def _short(ind: str) -> str:
    return ind.split(".", 1)[1]


def outcome(session: "Session") -> dict[str, Any]:
    """The one-game JSON object."""
    from wargame.batch.fingerprint import log_sha256

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
    # Each role against documented history (same scenario and seed, history's orders): the one
    # score that compares across roles. Absent when the scenario names no history file.
    from wargame.engine.baseline import vs_history

    vs = vs_history(rules, game.seed, scores)
    if vs is not None:
        for rid in roles:
            roles[rid]["vs_history"] = vs[rid]
    return {"scenario": s.id, "seed": game.seed, "rounds": game.state.round,
            "log_sha256": log_sha256(session.header, session.events), "sectors": sectors, "roles": roles,
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


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    if len(xs) == 1:
        return xs[0]
    k = (len(xs) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def run_many(loaded: LoadedScenario, seed: int, runs: int, script_data: dict[int, Any] | None,
             workers: int = 1, progress: Callable[[int], None] | None = None, cluster: str | None = None,
             results_path: str | None = None) -> dict[str, Any]:
    """Runs seed .. seed + runs - 1 in chunks (wargame.batch): in this process, on ``workers``
    local processes, or on the Dask scheduler at ``cluster``; the same result every way."""
    from wargame.batch import BatchSpec, run_batch

    spec = BatchSpec(loaded.canonical_text, seed, runs, script_data)
    results = run_batch(spec, workers=workers, cluster=cluster, progress=progress, results_path=results_path)
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
        vs = [r["roles"][rid]["vs_history"] for r in results if "vs_history" in r["roles"][rid]]
        if vs:  # score minus history's score, each run against history under its own seed
            roles[rid]["vs_history"] = {"mean": round(statistics.fmean(vs), 4), "p5": round(_pct(vs, 0.05), 4),
                                        "p50": round(_pct(vs, 0.5), 4), "p95": round(_pct(vs, 0.95), 4)}
    sectors = {}
    for sid in s.sectors:
        c = Counter(r["sectors"][sid]["quadrant"] for r in results)
        sectors[sid] = {"quadrants": {q: round(c[q] / n, 4) for q in QUADRANTS}}
    digest = hashlib.sha256("".join(r["log_sha256"] for r in results).encode()).hexdigest()
    return {"scenario": s.id, "seed": seed, "runs": n, "rounds": s.rounds, "runs_sha256": digest,
            "roles": roles, "sectors": sectors}
