"""Properties of the rules engine over random games (hypothesis, derandomized).

Random order sets, legal and illegal, over several rounds (with random start
values and random injects), on tests/data/mini.yaml and, when it exists and
loads, scenarios/tech-contest.yaml:

(a) every indicator stays within its bounds after every round;
(b) for every indicator, its contributions' amounts add up to after - before exactly;
(c) shuffling the orders (and so the roles) of every round gives an identical trace and state;
(d) the same seed and orders give the same State.digest().

Plus: the whole game is byte-for-byte the same under different PYTHONHASHSEEDs
(``wargame simulate --json`` in subprocesses), and bots always give legal
orders within budget, and play differently under different seeds.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wargame.engine.bots import choose_orders
from wargame.engine.game import Game, bot_rng
from wargame.play.headless import play_game
from wargame.engine.orders import Order
from wargame.engine.resolve import check_order, resolve, round_rng, start_ctx
from wargame.engine.rules import SCALE, Rules
from wargame.engine.state import RoundTrace, State, initial_state
from wargame.scenario.loader import load_scenario, load_scenario_text
from wargame.scenario.yamlsafe import InputError

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
MINI = DATA / "mini.yaml"
TECH = ROOT / "scenarios" / "tech-contest.yaml"

PROPS = settings(derandomize=True, deadline=None, max_examples=150,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@functools.cache
def mini() -> Rules:
    return Rules(load_scenario(MINI))


@functools.cache
def tech() -> Rules | None:
    if not TECH.is_file():
        return None
    try:
        return Rules(load_scenario(TECH))
    except InputError:
        return None


def tech_or_skip() -> Rules:
    rules = tech()
    if rules is None:
        pytest.skip("scenarios/tech-contest.yaml is absent or does not load")
    return rules


@functools.cache
def candidates(rules: Rules) -> tuple[Order, ...]:
    """Every order worth trying, legal or not: each move by its role and by another,
    each target and a wrong one, each answer by the counterparty and by a stranger,
    walk-aways, revokes (also of non-policies), and unknown roles and moves."""
    s = rules.scenario
    roles = list(s.roles)
    out: list[Order] = []
    for mid, m in s.moves.items():
        other = next(r for r in [*roles, "nobody"] if r != m.role)
        for target in [*(m.targets or []), None, "nowhere"]:
            out.append(Order(m.role, mid, "play", target))
        out.append(Order(other, mid, "play", (m.targets or [None])[0]))
        out.append(Order(m.role, mid, "revoke"))
        out.append(Order(other, mid, "revoke"))
        if m.deal:
            out.append(Order(m.role, mid, "play", (m.targets or [None])[0], walk_away=True))
            for answer in ("accept", "reject", "renegotiate"):
                out.append(Order(m.deal.counterparty, mid, "respond", answer=answer))  # type: ignore[arg-type]
            out.append(Order(m.role, mid, "respond", answer="accept"))
    out.append(Order("nobody", next(iter(s.moves)), "play"))
    out.append(Order("stranger", next(iter(s.moves)), "play"))
    out.append(Order(roles[0], "no_such_move", "play"))
    return tuple(out)


@st.composite
def games(draw: st.DrawFn, rules: Rules) -> tuple[int, dict[str, float], list[list[Order]], list[list[str]]]:
    """A seed, start values, and per round a list of orders and injects."""
    seed = draw(st.integers(0, 2**31 - 1))
    setup: dict[str, float] = {}
    for ind in draw(st.lists(st.sampled_from(rules.ids), max_size=4, unique=True)):
        i = rules.index[ind]
        setup[ind] = draw(st.integers(rules.lo[i], rules.hi[i])) / SCALE
    n = draw(st.integers(1, rules.scenario.rounds))
    pool = candidates(rules)
    events = list(rules.scenario.events)
    rounds = [draw(st.lists(st.sampled_from(pool), max_size=14)) for _ in range(n)]
    injects = [draw(st.lists(st.sampled_from(events), max_size=2)) if events else [] for _ in range(n)]
    return seed, setup, rounds, injects


def replay(rules: Rules, seed: int, setup: dict[str, float], rounds: list[list[Order]],
           injects: list[list[str]]) -> tuple[list[State], list[RoundTrace]]:
    state = initial_state(rules, setup)
    states, traces = [state], []
    for rnd, (orders, inj) in enumerate(zip(rounds, injects), start=1):
        state, trace = resolve(rules, state, orders, round_rng(seed, rnd), inj)
        states.append(state)
        traces.append(trace)
    return states, traces


def check_invariants(rules: Rules, states: list[State], traces: list[RoundTrace]) -> None:
    for rnd, tr in enumerate(traces, start=1):
        before, after = states[rnd - 1].values, states[rnd].values
        assert tr.before == before and tr.after == after
        sums = [0] * len(rules.ids)
        for c in tr.contributions:
            assert isinstance(c.amount, int) and c.amount != 0
            sums[rules.index[c.indicator]] += c.amount
        for i, ind in enumerate(rules.ids):
            # (a) bounds
            assert rules.lo[i] <= after[i] <= rules.hi[i], (rnd, ind, after[i])
            # (b) the contributions add up exactly
            assert sums[i] == after[i] - before[i], (rnd, ind)
        # every order gets exactly one result, accepted or with a reason
        assert all(r.accepted == (r.reason == "") for r in tr.orders)
        # no role spends more than its budget on orders it kept
        for role, spent in tr.spent.items():
            if role in rules.scenario.roles and any(r.accepted and r.order.role == role and r.order.kind != "revoke"
                                                    for r in tr.orders):
                assert spent <= rules.scenario.roles[role].budget


def trace_bytes(rules: Rules, traces: list[RoundTrace]) -> list[str]:
    return [json.dumps(t.to_json(rules)) for t in traces]


def _property(rules: Rules, data: st.DataObject) -> None:
    seed, setup, rounds, injects = data.draw(games(rules))
    states, traces = replay(rules, seed, setup, rounds, injects)
    check_invariants(rules, states, traces)
    # (c) any listing of the orders (and so of the roles) and of the injects gives the same game
    shuffled = [data.draw(st.permutations(r)) for r in rounds]
    states2, traces2 = replay(rules, seed, setup, shuffled, [list(reversed(i)) for i in injects])
    assert traces2 == traces
    assert trace_bytes(rules, traces2) == trace_bytes(rules, traces)
    assert [s.digest() for s in states2] == [s.digest() for s in states]
    # (d) the same seed and orders give the same digest, every time
    states3, _ = replay(rules, seed, setup, rounds, injects)
    assert [s.digest() for s in states3] == [s.digest() for s in states]


@PROPS
@given(st.data())
def test_mini_random_games(data: st.DataObject) -> None:
    _property(mini(), data)


@settings(PROPS, max_examples=60)
@given(st.data())
def test_tech_contest_random_games(data: st.DataObject) -> None:
    _property(tech_or_skip(), data)


@PROPS
@given(st.data())
def test_reversed_orders_identical(data: st.DataObject) -> None:
    """Listing each round's orders backwards (roles last-first) changes nothing."""
    rules = mini()
    seed, setup, rounds, injects = data.draw(games(rules))
    a = replay(rules, seed, setup, rounds, injects)
    b = replay(rules, seed, setup, [list(reversed(r)) for r in rounds], injects)
    assert a == b


def test_digest_is_stable_across_state_copies() -> None:
    rules = mini()
    st0 = initial_state(rules)
    st1, _ = resolve(rules, st0, [Order("us", "us_controls"), Order("cn", "cn_mandate")], round_rng(3, 1))
    clone = State(st1.round, tuple(st1.values), tuple(st1.policies), tuple(st1.pending),
                  frozenset(sorted(st1.used)), frozenset(sorted(st1.fired)))
    assert clone.digest() == st1.digest()


# --- whole games in subprocesses: no dependence on PYTHONHASHSEED ---------------------

ORDERS_YAML = """\
scenario: mini
rounds:
  1:
    us: [us_controls]
    cn: [cn_mandate, {move: cn_deal, walk_away: true}]
  2:
    eu: [eu_join, {respond: cn_deal, answer: renegotiate}]
    cn: [cn_deal]
  3:
    us: [{revoke: us_controls}, us_subsidy]
"""


def _simulate(args: list[str], hashseed: str) -> dict:
    env = {**os.environ, "PYTHONHASHSEED": hashseed}
    proc = subprocess.run([sys.executable, "-m", "wargame", "simulate", *args, "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("extra", [[], ["--seed", "12"], ["--orders", "ORDERS"]], ids=["default", "seed12", "orders"])
def test_same_log_under_any_hash_seed(extra: list[str], tmp_path: Path) -> None:
    if "ORDERS" in extra:
        f = tmp_path / "orders.yaml"
        f.write_text(ORDERS_YAML, encoding="utf-8")
        extra = [str(f) if a == "ORDERS" else a for a in extra]
    outs = [_simulate([str(MINI), *extra], h) for h in ("1", "2", "3")]
    assert len({o["log_sha256"] for o in outs}) == 1
    assert outs[0] == outs[1] == outs[2]


def test_same_log_under_any_hash_seed_tech_contest() -> None:
    tech_or_skip()
    outs = [_simulate([str(TECH), "--seed", "3"], h) for h in ("1", "2")]
    assert outs[0]["log_sha256"] == outs[1]["log_sha256"]


def test_scripted_game_in_process_matches_subprocess(tmp_path: Path) -> None:
    """The log hash printed by the CLI is reproduced in-process with the same script."""
    from wargame.engine.orders import load_script
    from wargame.simulate import run_one

    f = tmp_path / "orders.yaml"
    f.write_text(ORDERS_YAML, encoding="utf-8")
    loaded = load_scenario(MINI)
    ours = run_one(loaded, 7, load_script(loaded.scenario, f))
    theirs = _simulate([str(MINI), "--orders", str(f)], "0")
    assert ours["log_sha256"] == theirs["log_sha256"]


# --- bots -------------------------------------------------------------------------------

def _order_cost(rules: Rules, o: Order) -> int:
    m = rules.scenario.moves[o.move]
    if o.kind == "play":
        return m.cost + (m.policy.upkeep if m.policy else 0)
    if o.kind == "respond" and o.answer != "reject" and m.deal:
        return m.deal.counterparty_cost
    return 0


def _check_bot_orders(rules: Rules, state: State, role: str, orders: list[Order]) -> None:
    ctx = start_ctx(rules, state)
    s = rules.scenario
    assert len(set(orders)) == len(orders)
    for o in orders:
        assert o.role == role
        assert check_order(rules, state, o, ctx) == "", (o, check_order(rules, state, o, ctx))
    upkeep = sum(s.moves[p.move].policy.upkeep for p in state.policies if p.role == role)  # type: ignore[union-attr]
    assert sum(_order_cost(rules, o) for o in orders) + upkeep <= s.roles[role].budget


def _bot_game(rules: Rules, seed: int) -> Game:
    game = Game.new(rules, seed)
    while not game.finished:
        orders: list[Order] = []
        for role in rules.roles:
            mine = choose_orders(rules, game.state, role, bot_rng(seed, game.round, role))
            _check_bot_orders(rules, game.state, role, mine)
            orders.extend(mine)
        trace = game.play(orders)
        rejected = [r for r in trace.orders if not r.accepted]
        assert not rejected, rejected
    return game


@pytest.mark.parametrize("seed", [1, 2, 3, 7, 11, 42])
def test_bots_give_legal_orders_within_budget_mini(seed: int) -> None:
    _bot_game(mini(), seed)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bots_give_legal_orders_within_budget_tech(seed: int) -> None:
    _bot_game(tech_or_skip(), seed)


def test_bot_games_differ_between_seeds() -> None:
    rules = mini()
    games_ = [play_game(rules, seed) for seed in range(1, 9)]
    played = {tuple(tuple(sorted(map(str, o))) for o in g.orders) for g in games_}
    digests = {g.state.digest() for g in games_}
    assert len(played) > 1 and len(digests) > 1
    # ...and a bot game is itself reproducible
    assert play_game(rules, 3).state.digest() == play_game(rules, 3).state.digest()


CTL = """
format: 1
id: ctl
title: Bots and acting()
summary: A precondition that reads acting().
start: 2020-01-01
rounds: 3
seed: 1
evidence: seeds
sectors:
  s:
    name: Sector
    indicators:
      china_innovation: {name: Innovation, start: 50, cites: [test.start]}
      global_effect: {name: Global effect, start: 50, cites: [test.start]}
roles:
  p:
    name: Proposer
    short: P
    budget: 2
    indicators:
      gain: {name: Gain, start: 10, cites: [test.start]}
    objectives: [{indicator: p.gain}]
  q:
    name: Partner
    short: Q
    budget: 2
    indicators:
      gain: {name: Gain, start: 10, cites: [test.start]}
    objectives: [{indicator: q.gain}]
moves:
  p_ctl:
    role: p
    name: Controls
    cost: 0
    tags: [ctl]
    policy: {ongoing: [{indicator: p.gain, change: 1, cites: [test.start], rationale: r}]}
    cites: [test.start]
  q_alone:
    role: q
    name: Only when nobody controls
    cost: 1
    requires: 'acting("ctl") == 0'
    cites: [test.start]
    effects: [{indicator: q.gain, change: 5, cites: [test.start], rationale: r}]
  q_with:
    role: q
    name: Only alongside controls
    cost: 1
    requires: 'acting("ctl") >= 1'
    cites: [test.start]
    effects: [{indicator: q.gain, change: 3, cites: [test.start], rationale: r}]
"""


def test_bots_read_acting_in_preconditions_like_the_engine() -> None:
    """A precondition with acting("tag") is judged by bots exactly as the engine judges it."""
    from wargame.engine.bots import legal_plays

    rules = Rules(load_scenario_text(CTL, "ctl.yaml", base=DATA))
    st1, _ = resolve(rules, initial_state(rules), [Order("p", "p_ctl")], round_rng(1, 1))
    assert [o.move for o in legal_plays(rules, initial_state(rules), "q")] == ["q_alone"]
    assert [o.move for o in legal_plays(rules, st1, "q")] == ["q_with"]
    mine = choose_orders(rules, st1, "q", bot_rng(1, 2, "q"))
    _check_bot_orders(rules, st1, "q", mine)
    assert [o.move for o in mine] == ["q_with"]


# --- the engine's fast paths agree with the plain ones ----------------------------------

@PROPS
@given(st.data())
def test_advance_gives_the_state_resolve_gives(data: st.DataObject) -> None:
    """Bots look ahead with advance(): the same state as resolve(), without the trace."""
    from wargame.engine.resolve import advance

    rules = data.draw(st.sampled_from([r for r in (mini(), tech()) if r is not None]))
    seed, setup, rounds, injects = data.draw(games(rules))
    state = initial_state(rules, setup)
    for rnd, (orders, inj) in enumerate(zip(rounds, injects), start=1):
        rng_a, rng_b = round_rng(seed, rnd), round_rng(seed, rnd)
        full, _ = resolve(rules, state, orders, rng_a, inj)
        fast = advance(rules, state, orders, rng_b, inj)
        assert fast == full and fast.digest() == full.digest()
        assert rng_a.drawn == rng_b.drawn  # the same draws were made
        state = full


@PROPS
@given(st.data())
def test_advance_does_not_depend_on_the_order_of_orders(data: st.DataObject) -> None:
    """advance() takes the orders that stand in the order given (resolve sorts them): the
    state must be the same for any order of the same orders, and the draws too."""
    from wargame.engine.resolve import advance

    rules = data.draw(st.sampled_from([r for r in (mini(), tech()) if r is not None]))
    seed, setup, rounds, injects = data.draw(games(rules))
    state = initial_state(rules, setup)
    for rnd, (orders, inj) in enumerate(zip(rounds, injects), start=1):
        shuffled = data.draw(st.permutations(list(orders)))
        rng_a, rng_b = round_rng(seed, rnd), round_rng(seed, rnd)
        full, _ = resolve(rules, state, orders, rng_a, inj)
        fast = advance(rules, state, shuffled, rng_b, inj)
        assert fast == full and fast.digest() == full.digest()
        assert rng_a.drawn == rng_b.drawn
        state = full


INDICATORS = ("s.a", "s.b", "r.c")
MOVES = ("m_one", "m_two")
TAGS = ("t_one", "t_two")


def _formulas() -> st.SearchStrategy[str]:
    numbers = st.one_of(
        st.integers(0, 1000).map(str),
        st.floats(0, 1e6, allow_nan=False, allow_infinity=False).map(lambda x: repr(x) if "e" not in repr(x) else "1e3"),
        st.sampled_from(["0", "0.0", "1e-3", "2.5e2", ".5"]),
    )
    atoms = st.one_of(
        numbers,
        st.sampled_from([*INDICATORS, "round"]),
        st.sampled_from(INDICATORS).map(lambda i: f"start({i})"),
        st.sampled_from(INDICATORS).map(lambda i: f"prev({i})"),
        st.sampled_from(MOVES).map(lambda m: f'active("{m}")'),
        st.sampled_from(MOVES).map(lambda m: f'played("{m}")'),
        st.sampled_from(TAGS).map(lambda t: f'acting("{t}")'),
    )

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        ops = ["+", "-", "*", "/", "^", "<", "<=", ">", ">=", "==", "!=", "and", "or"]
        return st.one_of(
            st.tuples(inner, st.sampled_from(ops), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(st.sampled_from(["-", "+", "not "]), inner).map(lambda t: f"({t[0]}{t[1]})"),
            st.tuples(st.sampled_from(["abs", "sqrt", "log", "exp"]), inner).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(st.sampled_from(["min", "max"]), st.lists(inner, min_size=2, max_size=4))
            .map(lambda t: f"{t[0]}({', '.join(t[1])})"),
            st.tuples(inner, inner, inner).map(lambda t: f"clamp({t[0]}, {t[1]}, {t[2]})"),
            st.tuples(inner, inner, inner).map(lambda t: f"if({t[0]}, {t[1]}, {t[2]})"),
        )

    return st.recursive(atoms, extend, max_leaves=24)


VALUES = st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, 1e300, -1e300]))


@settings(PROPS, max_examples=300)
@given(_formulas(), st.lists(st.tuples(VALUES, VALUES, VALUES), min_size=3, max_size=3),
       st.integers(1, 20), st.sets(st.sampled_from(MOVES)), st.sets(st.sampled_from(MOVES)),
       st.dictionaries(st.sampled_from(TAGS), st.integers(0, 4)))
def test_fast_formulas_agree_with_the_reference_closures(text: str, vals: list[tuple[float, float, float]], rnd: int,
                                                          active: set[str], played: set[str],
                                                          tags: dict[str, int]) -> None:
    """The engine compiles each formula into one Python function; it must compute exactly what
    wargame.scenario.formula's closures compute, bit for bit, NaN and -0.0 included."""
    from wargame.engine.resolve import Ctx
    from wargame.engine.rules import fast_compile
    from wargame.scenario.formula import Formula, FormulaError

    try:
        formula = Formula.parse(text)
    except FormulaError:
        return  # e.g. nested deeper than the language allows
    index = {k: i for i, k in enumerate(INDICATORS)}
    fast = fast_compile(formula, index)
    assert fast is not None, text
    ref = formula.compile(index)
    values, starts, prevs = (list(v) for v in zip(*vals))
    ctx = Ctx(values, starts, prevs, rnd, active, played, tags)

    def outcome(fn):  # type: ignore[no-untyped-def]
        try:
            return repr(fn(ctx))
        except Exception as exc:  # noqa: BLE001 - both must fail alike, if at all
            return type(exc).__name__

    assert outcome(fast) == outcome(ref), text


def test_every_scenario_formula_is_fast_compiled() -> None:
    """Every formula of mini.yaml (and tech-contest.yaml) takes the fast path."""
    from wargame.engine.rules import fast_compile
    from wargame.scenario.formula import Formula

    for rules in (r for r in (mini(), tech()) if r is not None):
        s = rules.scenario
        texts = [m.requires for m in s.moves.values() if m.requires]
        texts += [ev.trigger for ev in s.events.values() if ev.trigger]
        texts += [f for r in s.dynamics.values() for f in (r.delta, r.set, r.when) if f]
        for effs in (m.effects + (m.policy.ongoing if m.policy else []) + ((m.deal.renegotiated or []) if m.deal else [])
                     for m in s.moves.values()):
            texts += [f for e in effs for f in (e.when, e.scale) if f]
        assert texts
        for text in texts:
            assert fast_compile(Formula.parse(text), rules.index) is not None, text
