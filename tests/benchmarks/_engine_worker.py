"""A timing worker for bench_vs_old.py: run in its own interpreter, against whichever
wargame is first on sys.path (this tree, or the engine of an older commit).

It reads one JSON command per line on stdin and answers one JSON line on stdout, so
the parent can interleave trials of the old and new engines. It uses only the API
both engines have: scenario_from_canonical, Rules, resolve, advance, round_rng, initial_state,
play_session. Times are CPU time (time.process_time) of this process.
"""

from __future__ import annotations

import gzip
import json
import sys
import time

import wargame
from wargame.engine.orders import Order
import wargame.engine.resolve as resolve_mod
from wargame.engine.resolve import advance, resolve, round_rng
from wargame.engine.rules import Rules
from wargame.engine.state import initial_state
try:  # this worker runs the new engine and the old one (b77351f), where play_session lived in saves
    from wargame.play.headless import play_session
except ImportError:
    from wargame.saves.session import play_session
from wargame.scenario.loader import scenario_from_canonical


def _forget_lookahead() -> None:
    """A lone game: the bots remember no look-ahead from earlier games (in a batch, every
    game's start is the same position, and the bots share its look-ahead)."""
    import wargame.engine.bots as bots

    shared = getattr(bots, "_SHARED", None)  # b77351f's bots keep nothing
    if shared is not None:
        shared.clear() if hasattr(shared, "clear") else shared.positions.clear()


def _cold_streams() -> None:
    """Forget the random streams kept per (seed, round) (this tree only; b77351f keeps none):
    each timed trial starts as a real first play of its game would."""
    kept = getattr(resolve_mod, "_STREAMS", None)
    if kept is not None:
        kept.clear()


def main() -> None:
    loaded = None
    rules = None
    orders: list[tuple[Order, ...]] = []
    out = sys.stdout
    for line in sys.stdin:
        cmd = json.loads(line)
        op = cmd["op"]
        if op == "load":
            # The scenario in canonical form (a frozen copy both engines read alike).
            with gzip.open(cmd["scenario"], "rt", encoding="utf-8") as fh:
                loaded = scenario_from_canonical(json.load(fh))
            rules = Rules(loaded)
            orders = [tuple(Order(*o) for o in rnd) for rnd in cmd["orders"]]
            reply = {"file": wargame.__file__}
        elif op in ("resolve", "advance"):
            assert rules is not None
            fn = resolve if op == "resolve" else advance
            st0 = initial_state(rules)
            n = cmd["n"]
            # Each round's random stream is made before the clock starts, for both engines:
            # the row times resolve/advance, not seeding. (This tree keeps each (seed, round)
            # stream's draws, so a stream made inside the loop would be seeded once for all n
            # games, while b77351f seeds one per call: a cache warmed by the benchmark's own
            # repetition, which a real first play of the game would not have.)
            _cold_streams()
            rngs = [[round_rng(1, rnd) for rnd in range(1, len(orders) + 1)] for _ in range(n)]
            c0 = time.process_time()
            for k in range(n):
                st = st0
                for o, rng in zip(orders, rngs[k]):
                    st = fn(rules, st, o, rng)
                    if isinstance(st, tuple):
                        st = st[0]
            reply = {"per_round": (time.process_time() - c0) / n / len(orders), "digest": st.digest()}
        elif op == "lookahead":
            # advance() with no orders from each state of the scripted game: the look-ahead
            # round bots run most (their candidates' later rounds).
            assert rules is not None
            states = [initial_state(rules)]
            for rnd, o in enumerate(orders, start=1):
                states.append(advance(rules, states[-1], o, round_rng(1, rnd)))
            n = cmd["n"]
            _cold_streams()
            rngs = [[round_rng(1, rnd) for rnd in range(1, len(orders) + 1)] for _ in range(n)]
            c0 = time.process_time()
            for k in range(n):
                for st, rng in zip(states[:-1], rngs[k]):
                    advance(rules, st, (), rng)
            reply = {"per_round": (time.process_time() - c0) / n / len(orders), "digest": ""}
        elif op == "bots":
            assert loaded is not None
            c0 = time.process_time()
            scores = []
            for seed in cmd["seeds"]:
                if cmd.get("cold"):
                    _forget_lookahead()
                _cold_streams()  # no draws kept from an earlier trial's game of the same seed
                session = play_session(loaded, seed, None, rules=rules)
                scores.append(session.game.scores())
            reply = {"per_game": (time.process_time() - c0) / len(cmd["seeds"]), "scores": scores}
        elif op == "quit":
            break
        else:
            reply = {"error": f"unknown op {op!r}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
