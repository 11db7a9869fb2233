"""Engine benchmark: how fast rounds, bot decisions and whole games are.

Not run by default. Run it with:

    /tmp/venv/bin/pytest tests/benchmarks -s -p no:cacheprovider -o addopts=""

(or ``python tests/benchmarks/bench_engine.py``). Every figure is the median of
several trials timed with ``time.perf_counter``. It prints a table and asserts
nothing about time: a benchmark that fails on a busy machine is noise.

Scenarios: tests/data/mini.yaml stretched to 8 rounds, and
scenarios/tech-contest.yaml when it exists and loads. The scripted orders are
the orders bots chose in one game (seed 1), so they are realistic and legal;
scripted games name every role, so no bot runs in them.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from wargame.engine.bots import choose_orders
from wargame.engine.game import bot_rng
from wargame.play.headless import play_game
from wargame.engine.orders import Order, Script
from wargame.engine.resolve import resolve, round_rng
from wargame.engine.rules import Rules
from wargame.engine.state import initial_state
from wargame.play.headless import play_session
from wargame.scenario.loader import LoadedScenario, load_scenario, load_scenario_text
from wargame.scenario.yamlsafe import InputError

ROOT = Path(__file__).resolve().parents[2]
TRIALS = int(os.environ.get("BENCH_TRIALS", "7"))


class T:
    """A timing: median wall-clock time (perf_counter) and median CPU time (process_time)."""

    def __init__(self, wall: float, cpu: float) -> None:
        self.wall, self.cpu = wall, cpu

    def __truediv__(self, other: "T | float") -> "T":
        if isinstance(other, T):
            return T(self.wall / other.wall, self.cpu / other.cpu)
        return T(self.wall / other, self.cpu / other)

    def __mul__(self, k: float) -> "T":
        return T(self.wall * k, self.cpu * k)

    def inverse(self) -> "T":
        return T(1 / self.wall, 1 / self.cpu)


def median_time(fn: Callable[[], object], number: int, trials: int = TRIALS) -> T:
    """Median over ``trials`` of the mean time of one call, in seconds (wall and CPU)."""
    fn()  # warm up (caches, first-call costs)
    walls, cpus = [], []
    for _ in range(trials):
        c0, t0 = time.process_time(), time.perf_counter()
        for _ in range(number):
            fn()
        walls.append((time.perf_counter() - t0) / number)
        cpus.append((time.process_time() - c0) / number)
    return T(statistics.median(walls), statistics.median(cpus))


def scenarios() -> list[tuple[str, LoadedScenario]]:
    mini_text = (ROOT / "tests" / "data" / "mini.yaml").read_text(encoding="utf-8").replace("\nrounds: 4\n", "\nrounds: 8\n")
    out = [("mini ({} rounds)", load_scenario_text(mini_text, "mini.yaml", base=ROOT / "tests" / "data"))]
    tech = ROOT / "scenarios" / "tech-contest.yaml"
    if tech.is_file():
        try:
            out.append(("tech-contest ({} rounds)", load_scenario(tech)))
        except InputError as exc:
            print(f"(tech-contest.yaml does not load, skipped: {exc.diagnostics[0]})")
    return [(name.format(ld.scenario.rounds), ld) for name, ld in out]


def scripted(rules: Rules) -> list[tuple[Order, ...]]:
    """The orders of one bot game (seed 1): a realistic, legal script."""
    return play_game(rules, 1).orders


Row = tuple[str, str, T, str]


def measure(name: str, loaded: LoadedScenario) -> list[Row]:
    rules = Rules(loaded)
    s = rules.scenario
    orders = scripted(rules)
    n_rounds = len(orders)
    rows: list[Row] = []

    # Baseline: an empty Python loop of the same length as a game's rounds.
    def empty() -> None:
        for _ in range(n_rounds):
            pass

    base = median_time(empty, 20000) / n_rounds

    # One round, scripted orders (a whole game's rounds, divided by their number).
    st0 = initial_state(rules)

    def game_rounds() -> None:
        st = st0
        for rnd, o in enumerate(orders, start=1):
            st, _ = resolve(rules, st, o, round_rng(1, rnd))

    per_round = median_time(game_rounds, 200) / n_rounds
    rows.append((name, "resolve one round (scripted orders)", per_round * 1e6, "us"))
    rows.append((name, "  ratio to an empty loop iteration", per_round / base, "x"))
    n_orders = sum(len(o) for o in orders) / n_rounds
    rows.append((name, "  orders per round in the script", T(n_orders, n_orders), ""))

    # One bot decision, per role, from the start and from mid-game.
    mid_game = play_game(rules, 1).states[max(1, n_rounds // 2)]
    bot_times = []
    for role in rules.roles:
        t_start = median_time(lambda: choose_orders(rules, st0, role, bot_rng(1, 1, role)), 5)
        t_mid = median_time(lambda: choose_orders(rules, mid_game, role, bot_rng(1, mid_game.round + 1, role)), 5)
        bot_times += [t_start, t_mid]
        rows.append((name, f"bot decision, {role}, start of game", t_start * 1e3, "ms"))
        rows.append((name, f"bot decision, {role}, mid-game", t_mid * 1e3, "ms"))
    per_bot = T(statistics.median(t.wall for t in bot_times), statistics.median(t.cpu for t in bot_times))
    rows.append((name, "  median bot decision vs one scripted round", per_bot / per_round, "x"))

    # Whole scripted games, logged in memory exactly as the app logs (Session, no file).
    script = Script({rnd: {role: tuple(o for o in ords if o.role == role) for role in rules.roles}
                     for rnd, ords in enumerate(orders, start=1)}, frozenset(rules.roles))
    t_scripted = median_time(lambda: play_session(loaded, 1, script, rules=rules), 20)
    rows.append((name, f"scripted games per second ({s.rounds} rounds, Session log)", t_scripted.inverse(), "games/s"))
    rows.append((name, "  of which engine rounds", per_round * n_rounds / t_scripted * 100, "%"))

    # Whole games, every role a bot.
    t_bots = median_time(lambda: play_session(loaded, 2, None, rules=rules), 2, trials=max(3, TRIALS // 2))
    rows.append((name, "all-bot games per second", t_bots.inverse(), "games/s"))
    rows.append((name, "  all-bot game vs scripted game", t_bots / t_scripted, "x"))
    return rows


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.2f}"


def run() -> list[Row]:
    rows: list[Row] = []
    for name, loaded in scenarios():
        rows.extend(measure(name, loaded))
    print()
    load = f", load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs" if hasattr(os, "getloadavg") else ""
    print(f"wargame engine benchmark: Python {platform.python_version()} on {platform.machine()}, "
          f"{TRIALS} trials, medians{load}")
    print("wall: time.perf_counter (what a user waits); cpu: time.process_time (what the code costs,")
    print("      less disturbed by other processes on a busy machine)")
    width = max(len(r[1]) for r in rows) + 2
    current = None
    for scen, label, t, unit in rows:
        if scen != current:
            print(f"\n{scen:<{width + 2}} {'wall':>10} {'cpu':>10}")
            current = scen
        print(f"  {label:<{width}} {_fmt(t.wall):>10} {_fmt(t.cpu):>10} {unit}")
    print()
    return rows


def test_benchmark_engine() -> None:
    rows = run()
    assert rows and all(t.wall > 0 for _, _, t, _ in rows)


if __name__ == "__main__":
    run()
    sys.exit(0)
