"""The bots now against the bots of commit b77351f (old_bots.py here): work and strength.

Not run by default (see README.md here). On scenarios/tech-contest.yaml:

1. **Work**: look-ahead rounds (``advance`` calls) per decision, and CPU time per decision,
   old and new, over the same positions.
2. **Decisions on recorded positions**: 200 positions (every round's start of 20 games
   the old bots played, seeds 1-20); at each, every role decides with the old bot and with
   the new one (same bot random stream). Each decision is then scored by the bots' own
   objective: the role's utility after a look-ahead of HORIZON rounds in which the role
   plays its orders and the counterparty of any deal it offers gives its best answer,
   averaged over EVAL_SEEDS look-ahead streams unrelated to either bot's. Reported: the
   mean of (new - old) over all decisions with its standard error, and how often they agree.
3. **Head-to-head**: for each role, games where that role is played by the new bot and the
   others by old bots, against games of old bots only, same seeds: the role's final score,
   mean difference and its standard error (paired by seed).

Figures are printed; the test only checks that it ran. CPU time: process_time.

    python tests/benchmarks/bench_bots.py      # BENCH_GAMES=20 head-to-head seeds per role
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import old_bots  # noqa: E402

import wargame.engine.bots as new_bots  # noqa: E402
import wargame.engine.resolve as resolve_mod  # noqa: E402
from wargame.engine.game import Game, bot_rng  # noqa: E402
from wargame.engine.orders import Order  # noqa: E402
from wargame.engine.resolve import advance, round_rng  # noqa: E402
from wargame.engine.rules import Rules  # noqa: E402
from wargame.engine.scoring import utility  # noqa: E402
from wargame.engine.state import State  # noqa: E402
from wargame.scenario.loader import load_scenario  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
GAMES = int(os.environ.get("BENCH_GAMES", "20"))
EVAL_SEEDS = 8
HORIZON = 3

Bot = Callable[[Rules, State, str, object], list[Order]]


def play(rules: Rules, seed: int, bot_for: Callable[[str], Bot]) -> Game:
    game = Game.new(rules, seed)
    while not game.finished:
        rnd = game.round
        orders: list[Order] = []
        for role in rules.roles:
            orders.extend(bot_for(role)(rules, game.state, role, bot_rng(game.seed, rnd, role)))
        game.play(orders)
    return game


def score_decision(rules: Rules, state: State, role: str, orders: list[Order]) -> float:
    """The role's utility after HORIZON rounds, its orders now (and the counterparty's best
    answer to any deal offered), averaged over EVAL_SEEDS streams neither bot uses."""
    total = 0.0
    for k in range(EVAL_SEEDS):
        seed = 900_000 + k
        trial = list(orders)
        for o in orders:
            m = rules.scenario.moves[o.move]
            if m.deal and o.kind == "play":
                answer = old_bots.best_answer(rules, state, m.deal.counterparty, o, seed, HORIZON)
                trial.append(Order(m.deal.counterparty, o.move, "respond", answer=answer))
        st = state
        for h in range(HORIZON):
            if st.round >= rules.scenario.rounds:
                break
            st = advance(rules, st, trial if h == 0 else (), round_rng(seed, st.round + 1))
        total += utility(rules, st.values, role)
    return total / EVAL_SEEDS


class Counter:
    """Counts advance() calls made by the bots (both modules call it by name)."""

    def __init__(self) -> None:
        self.n = 0

    def __enter__(self) -> "Counter":
        def counted(*a, **k):  # type: ignore[no-untyped-def]
            self.n += 1
            return advance(*a, **k)

        old_bots.advance = counted  # type: ignore[assignment]
        new_bots.advance = counted  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        old_bots.advance = advance  # type: ignore[assignment]
        new_bots.advance = advance  # type: ignore[assignment]


def run() -> dict[str, float]:
    rules = Rules(load_scenario(ROOT / "scenarios" / "tech-contest.yaml"))
    old, new = old_bots.choose_orders, new_bots.choose_orders
    # 1-2. Positions: the start of every round of 20 old-bot games.
    positions = [(g.seed, st) for g in (play(rules, s, lambda r: old) for s in range(1, 21)) for st in g.states[:-1]]
    diffs: list[float] = []
    same = 0
    work = {"old": [0, 0.0], "new": [0, 0.0]}
    for seed, st in positions:
        new_bots._SHARED.clear()  # no help from earlier positions (nor the start position): each is fresh
        for role in rules.roles:
            decided = {}
            for name, bot in (("old", old), ("new", new)):
                with Counter() as c:
                    t = time.process_time()
                    decided[name] = bot(rules, st, role, bot_rng(seed, st.round + 1, role))
                    work[name][1] += time.process_time() - t
                work[name][0] += c.n
            if sorted(decided["old"]) == sorted(decided["new"]):
                same += 1
                diffs.append(0.0)
            else:
                diffs.append(score_decision(rules, st, role, decided["new"]) - score_decision(rules, st, role, decided["old"]))
    n = len(diffs)
    mean, se = statistics.fmean(diffs), statistics.stdev(diffs) / n ** 0.5
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nbots now vs b77351f's bots, tech-contest; load average {load:.1f} on {os.cpu_count()} CPUs (shared machine)")
    print(f"  decisions: {n} ({len(positions)} positions x {len(rules.roles)} roles)")
    for name in ("old", "new"):
        print(f"  {name}: look-ahead rounds per decision {work[name][0] / n:6.1f}   CPU per decision "
              f"{work[name][1] / n * 1e3:6.2f} ms")
    print(f"  decision score by the bots' own objective (utility after {HORIZON} rounds, {EVAL_SEEDS} streams):")
    print(f"    new - old: mean {mean:+.4f} points (standard error {se:.4f}); identical decisions {same}/{n}")
    # 3. Head-to-head.
    print(f"  head-to-head, {GAMES} seeds per role: the role's final score, new bot in that seat vs old bot")
    h2h = {}
    for role in rules.roles:
        d = []
        for seed in range(1000, 1000 + GAMES):
            base = play(rules, seed, lambda r: old).scores()[role]
            mixed = play(rules, seed, lambda r, role=role: new if r == role else old).scores()[role]
            d.append(mixed - base)
        m, s = statistics.fmean(d), statistics.stdev(d) / len(d) ** 0.5
        h2h[role] = m
        print(f"    {role:<5} new - old: mean {m:+.3f} points (standard error {s:.3f})")
    return {"decision_mean": mean, "decision_se": se, **h2h}


def test_benchmark_bots() -> None:
    assert run()


if __name__ == "__main__":
    run()
