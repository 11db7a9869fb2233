"""The engine gives, byte for byte, what the engine of commit b77351f gave.

The engine was rewritten for speed (one generated function per round's
arithmetic, compact trace records); these digests were recorded with the
engine before that rewrite (see tests/engine_golden.py), over 600 random games
on frozen copies of the scenarios and 40 recorded bot games.

Re-recorded once, on purpose (issue 10): a deal now costs either side only when it is
made. Before re-recording, every game was played by both engines and compared round by
round without each trace's ``spent``: mini agreed everywhere; in the 93 tech-contest games
that differed, the first differing round always held an over-budget rejection (a role whose
orders fit only once an unmade deal's cost is not charged). The bot games' orders are kept.
"""

from __future__ import annotations

import functools
import json

import pytest

from tests.engine_golden import GOLDEN, N_CASES, SCENARIOS, case, play_case, rules_of, script_digest
from wargame.engine.orders import Order
from wargame.engine.rules import Rules


@functools.cache
def recorded() -> dict:
    return json.loads((GOLDEN / "digests.json").read_text())


@functools.cache
def rules(name: str) -> Rules:
    return rules_of(name)


@pytest.mark.parametrize("name", SCENARIOS)
@pytest.mark.parametrize("part", range(4))
def test_random_games_match_the_reference_engine(name: str, part: int) -> None:
    r = rules(name)
    want = recorded()[name]["cases"]
    assert len(want) == N_CASES[name]
    for k in range(part, N_CASES[name], 4):
        assert play_case(r, case(r, k)) == want[k], f"{name} golden game {k} differs from the reference engine"


@pytest.mark.parametrize("name", SCENARIOS)
def test_recorded_bot_games_match_the_reference_engine(name: str) -> None:
    r = rules(name)
    for g in recorded()[name]["bot_games"]:
        rounds = [[Order(*o) for o in rnd] for rnd in g["orders"]]
        assert script_digest(r, g["seed"], rounds) == g["digest"], f"{name} bot game seed {g['seed']} differs"


def test_a_lazy_trace_reads_compares_and_pickles_like_a_built_one() -> None:
    """resolve() makes a trace's contributions, quadrants and scores when first read; once
    read, or pickled, or rebuilt from its fields, it is the same trace."""
    import pickle

    from wargame.engine.resolve import resolve, round_rng
    from wargame.engine.state import RoundTrace, initial_state

    r = rules("tech-contest")
    g = recorded()["tech-contest"]["bot_games"][0]
    state = initial_state(r)
    for rnd, orders in enumerate(g["orders"][:3], start=1):
        state, tr = resolve(r, state, [Order(*o) for o in orders], round_rng(g["seed"], rnd))
        _, fresh = resolve(r, *_previous(r, g, rnd), round_rng(g["seed"], rnd))
        # touched() from the compact record, before anything is built
        touched = fresh.touched()
        copy = pickle.loads(pickle.dumps(tr))  # materialises: the copy holds no engine record
        assert copy == tr and copy.contributions == tr.contributions and copy._record is None
        eager = RoundTrace(tr.round, tr.orders, tr.deals, tr.events, tr.contributions, tr.before, tr.after,
                           tr.spent, tr.quadrants, tr.scores, tr.enacted, tr.revoked)
        assert eager == fresh and repr(eager) == repr(fresh)
        assert touched == {c.indicator for c in fresh.contributions} and touched
        assert sum(c.amount for c in fresh.contributions) == sum(a - b for a, b in zip(fresh.after, fresh.before))


def _previous(r: Rules, g: dict, rnd: int) -> tuple:
    """The state before round ``rnd`` of a recorded bot game, and that round's orders."""
    from wargame.engine.resolve import advance, round_rng
    from wargame.engine.state import initial_state

    state = initial_state(r)
    for k in range(1, rnd):
        state = advance(r, state, [Order(*o) for o in g["orders"][k - 1]], round_rng(g["seed"], k))
    return state, [Order(*o) for o in g["orders"][rnd - 1]]


def test_make_state_is_the_state_its_fields_make() -> None:
    """state.make_state (the engine's constructor, through the slots) gives the State that
    State(...) gives: equal, same hash, repr and digest, frozen, and it pickles."""
    import dataclasses
    import pickle

    from wargame.engine.state import Pending, PolicyInForce, State, make_state

    fields = (3, (1, -2, 30000), (PolicyInForce("m", "us", None, 2),),
              (Pending(4, 5, "move", "m", "effects", 0, "us", None),), frozenset({"a"}), frozenset({"e"}))
    made, built = make_state(*fields), State(*fields)
    assert made == built and hash(made) == hash(built) and repr(made) == repr(built)
    assert made.digest() == built.digest()
    assert [getattr(made, f.name) for f in dataclasses.fields(State)] == list(fields)
    assert pickle.loads(pickle.dumps(made)) == built
    try:
        made.round = 4  # type: ignore[misc]
    except dataclasses.FrozenInstanceError:
        pass
    else:
        raise AssertionError("a State made by make_state must stay frozen")


def test_the_round_function_takes_the_checked_path_when_a_change_is_not_a_float(monkeypatch: pytest.MonkeyPatch) -> None:
    """The round function rounds changes with float.__round__, which refuses anything but a
    float (TypeError); the round then takes the checked path (round() on each change), with
    the same result. Here float.__round__ is made to refuse every change."""
    from wargame.engine import rules as rules_mod
    from wargame.engine.resolve import advance, round_rng
    from wargame.engine.state import initial_state

    r = rules("tech-contest")
    s = r.scenario
    args = (tuple((d.set or d.delta or "0", d.set is not None, d.when) for d in s.dynamics.values()),
            tuple(r.index[d.indicator] for d in s.dynamics.values()), tuple(r.ids), tuple(r.lo), tuple(r.hi))
    refused: list[float] = []

    def refuse(y: float) -> int:
        refused.append(y)
        raise TypeError("not a float")

    real_env = rules_mod._env
    monkeypatch.setattr(rules_mod, "_ROUNDS", {})
    monkeypatch.setattr(rules_mod, "_env", lambda consts: {**real_env(consts), "_fround": refuse})
    values_fn, changes_fn = rules_mod._round_fn(*args)
    g = recorded()["tech-contest"]["bot_games"][0]
    state = initial_state(r)
    for rnd, orders in enumerate(g["orders"][:4], start=1):
        vals = list(state.values)
        floats = r.floats(state.values)
        ps = r.policy_set(state.policies)
        want_cl: list[tuple[int, int]] = []
        got_cl: list[tuple[int, int]] = []
        want = r.round_changes(vals, r.start_floats, floats, float(rnd), ps.active, set(), ps.tags, want_cl, None)
        got = changes_fn(vals, r.start_floats, floats, float(rnd), ps.active, set(), ps.tags, got_cl, None)
        assert got == want and got_cl == want_cl
        assert values_fn(vals, r.start_floats, floats, float(rnd), ps.active, set(), ps.tags, [], None) == want[0]
        state = advance(r, state, [Order(*o) for o in orders], round_rng(g["seed"], rnd))
    assert refused  # the refusing rounding was called, and every round fell back


# A scenario whose effects on "$target" indicators reach step 5 (delayed, lasting, drawn,
# relative, conditional, scaled; as a move's, a deal's and a policy's effects), so advance's
# generated function per effect (rules.effect_run) is held to resolve on its target lookups:
# neither golden scenario has a "$target" effect that is not a fixed amount due at once.
_TARGETED = """
format: 1
id: targeted
title: Targeted effects
summary: Effects on the target's indicators that reach step 5.
start: 2020-01-01
rounds: 6
seed: 1
evidence: seeds
sectors:
  s:
    name: Sector
    axes:
      innovation: {indicator: china_innovation, threshold: 50}
      global_effect: {indicator: global_effect, threshold: 50}
    indicators:
      china_innovation: {name: Innovation, start: 50, cites: [test.start]}
      global_effect: {name: Global effect, start: 50, cites: [test.start]}
roles:
  p:
    name: P
    short: P
    budget: 9
    indicators:
      gain: {name: Gain, start: 10, cites: [test.start]}
    objectives: [{indicator: p.gain}]
  q:
    name: Q
    short: Q
    budget: 9
    indicators:
      gain: {name: Gain, start: 20, cites: [test.start]}
    objectives: [{indicator: q.gain}]
moves:
  p_hit:
    role: p
    name: Hit
    cost: 1
    targets: [p, q]
    cites: [test.start]
    effects:
      - {indicator: $target.gain, change: 2, delay: 1, duration: 2, cites: [test.start], rationale: r}
      - {indicator: $target.gain, change: 1, spread: 0.5, cites: [test.start], rationale: r}
      - {indicator: $target.gain, change: 0.1, relative: true, cites: [test.start], rationale: r}
      - {indicator: $target.gain, change: 3, when: "s.global_effect > 40", cites: [test.start], rationale: r}
      - {indicator: $target.gain, change: 1, scale: 'acting("t") + 0.5', cites: [test.start], rationale: r}
  p_watch:
    role: p
    name: Watch
    cost: 0
    tags: [t]
    targets: [p, q]
    policy: {ongoing: [{indicator: $target.gain, change: -0.05, relative: true, cites: [test.start], rationale: r},
                       {indicator: $target.gain, change: 1, spread: 1, cites: [test.start], rationale: r}]}
    cites: [test.start]
  q_deal:
    role: q
    name: Deal
    cost: 1
    targets: [p, q]
    deal:
      counterparty: p
      renegotiated: [{indicator: $target.gain, change: 2, when: "p.gain < 100", cites: [test.start], rationale: r}]
    effects: [{indicator: $target.gain, change: 1, spread: 2, delay: 1, cites: [test.start], rationale: r}]
    cites: [test.start]
"""


def test_advance_gives_resolve_state_with_targeted_effects() -> None:
    import random

    from wargame.engine.resolve import advance, resolve, round_rng
    from wargame.engine.state import initial_state
    from wargame.scenario.loader import load_scenario_text

    r = Rules(load_scenario_text(_TARGETED, "targeted.yaml", base=GOLDEN.parent))  # tests/data: test.start
    plays = [Order("p", "p_hit", "play", t) for t in ("p", "q")] + [
        Order("p", "p_watch", "play", t) for t in ("p", "q")] + [
        Order("q", "q_deal", "play", t, walk_away=w) for t in ("p", "q") for w in (False, True)] + [
        Order("p", "q_deal", "respond", answer=a) for a in ("accept", "reject", "renegotiate")]  # type: ignore[arg-type]
    pick = random.Random(7)
    for seed in range(40):
        state = initial_state(r)
        for rnd in range(1, 7):
            orders = pick.sample(plays, pick.randint(0, 4))
            rng_a, rng_b = round_rng(seed, rnd), round_rng(seed, rnd)
            full, _ = resolve(r, state, orders, rng_a)
            assert advance(r, state, orders, rng_b) == full and rng_a.drawn == rng_b.drawn, (seed, rnd, orders)
            state = full
