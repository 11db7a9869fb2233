"""Compare branches of a saved game: fork at a round, play on many times, and say
what differs and why.

From the state at the start of round ``at`` in a save, each run plays the rest
of the game once per branch:

* **as played**: the save's own orders for the roles that were not bots (people
  or a script) and the facilitator's injects; the roles that were bots choose
  again, as bots do;
* **a named branch**: an orders file; in each round it lists a role for (an
  empty list means no orders), that role follows it; in every round and for
  every role it leaves out, the branch does what "as played" does.

Each branch is played by the round's flow (:class:`wargame.play.flow.Flow`, started from
the save's state at ``at``), as ``simulate`` and the app play a game: bots negotiate at the
table before they choose their orders, and scripted or played deals are offered and answered
there.

Runs differ by seed (``seed``, ``seed + 1``, ...), which drives chance events and
the bots. Every branch of run *k* uses the same seed, so the branches meet the
same luck and a difference between them is the branches' doing (common random
numbers): "as played" against itself differs by exactly nothing, and deltas
are paired, run by run. The facilitator's overrides after ``at`` are rulings on
a particular state, so they are not replayed; those before ``at`` are in the
starting state.

**Attribution.** Every change of every indicator is a sum of contributions
(moves, policies, deals, events, rules, bounds) in the round traces. For an
indicator, the difference between a branch and "as played" is, run by run,
the difference of those sums grouped by source; its mean over runs, by source,
adds up exactly to the mean difference of the indicator's final value.

Runs go through :func:`wargame.batch.run_batch` (one process, local loky
workers, or a Dask cluster) with :func:`run_seed` as the runner; run ``i`` plays
seed ``seed + i`` and results come back in run order, so the comparison is the
same, byte for byte, whatever ran it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wargame.engine.orders import Order, Script, ScriptedAction
from wargame.fixed import SCALE
from wargame.play.phases import Control
from wargame.scenario.model import QUADRANTS

AS_PLAYED = "as played"
CHUNK = 10  # runs per chunk of the batch
TOP_INDICATORS = 5  # indicators attributed per branch
TOP_SOURCES = 8  # sources listed per indicator before the rest are summed as "other"
Z95 = 1.959963984540054


class CompareError(ValueError):
    """A comparison that cannot be run as asked (a round outside the save, an unknown role...)."""


@dataclass(frozen=True)
class Branch:
    """Orders by round for the roles a branch changes; None for "as played"."""

    name: str
    script: Script | None


Orders = dict[int, dict[str, tuple[Order, ...]]]


@dataclass(frozen=True)
class Plan:
    """Everything the runs need: the scenario, the start, and each branch's orders."""

    canonical_text: str
    start: Any  # State at the start of round ``at``
    at: int
    seats: dict[str, str]
    played: dict[int, tuple[Order, ...]]  # round -> the save's orders (every role)
    injects: dict[int, tuple[str, ...]]
    branches: tuple[tuple[str, Orders | None], ...]
    history: Script | None = None  # documented history's orders (the scores' baseline), if the scenario has them

    def options(self) -> dict[str, Any]:
        """The plan as JSON (the batch runner's options travel to workers and results files as JSON)."""
        def orders(o: Orders | None) -> dict[str, dict[str, list[Any]]] | None:
            if o is None:
                return None
            return {str(r): {role: [x.to_json() for x in xs] for role, xs in by.items()} for r, by in o.items()}

        return {"start": self.start.to_json(), "at": self.at, "seats": self.seats,
                "played": {str(r): [[o.role, o.to_json()] for o in xs] for r, xs in self.played.items()},
                "injects": {str(r): list(xs) for r, xs in self.injects.items()},
                "branches": [[name, orders(o)] for name, o in self.branches],
                "history": _orders_json(self.history)}


def plan_from_session(session: Any, at: int, branches: list[Branch]) -> Plan:
    """Fix the starting state and the orders of every branch from a game (a replayed save or one in play)."""
    game = session.game
    rules = game.rules
    s = rules.scenario
    resolved = game.state.round
    if not 1 <= at <= min(resolved + 1, s.rounds):
        raise CompareError(f"--at {at}: the save can be compared from round 1 to {min(resolved + 1, s.rounds)}")
    names = [b.name for b in branches]
    if len(set(names)) != len(names) or AS_PLAYED in names:
        raise CompareError(f"branch names must be unique and not {AS_PLAYED!r}")
    played = {r: tuple(game.orders[r - 1]) for r in range(at, resolved + 1)}
    injects = {r: tuple(game.injects[r - 1]) for r in range(at, resolved + 1)}
    seats = {r: str((session.header.get("seats") or {}).get(r, "human")) for r in rules.roles}
    out: list[tuple[str, Orders | None]] = []
    for b in [Branch(AS_PLAYED, None), *branches]:
        if b.script is None:
            out.append((b.name, None))
            continue
        early = sorted(r for r in b.script.rounds if r < at and any(b.script.rounds[r].values()))
        if early:
            raise CompareError(f"branch {b.name!r}: orders for round {early[0]}, before --at {at}; "
                               "a branch changes what happens from --at on")
        out.append((b.name, {r: dict(by) for r, by in b.script.rounds.items()}))
    return Plan(session.loaded.canonical_text, game.states[at - 1], at, seats, played, injects, tuple(out),
                _history(session.loaded))


def _history(loaded: Any) -> Script | None:
    """The history orders the scenario names, found here, where the comparison is asked for."""
    from wargame.engine.baseline import load_history
    from wargame.scenario.yamlsafe import InputError

    try:
        return load_history(loaded)
    except (OSError, ValueError, InputError):  # an unreadable or invalid history file: no baseline, as with none
        return None


def _state(data: dict[str, Any]) -> Any:
    from wargame.engine.state import Pending, PolicyInForce, State

    return State(data["round"], tuple(data["values"]), tuple(PolicyInForce(*p) for p in data["policies"]),
                 tuple(Pending(*p) for p in data["pending"]), frozenset(data["used"]), frozenset(data["fired"]))


# --- one run ------------------------------------------------------------------------

def _branch_script(rules: Any, start: Any, seats: dict[str, str], played: dict[int, tuple[Order, ...]],
                   injects: dict[int, tuple[str, ...]], orders_of: Orders | None
                   ) -> tuple[Script, dict[int, dict[str, Control]]]:
    """A branch as the round's flow plays it: one script of every order that is not a bot's
    (the branch's own, else the save's for the roles that were not bots), the save's injects
    as scripted facilitator actions, and, round by round, which roles follow the script and
    which are bots."""
    rounds: dict[int, dict[str, tuple[Order, ...]]] = {}
    schedule: dict[int, dict[str, Control]] = {}
    for rnd in range(start.round + 1, rules.scenario.rounds + 1):
        by: dict[str, Control] = {}
        for role in rules.roles:
            if orders_of is not None and role in orders_of.get(rnd, {}):
                rounds.setdefault(rnd, {})[role] = tuple(orders_of[rnd][role])
                by[role] = "script"
            elif seats.get(role) != "bot" and rnd in played:
                rounds.setdefault(rnd, {})[role] = tuple(o for o in played[rnd] if o.role == role)
                by[role] = "script"
            else:
                by[role] = "bot"
        schedule[rnd] = by
    facilitator = {rnd: tuple(ScriptedAction("inject", event=e) for e in evs) for rnd, evs in injects.items() if evs}
    roles = frozenset(r for by in rounds.values() for r in by)
    return Script(rounds, roles, facilitator), schedule


def _play_branch(rules: Any, start: Any, seats: dict[str, str], played: dict[int, tuple[Order, ...]],
                 injects: dict[int, tuple[str, ...]], seed: int, orders_of: Orders | None) -> dict[str, Any]:
    """One branch to the end through the round's flow, as simulate and the app play a game
    (bots negotiate at the table and choose orders; scripted roles' deals are offered and
    answered there)."""
    from wargame.play.flow import Flow
    from wargame.play.headless import run

    script, schedule = _branch_script(rules, start, seats, played, injects, orders_of)
    flow = Flow.from_state(rules.loaded, start, seed, {r: "bot" for r in rules.roles}, script, rules, schedule)
    game = run(flow).game
    sums: dict[tuple[str, str, str], int] = {}
    for tr in game.traces:
        for c in tr.contributions:
            kind = "move" if c.kind in ("move", "policy", "deal") else c.kind
            key = (c.indicator, kind, c.source or kind)
            sums[key] = sums.get(key, 0) + c.amount
    return {"scores": game.scores(), "quadrants": game.quadrants(), "values": list(game.state.values),
            "sums": [[ind, kind, src, amt] for (ind, kind, src), amt in sorted(sums.items())]}


def _orders_json(script: Script | None) -> dict[str, dict[str, list[Any]]] | None:
    if script is None:
        return None
    return {str(r): {role: [o.to_json() for o in xs] for role, xs in by.items()} for r, by in script.rounds.items()}


_HISTORY: dict[str, tuple[Any, Script]] = {}  # the history orders, parsed once per worker and plan


def _history_scores(rules: Any, seed: int, history: dict[str, dict[str, list[Any]]]) -> dict[str, float]:
    """Scores under documented history with this seed. The orders come with the plan (found
    once, where the comparison was asked for), so a worker's answer never depends on its own
    working folder or on what an earlier batch left in its caches."""
    import hashlib
    import json

    from wargame.engine.game import play_script
    from wargame.engine.orders import script_from_data

    key = hashlib.sha256((rules.loaded.sha256 + json.dumps(history, sort_keys=True)).encode()).hexdigest()
    hit = _HISTORY.get(key)
    if hit is None or hit[0] is not rules:
        _HISTORY.clear()
        hit = _HISTORY[key] = (rules, script_from_data(rules.scenario, {int(r): by for r, by in history.items()}))
    return play_script(rules, seed, hit[1]).scores()


def run_seed(loaded: Any, seed: int, script: Any, *, rules: Any, start: dict[str, Any], at: int,
             seats: dict[str, str], played: dict[str, list[Any]], injects: dict[str, list[str]],
             branches: list[list[Any]], history: dict[str, dict[str, list[Any]]] | None = None) -> dict[str, Any]:
    """One run: every branch played to the end with ``seed`` (the batch runner calls this per seed)."""
    from wargame.engine.orders import parse_order

    s = loaded.scenario
    state = _state(start)
    played_o = {int(r): tuple(parse_order(s, role, spec) for role, spec in xs) for r, xs in played.items()}
    injects_t = {int(r): tuple(xs) for r, xs in injects.items()}
    base = _history_scores(rules, seed, history) if history is not None else None
    per: dict[str, Any] = {}
    for name, orders in branches:
        orders_of = None if orders is None else {
            int(r): {role: tuple(parse_order(s, role, spec) for spec in specs) for role, specs in by.items()}
            for r, by in orders.items()}
        res = _play_branch(rules, state, seats, played_o, injects_t, seed, orders_of)
        res["vs_history"] = None if base is None else {r: round(res["scores"][r] - base[r], 4) for r in res["scores"]}
        per[name] = res
    return {"seed": seed, "branches": per}


def run_runs(plan: Plan, seed: int, runs: int, workers: int = 1, cluster: str | None = None,
             progress: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
    """Every run's results in seed order, on wargame.batch's runner (one process, local workers or Dask):
    the same results whichever way they ran."""
    from wargame.batch import BatchSpec, run_batch

    spec = BatchSpec(scenario=plan.canonical_text, seed=seed, runs=runs, script=None,
                     runner="wargame.batch.compare:run_seed", options=plan.options(), chunk=CHUNK)
    try:
        return run_batch(spec, workers=workers, cluster=cluster, progress=progress)
    except RuntimeError as exc:  # no Dask installed
        raise CompareError(str(exc)) from None


# --- statistics ---------------------------------------------------------------------

def pct(xs: list[float], p: float) -> float:
    """The p-th quantile, linear between order statistics (as numpy's default)."""
    xs = sorted(xs)
    if len(xs) == 1:
        return xs[0]
    k = (len(xs) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def dist(xs: list[float]) -> dict[str, float]:
    return {"mean": round(statistics.fmean(xs), 4), "p5": round(pct(xs, 0.05), 4),
            "p50": round(pct(xs, 0.5), 4), "p95": round(pct(xs, 0.95), 4)}


def interval(diffs: list[float]) -> dict[str, float]:
    """Mean of paired differences and its 95% interval (normal approximation; exact 0 when all are 0)."""
    m = statistics.fmean(diffs)
    sd = statistics.stdev(diffs) if len(diffs) > 1 else 0.0
    half = Z95 * sd / math.sqrt(len(diffs)) if len(diffs) > 1 else 0.0
    return {"mean": round(m, 4), "lo": round(m - half, 4), "hi": round(m + half, 4)}


def aggregate(rules: Any, save: str, at: int, results: list[dict[str, Any]], names: list[str]) -> dict[str, Any]:
    s = rules.scenario
    n = len(results)
    base = [r["branches"][AS_PLAYED] for r in results]
    branches = []
    for name in names:
        runs = [r["branches"][name] for r in results]
        roles: dict[str, Any] = {}
        for rid in s.roles:
            xs = [x["scores"][rid] for x in runs]
            entry: dict[str, Any] = {"score": dist(xs)}
            vs = [x["vs_history"][rid] for x in runs if x["vs_history"] is not None]
            if len(vs) == n:
                entry["vs_history"] = dist(vs)
            entry["delta"] = interval([x["scores"][rid] - y["scores"][rid] for x, y in zip(runs, base)])
            roles[rid] = entry
        sectors = {}
        for sid in s.sectors:
            counts = {q: 0 for q in QUADRANTS}
            for x in runs:
                counts[x["quadrants"][sid]] += 1
            sectors[sid] = {"quadrants": {q: round(c / n, 4) for q, c in counts.items()}}
        attribution, indicators = _attribution(rules, runs, base)
        branches.append({"name": name, "roles": roles, "sectors": sectors, "attribution": attribution,
                         "indicators": indicators})
    return {"save": save, "at": at, "runs": n, "branches": branches}


def _attribution(rules: Any, runs: list[dict[str, Any]], base: list[dict[str, Any]]
                 ) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """For the indicators that differ most (mean difference relative to the indicator's range), the mean
    over runs of the difference of contributions, by source; it sums to the mean difference."""
    n = len(runs)
    diffs = []
    for k, ind in enumerate(rules.ids):
        total = sum(x["values"][k] - y["values"][k] for x, y in zip(runs, base))
        if total:
            span = rules.hi[k] - rules.lo[k]
            diffs.append((-abs(total) / n / span, ind, k))
    diffs.sort()
    attribution: dict[str, list[dict[str, Any]]] = {}
    indicators: dict[str, Any] = {}
    for _, ind, k in diffs[:TOP_INDICATORS]:
        by: dict[tuple[str, str], int] = {}
        for x, y in zip(runs, base):
            for i2, kind, source, amt in x["sums"]:
                if i2 == ind:
                    by[(kind, source)] = by.get((kind, source), 0) + amt
            for i2, kind, source, amt in y["sums"]:
                if i2 == ind:
                    by[(kind, source)] = by.get((kind, source), 0) - amt
        ranked = sorted(((v, key) for key, v in by.items() if v), key=lambda t: (-abs(t[0]), t[1]))
        rows = [{"source": src, "kind": kind, "mean": round(v / n / SCALE, 4)} for v, (kind, src) in ranked[:TOP_SOURCES]]
        rest = sum(v for v, _ in ranked[TOP_SOURCES:])
        if rest:
            rows.append({"source": "other", "kind": "other", "mean": round(rest / n / SCALE, 4)})
        attribution[ind] = rows
        per_run = [(x["values"][k] - y["values"][k]) / SCALE for x, y in zip(runs, base)]
        indicators[ind] = {"delta": interval(per_run)}
    return attribution, indicators


def compare(session: Any, save: str, at: int, branches: list[Branch], runs: int, seed: int | None = None,
            workers: int = 1, cluster: str | None = None,
            progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """The comparison as one JSON-ready object (see the module's docstring for what it means)."""
    if runs < 1:
        raise CompareError("--runs must be at least 1")
    plan = plan_from_session(session, at, branches)
    first = session.game.seed if seed is None else seed
    results = run_runs(plan, first, runs, workers, cluster, progress)
    return aggregate(session.game.rules, save, at, results, [AS_PLAYED] + [b.name for b in branches])


# --- alternatives chosen move by move (the app's "compare from here") -----------------

@dataclass(frozen=True)
class Choice:
    """One change to "as played": drop an order the game had, or add a move in round ``at``."""

    kind: str  # drop | add
    round: int
    order: Order


def choices(session: Any, at: int) -> list[Choice]:
    """What can be changed from round ``at``: every accepted play of the game from then on (to drop), then every
    move a role did not play in round ``at`` (to add), in the scenario's order."""
    game = session.game
    rules = game.rules
    s = rules.scenario
    out: list[Choice] = []
    for tr in game.traces[at - 1:]:
        for res in tr.orders:
            if res.accepted and res.order.kind == "play":
                out.append(Choice("drop", tr.round, res.order))
    played_at = {(c.order.role, c.order.move) for c in out if c.round == at}
    for mid, m in s.moves.items():
        if (m.role, mid) in played_at:
            continue
        target = m.targets[0] if m.targets else None
        out.append(Choice("add", at, Order(m.role, mid, "play", target=target)))
    return out


def alternative(session: Any, at: int, chosen: list[Choice]) -> Script:
    """A branch from "as played" with the chosen orders dropped and moves added: the roles it touches follow
    the game's own orders from round ``at`` with those changes; the others are left as played."""
    game = session.game
    touched = sorted({c.order.role for c in chosen})
    rounds: dict[int, dict[str, tuple[Order, ...]]] = {}
    last = max(game.state.round, at)
    for rnd in range(at, last + 1):
        orders = game.orders[rnd - 1] if rnd - 1 < len(game.orders) else ()
        for role in touched:
            mine = [o for o in orders if o.role == role]
            mine = [o for o in mine if not any(c.kind == "drop" and c.round == rnd and c.order == o for c in chosen)]
            mine += [c.order for c in chosen if c.kind == "add" and c.round == rnd and c.order.role == role]
            rounds.setdefault(rnd, {})[role] = tuple(mine)
    return Script(rounds, frozenset(touched))
