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
from wargame.engine.resolve import advance, resolve, round_rng
from wargame.engine.rules import Rules
from wargame.engine.state import initial_state
try:  # this worker runs the new engine and the old one (b77351f), where play_session lived in saves
    from wargame.play.headless import play_session
except ImportError:
    from wargame.saves.session import play_session
from wargame.scenario.loader import scenario_from_canonical


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
            c0 = time.process_time()
            for _ in range(n):
                st = st0
                for rnd, o in enumerate(orders, start=1):
                    st = fn(rules, st, o, round_rng(1, rnd))
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
            c0 = time.process_time()
            for _ in range(n):
                for rnd, st in enumerate(states[:-1], start=1):
                    advance(rules, st, (), round_rng(1, rnd))
            reply = {"per_round": (time.process_time() - c0) / n / len(orders), "digest": ""}
        elif op == "bots":
            assert loaded is not None
            c0 = time.process_time()
            scores = []
            for seed in cmd["seeds"]:
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
