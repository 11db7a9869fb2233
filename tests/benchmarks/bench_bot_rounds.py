"""The engine's rounds as bots play them: ``advance()`` timed by kind inside all-bot games,
this tree against another commit (default ``main``), interleaved.

Not run by default (see README.md here). Each block is a fresh interpreter (this file,
run as a worker) with a fresh ``Rules``: one warm-up game (seed 1), then ten all-bot games
(seeds 101-110) through ``play_session`` on the golden tech-contest; every ``advance`` call
the bots make is timed (CPU time) and put in one of three kinds: no orders (a look-ahead
round), a candidate's orders, and a candidate's orders whose round meets a set of policies
not seen before (the engine's per-set data built then). With ``BENCH_WARM=1`` the ten games
are played once before the timed pass (every cache warm). Blocks alternate between the two
trees; figures are medians over blocks.

    python tests/benchmarks/bench_bot_rounds.py            # BENCH_BLOCKS=6, against main
    BENCH_OLD_COMMIT=4edd818 BENCH_WARM=1 python tests/benchmarks/bench_bot_rounds.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "tests" / "data" / "golden" / "tech-contest.json.gz"
KINDS = ("none", "orders", "orders+newset")


def worker(warm: bool) -> None:
    """One block, in this interpreter (the tree first on sys.path): prints one JSON line."""
    import gzip

    import wargame.engine.bots as bots
    import wargame.engine.resolve as resolve_mod
    from wargame.engine.rules import Rules
    from wargame.play.headless import play_session
    from wargame.scenario.loader import scenario_from_canonical

    with gzip.open(SCENARIO, "rt", encoding="utf-8") as fh:
        loaded = scenario_from_canonical(json.load(fh))
    clock = time.process_time
    acc: dict[str, list[float]] = {}
    real = resolve_mod.advance

    def timed(rules: Any, state: Any, orders: Any, rng: Any, *args: Any, **kw: Any) -> Any:
        sets = len(rules._by_policies)
        t = clock()
        out = real(rules, state, orders, rng, *args, **kw)
        d = clock() - t
        kind = ("orders" if orders else "none") + ("+newset" if len(rules._by_policies) != sets else "")
        a = acc.setdefault(kind, [0.0, 0])
        a[0] += d
        a[1] += 1
        return out

    bots.advance = timed  # the bots' own reference to advance
    rules = Rules(loaded)
    play_session(loaded, 1, None, rules=rules)
    seeds = range(101, 111)
    if warm:
        for s in seeds:
            resolve_mod._STREAMS.clear()
            play_session(loaded, s, None, rules=rules)
    acc.clear()
    t = clock()
    for s in seeds:
        resolve_mod._STREAMS.clear()  # each round's stream seeded as in a first play
        play_session(loaded, s, None, rules=rules)
    print(json.dumps({"game": (clock() - t) / len(seeds), "kinds": acc, "games": len(seeds)}))


def run() -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_vs_old import extract_old

    old_commit = os.environ.get("BENCH_OLD_COMMIT", "main")
    blocks = int(os.environ.get("BENCH_BLOCKS", "6"))
    warm = os.environ.get("BENCH_WARM") == "1"
    with tempfile.TemporaryDirectory() as tmp:
        trees = {old_commit: str(extract_old(Path(tmp), old_commit)), "now": str(ROOT)}
        res: dict[str, list[dict[str, Any]]] = {name: [] for name in trees}
        for b in range(blocks):
            for name in (list(trees) if b % 2 == 0 else list(trees)[::-1]):
                env = {**os.environ, "PYTHONPATH": trees[name], "PYTHONHASHSEED": "0"}
                out = subprocess.run([sys.executable, __file__, "--worker", "1" if warm else "0"], env=env,
                                     cwd=tempfile.gettempdir(), capture_output=True, text=True, check=True)
                res[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nadvance() inside all-bot games (seeds 101-110, golden tech-contest), {blocks} interleaved blocks, "
          f"{'caches warm' if warm else 'first play'}; medians of CPU time; load {load:.1f} (shared machine)")
    print(f"  {'':10} {'game':>9} {'no orders':>16} {'with orders':>16} {'new policy set':>18}")
    for name, rs in res.items():
        def per_call(r: dict[str, Any], kinds: tuple[str, ...]) -> float:
            s = sum(r["kinds"].get(k, [0.0, 0])[0] for k in kinds)
            n = sum(r["kinds"].get(k, [0.0, 0])[1] for k in kinds)
            return s / n * 1e6 if n else float("nan")

        def cell(kinds: tuple[str, ...]) -> str:
            n = sum(rs[0]["kinds"].get(k, [0.0, 0])[1] for k in kinds) / rs[0]["games"]
            return f"{statistics.median(per_call(r, kinds) for r in rs):6.1f} us ({n:.0f}/g)"

        game = statistics.median(r["game"] for r in rs) * 1e3
        print(f"  {name:10} {game:6.1f} ms {cell(('none', 'none+newset')):>16} {cell(('orders', 'orders+newset')):>16}"
              f" {cell(('orders+newset',)):>18}")


def test_bot_rounds() -> None:
    run()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(sys.argv[2] == "1")
    else:
        run()
