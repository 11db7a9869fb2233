"""Golden games for the engine: many seeds and order sets, and a digest of every round.

The digests in tests/data/golden/digests.json were recorded with the engine of
commit b77351f (before the engine was rewritten for speed), on frozen copies of
the scenarios (tests/data/golden/*.json.gz, canonical form), so that neither a
scenario edit nor a save-format change moves them. A round's digest covers
everything the engine produces: the new state (values, policies, pending
effects, used and fired ids) and the whole trace (orders with reasons, deals,
events with their rolls, every contribution with its roll, cites and rationale,
enacted and revoked policies, spending, quadrants, scores).

Run this file to record the digests again (only ever with the reference engine):

    python tests/engine_golden.py record
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import sys
from pathlib import Path
from typing import Any

from wargame.engine.orders import Order
from wargame.engine.resolve import advance, override, resolve, round_rng
from wargame.engine.rules import SCALE, Rules
from wargame.engine.state import RoundTrace, State, initial_state
from wargame.scenario.loader import scenario_from_canonical

GOLDEN = Path(__file__).resolve().parent / "data" / "golden"
SCENARIOS = ("mini", "tech-contest")


def rules_of(name: str) -> Rules:
    data = json.loads(gzip.decompress((GOLDEN / f"{name}.json.gz").read_bytes()))
    return Rules(scenario_from_canonical(data))


def pool(rules: Rules) -> list[Order]:
    """Every order worth trying, legal or not (as in the property tests)."""
    s = rules.scenario
    roles = list(s.roles)
    out: list[Order] = []
    for mid, m in s.moves.items():
        other = next(r for r in [*roles, "nobody"] if r != m.role)
        for target in [*(m.targets or []), None, "nowhere"]:
            out.append(Order(m.role, mid, "play", target))
        out.append(Order(other, mid, "play", (m.targets or [None])[0]))
        out.append(Order(m.role, mid, "revoke"))
        if m.deal:
            out.append(Order(m.role, mid, "play", (m.targets or [None])[0], walk_away=True))
            for answer in ("accept", "reject", "renegotiate"):
                out.append(Order(m.deal.counterparty, mid, "respond", answer=answer))  # type: ignore[arg-type]
    out.append(Order("stranger", next(iter(s.moves)), "play"))
    out.append(Order(roles[0], "no_such_move", "play"))
    return out


def legalish(rules: Rules, rng: random.Random) -> list[Order]:
    """Orders a player might give: each role a few of its own moves, answers to its deals."""
    s = rules.scenario
    out: list[Order] = []
    for rid in s.roles:
        mine = [(mid, m) for mid, m in s.moves.items() if m.role == rid]
        for mid, m in rng.sample(mine, min(len(mine), rng.randint(0, 3))):
            out.append(Order(rid, mid, "play", rng.choice(m.targets) if m.targets else None))
        for mid, m in s.moves.items():
            if m.deal and m.deal.counterparty == rid and rng.random() < 0.6:
                answers = ["accept", "reject"] + (["renegotiate"] if m.deal.renegotiated else [])
                out.append(Order(rid, mid, "respond", answer=rng.choice(answers)))  # type: ignore[arg-type]
    return out


def case(rules: Rules, k: int) -> dict[str, Any]:
    """Game ``k``: a seed, start values, and per round orders, injects and maybe an override."""
    rng = random.Random(f"golden:{k}")
    seed = rng.randrange(1 << 31)
    setup: dict[str, float] = {}
    if k % 3 == 0:
        for ind in rng.sample(rules.ids, 3):
            i = rules.index[ind]
            setup[ind] = rng.randint(rules.lo[i], rules.hi[i]) / SCALE
    everything = pool(rules)
    events = list(rules.scenario.events)
    rounds = []
    for rnd in range(1, rules.scenario.rounds + 1):
        orders = legalish(rules, rng) if k % 2 == 0 else rng.sample(everything, rng.randint(0, 14))
        if k % 5 == 0:
            orders.append(Order("nobody", "revoke_all", "revoke"))
            orders = [o for o in orders if o.role != "nobody"]
        rng.shuffle(orders)
        injects = rng.sample(events, rng.randint(0, 2)) if events and rng.random() < 0.3 else []
        ov = None
        if rng.random() < 0.15:
            ind = rng.choice(rules.ids)
            i = rules.index[ind]
            ov = (ind, rng.uniform(rules.lo[i], rules.hi[i]) / SCALE)
        rounds.append((orders, injects, ov))
    return {"seed": seed, "setup": setup, "rounds": rounds}


def trace_json(rules: Rules, tr: RoundTrace) -> Any:
    return {
        **tr.to_json(rules),
        "events_full": [[e.event, e.how, e.roll] for e in tr.events],
        "contributions_full": [[c.indicator, c.amount, c.kind, c.source, c.role, c.roll, list(c.cites), c.rationale]
                               for c in tr.contributions],
        "deals_full": [[d.move, d.proposer, d.counterparty, d.answer, d.outcome, d.target] for d in tr.deals],
        "before": list(tr.before), "after": list(tr.after),
        "scores_full": tr.scores,
        "enacted": [[p.move, p.role, p.target, p.since] for p in tr.enacted],
        "revoked": [[p.move, p.role, p.target, p.since] for p in tr.revoked],
    }


def play_case(rules: Rules, c: dict[str, Any], look_ahead: bool = True) -> str:
    """The digest of a whole golden game; also checks advance() agrees with resolve()."""
    h = hashlib.sha256()
    state: State = initial_state(rules, c["setup"])
    for rnd, (orders, injects, ov) in enumerate(c["rounds"], start=1):
        new, tr = resolve(rules, state, orders, round_rng(c["seed"], rnd), injects)
        if look_ahead:
            assert advance(rules, state, orders, round_rng(c["seed"], rnd), injects) == new, f"advance differs in round {rnd}"
        h.update(json.dumps([new.to_json(), trace_json(rules, tr)], sort_keys=True).encode())
        state = new
        if ov is not None:
            state, contrib = override(rules, state, ov[0], ov[1], "golden")
            h.update(json.dumps([state.to_json(), contrib.to_json()], sort_keys=True).encode())
    return h.hexdigest()


def script_digest(rules: Rules, seed: int, rounds: list[list[Order]]) -> str:
    """The digest of a game given its orders only (the recorded bot games)."""
    return play_case(rules, {"seed": seed, "setup": {}, "rounds": [(o, [], None) for o in rounds]})


N_CASES = {"mini": 400, "tech-contest": 200}
N_BOT_GAMES = 20


def record() -> None:
    from wargame.play.headless import play_game

    out: dict[str, Any] = {}
    for name in SCENARIOS:
        rules = rules_of(name)
        digests = [play_case(rules, case(rules, k)) for k in range(N_CASES[name])]
        bot_games = []
        for seed in range(1, N_BOT_GAMES + 1):
            g = play_game(rules, seed)
            rounds = [list(o) for o in g.orders]
            bot_games.append({"seed": seed, "orders": [[[o.role, o.move, o.kind, o.target, o.answer, o.walk_away]
                                                        for o in r] for r in rounds],
                              "digest": script_digest(rules, seed, rounds)})
        out[name] = {"cases": digests, "bot_games": bot_games}
        print(name, len(digests), "cases", len(bot_games), "bot games")
    (GOLDEN / "digests.json").write_text(json.dumps(out, indent=0) + "\n")


if __name__ == "__main__" and sys.argv[1:] == ["record"]:
    record()
