"""Baseline bots: look ahead with the engine itself, against the role's own objectives.

A bot lists its legal orders (each move and target it can afford and whose
precondition holds), plays each one forward a few rounds with the engine, and
keeps those that raise its own score the most per point spent, until the
budget is used. Deal answers are chosen the same way: for each deal that could
be offered to it, the bot compares accepting, refusing and renegotiating, and it offers a deal only when
the counterparty, judged by its own objectives, would take it.

Bots are deterministic given their random stream, which only adds a small
"temperament" to the estimates so that games against bots differ by seed.
Look-ahead games use a fixed stream too (common random numbers), so candidate
moves are compared under the same luck.

Look-ahead is shared. The luck of the look-ahead games is a function of the
position (the state), not of the role deciding, so all roles deciding in one
round look ahead under the same luck and the games they play are the same games:
the "no orders" game every role compares against, and each deal offered with each
answer, which both the proposer (will they take it?) and the counterparty (shall
we?) play. A game's end values are kept per position, keyed by the orders that can
change the outcome (an answer to a deal nobody offers, or a refusal, changes
nothing), and played once. A bot decision plays about a third of the look-ahead
rounds it used to for the same choice rule (tests/benchmarks/bench_bots.py).

A look-ahead game is an object kept per position with its states and the utilities read
from them. The start of a game is the same position in every game of a scenario, so the
games of a batch share their first round's look-ahead (found by the state's content).
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Callable, Sequence

from wargame.engine import budget as _budget
from wargame.engine.orders import Order
from wargame.engine.resolve import Ctx, advance, check_order, round_rng, start_ctx
from wargame.engine.rules import SCALE, Rules
from wargame.engine.state import State

HORIZON = 3
NOISE = 0.25
EXPLORE = 0.08


class _Shared:
    """Per recent position (state and rules, a few at a time): the look-ahead games played
    from it (each game's states, one per round played so far), and each role's legal plays.

    The start of a game is one position for every game of a scenario (the same initial
    state), so it is also found by its content: the games of a batch share their first
    round's look-ahead. Later positions are found by identity only (a repeated seed in one
    process plays its look-ahead again, as a lone game would)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.positions: dict[tuple[int, int], tuple[Rules, State, dict[object, object]]] = {}
        self.starts: dict[tuple[int, State], tuple[Rules, dict[object, object]]] = {}
        # The position asked for last (most asks are for the same one, many times over).
        self.last: tuple[Rules | None, State | None, dict[object, object]] = (None, None, {})

    def table(self, rules: Rules, state: State) -> dict[object, object]:
        last = self.last  # one read: another thread may replace it meanwhile
        if last[0] is rules and last[1] is state:
            return last[2]
        table = self._table(rules, state)
        self.last = (rules, state, table)
        return table

    def _table(self, rules: Rules, state: State) -> dict[object, object]:
        key = (id(rules), id(state))
        hit = self.positions.get(key)
        if hit is not None and hit[0] is rules and hit[1] is state:
            return hit[2]
        with self.lock:
            table: dict[object, object] | None = None
            if state.round == 0:
                start = self.starts.get((id(rules), state))
                if start is not None and start[0] is rules:
                    table = start[1]
                else:
                    if len(self.starts) >= 4:
                        self.starts.clear()
                    table = {}
                    self.starts[(id(rules), state)] = (rules, table)
            if len(self.positions) >= 16:
                self.positions.clear()
            if table is None:
                table = {}
            # The objects are kept with their table, so their ids are not reused while it lives.
            self.positions[key] = (rules, state, table)
        return table

    def clear(self, starts: bool = True) -> None:
        """Forget every position (``starts=False``: all but the starts of games)."""
        with self.lock:
            self.positions.clear()
            if starts:
                self.starts.clear()
            self.last = (None, None, {})


_SHARED = _Shared()


_SEEDS: dict[int, tuple[State, int]] = {}  # id(state) -> (state, seed): asked a dozen times a round


def lookahead_seed(state: State) -> int:
    """The luck of look-ahead games from a position: the same for every role deciding there."""
    hit = _SEEDS.get(id(state))
    if hit is not None and hit[0] is state:
        return hit[1]
    blob = b"wargame-lookahead:%d:" % state.round + ",".join(map(str, state.values)).encode()
    seed = int.from_bytes(hashlib.blake2b(blob, digest_size=4).digest(), "big") >> 2
    if len(_SEEDS) >= 16:
        _SEEDS.clear()
    _SEEDS[id(state)] = (state, seed)  # the state is kept, so its id is not reused meanwhile
    return seed


def _plain_moves(rules: Rules) -> frozenset[str]:
    """The scenario's moves that are not deals."""
    return rules.once("bots.plain", lambda: frozenset(mid for mid, m in rules.scenario.moves.items() if m.deal is None))


def _key(rules: Rules, orders: Sequence[Order]) -> frozenset[Order]:
    """The orders that can change a look-ahead game's outcome. An answer to a deal nobody
    in the set offers, or a refusal, changes nothing; nor does a lone deal offer that is
    not taken (refused, unanswered, or walked away from): the game is the no-orders game."""
    plain = _plain_moves(rules)
    for o in orders:  # a loop, not all(): asked ~400 times a game, mostly for one or two plays
        if o.kind != "play" or o.move not in plain:
            break
    else:
        return frozenset(orders)  # no deal among them: every order counts
    # With a deal among them: the same few dozen sets come back every position, so the
    # answer is kept per scenario.
    kept: dict[tuple[Order, ...], frozenset[Order]] = rules.once("bots.deal_keys", dict)
    given = tuple(orders)
    key = kept.get(given)
    if key is None:
        if len(kept) >= 4096:
            kept.clear()
        key = kept[given] = _deal_key(rules, given)
    return key


def _deal_key(rules: Rules, orders: tuple[Order, ...]) -> frozenset[Order]:
    """_key of orders with a deal among them."""
    plays = [o for o in orders if o.kind == "play"]
    if len(plays) == 1:
        deal = rules.scenario.moves[plays[0].move].deal if plays[0].move in rules.scenario.moves else None
        if deal is not None:
            o = plays[0]
            answer = next((x.answer for x in orders if x.kind == "respond" and x.move == o.move
                           and x.role == deal.counterparty), None)
            made = answer == "accept" or (answer == "renegotiate" and bool(deal.renegotiated) and not o.walk_away)
            if not made:
                return frozenset()
    offered = {o.move for o in plays}
    return frozenset(o for o in orders if o.kind != "respond" or (o.move in offered and o.answer != "reject"))


def _scorer(rules: Rules, role: str) -> Callable[[Sequence[int]], float]:
    """scoring.utility for one role, its objectives read once: the same arithmetic in the
    same order, so the same floats (look-ahead reads a utility hundreds of times a game)."""
    return rules.once(("bots.utility", role), lambda: _make_scorer(rules, role))


def _make_scorer(rules: Rules, role: str) -> Callable[[Sequence[int]], float]:
    # One expression per objective, in the objectives' order, written out with its numbers
    # (repr of an int or float reads back as the same number): the same operations on the
    # same operands in the same order as scoring.utility, without the loop and the goal tests.
    terms = []
    wsum = 0.0
    for o in rules.objectives[role]:
        lo, span, w = rules.lo[o.slot], rules.hi[o.slot] - rules.lo[o.slot], o.weight
        v = f"values[{int(o.slot)}]"
        if o.goal == "min":
            x = f"(1.0 - ({v} - ({lo!r})) / ({span!r}))"
        elif o.goal == "target":
            x = f"max(0.0, 1.0 - abs({v} - ({(o.target or 0) * SCALE!r})) / ({span!r}))"
        else:
            x = f"(({v} - ({lo!r})) / ({span!r}))"
        terms.append(f"    total += ({w!r}) * {x}\n")
        wsum += w
    src = ("def score(values):\n    total = 0.0\n" + "".join(terms)
           + f"    return 100.0 * total / ({wsum!r})\n")
    namespace: dict[str, Callable[[Sequence[int]], float]] = {}
    exec(compile(src, f"<utility {role}>", "exec"), {"max": max, "abs": abs}, namespace)
    return namespace["score"]


_GROW = threading.Lock()  # a look-ahead game grows by one round at a time


class _Game:
    """A look-ahead game from a position: these orders now, then none. It is played only as
    far as it has been asked for, and its states are kept, so looking further continues it;
    so are the utilities read from them."""

    __slots__ = ("rules", "orders", "seed", "states", "utilities")

    def __init__(self, rules: Rules, state: State, orders: Sequence[Order], seed: int) -> None:
        self.rules, self.orders, self.seed = rules, tuple(orders), seed
        self.states = [state]
        self.utilities: dict[tuple[str, int], float] = {}

    def at(self, rounds: int) -> State:
        """The state after ``rounds`` rounds (fewer if the game ends first)."""
        states = self.states
        if rounds < len(states):
            return states[rounds]
        rules, seed = self.rules, self.seed
        last = rules.scenario.rounds
        while len(states) <= rounds:
            n = len(states)
            st = states[-1]
            if st.round >= last:
                break
            st = advance(rules, st, self.orders if n == 1 else (), round_rng(seed, st.round + 1))
            with _GROW:
                # Another thread (the app's bots beside a batch) may have played this round
                # meanwhile: the same state, so keep the one there.
                if len(states) == n:
                    states.append(st)
        return states[min(rounds, len(states) - 1)]

    def utility(self, role: str, rounds: int) -> float:
        """``role``'s utility after ``rounds`` rounds (the state at() gives)."""
        u = self.utilities.get((role, rounds))
        if u is None:
            u = self.utilities[(role, rounds)] = _scorer(self.rules, role)(self.at(rounds).values)
        return u


def _game(rules: Rules, state: State, orders: Sequence[Order], seed: int) -> _Game:
    """The look-ahead game of these orders from this position (the same object for every
    set of orders with the same outcome: see _key)."""
    table = _SHARED.table(rules, state)
    counted = _key(rules, orders)
    key = (counted, seed)
    game: _Game | None = table.get(key)  # type: ignore[assignment]
    if game is None:
        # Played with only the orders that count (the same outcome: see _key), in the order
        # given: a deal nobody takes is left out, and a game of none of them is the cheaper
        # round without orders, whichever set of orders asked for it first.
        game = table[key] = _Game(rules, state, [o for o in orders if o in counted], seed)
    return game


def _path(rules: Rules, state: State, orders: Sequence[Order], seed: int, rounds: int) -> tuple[int, ...]:
    """The values after ``rounds`` rounds of a look-ahead game (fewer if the game ends)."""
    return _game(rules, state, orders, seed).at(rounds).values


def _ctx(rules: Rules, state: State) -> Ctx:
    # The same context the engine checks preconditions with (acting() included),
    # so a bot's "legal" is the engine's "legal"; one per position, for every role.
    table = _SHARED.table(rules, state)
    ctx: Ctx | None = table.get("ctx")  # type: ignore[assignment]
    if ctx is None:
        ctx = table["ctx"] = start_ctx(rules, state)
    return ctx


def legal_plays(rules: Rules, state: State, role: str) -> list[Order]:
    """Every single move the role could order now, each target separately."""
    table = _SHARED.table(rules, state)
    hit = table.get(("legal", role))
    if hit is None:
        ctx = _ctx(rules, state)
        hit = table[("legal", role)] = tuple(o for o in _plays(rules, role) if not check_order(rules, state, o, ctx))
    return list(hit)  # type: ignore[arg-type]


def _plays(rules: Rules, role: str) -> tuple[Order, ...]:
    """Every play of ``role``'s moves, each target separately, in the scenario's order: made
    once per scenario, not per position (an order is a value; the engine says which are legal)."""
    return rules.once(("bots.plays", role), lambda: tuple(
        Order(role, mid, "play", target) for mid, m in rules.scenario.moves.items() if m.role == role
        for target in (m.targets or [None])))


_ANSWERS: dict[tuple[str, str, str], Order] = {}


def _respond(role: str, move: str, answer: str) -> Order:
    """``Order(role, move, "respond", answer=answer)``, made once (bots build a few hundred
    a game, the same few dozen over and over)."""
    o = _ANSWERS.get((role, move, answer))
    if o is None:
        if len(_ANSWERS) >= 4096:
            _ANSWERS.clear()
        o = _ANSWERS[(role, move, answer)] = Order(role, move, "respond", answer=answer)  # type: ignore[arg-type]
    return o


def offered_deals(rules: Rules, role: str) -> list[str]:
    return [mid for mid, m in rules.scenario.moves.items() if m.deal and m.deal.counterparty == role]


def _value(rules: Rules, state: State, role: str, orders: Sequence[Order], seed: int, horizon: int) -> float:
    game = _game(rules, state, orders, seed)
    u = game.utilities.get((role, horizon))  # most asks are answered here: no further call
    return game.utility(role, horizon) if u is None else u


def _cost(rules: Rules, o: Order) -> int:
    return _budget.order_cost(rules, o)


def best_answer(rules: Rules, state: State, role: str, offer: Order, seed: int, horizon: int = HORIZON) -> str:
    """The answer to a deal offer that serves ``role``'s own objectives best."""
    table = _SHARED.table(rules, state)
    key = ("answer", role, offer, seed, horizon)  # asked by the proposer, then by the table
    hit: str | None = table.get(key)  # type: ignore[assignment]
    if hit is None:
        hit = table[key] = _best_answer(rules, state, role, offer, seed, horizon)
    return hit


def _best_answer(rules: Rules, state: State, role: str, offer: Order, seed: int, horizon: int) -> str:
    m = rules.scenario.moves[offer.move]
    answers = ["accept", "reject"] + (["renegotiate"] if m.deal and m.deal.renegotiated else [])
    best, best_v = "reject", None
    for a in answers:
        v = _value(rules, state, role, [offer, _respond(role, offer.move, a)], seed, horizon)
        if best_v is None or v > best_v + 1e-9:
            best, best_v = a, v
    return best


def answer_counter(rules: Rules, state: State, role: str, offer: Order, seed: int, horizon: int = HORIZON) -> bool:
    """Whether ``role``, having offered a deal, takes the counterparty's renegotiated terms
    (True) or walks away (False), judged by its own objectives."""
    m = rules.scenario.moves[offer.move]
    assert m.deal is not None
    counter = _respond(m.deal.counterparty, offer.move, "renegotiate")
    take = _value(rules, state, role, [offer, counter], seed, horizon)
    leave = _value(rules, state, role, [], seed, horizon)
    return take > leave + 1e-9


def choose_offers(rules: Rules, state: State, role: str, rng: random.Random | None = None, horizon: int = HORIZON,
                  committed: Sequence[Order] = ()) -> list[Order]:
    """The deals ``role`` puts on the table: those that raise its own score and that the
    counterparty, judged by its own objectives, would not refuse; within budget.

    No temperament here (``rng`` is not used): an offer is made whenever it pays."""
    s = rules.scenario
    seed = lookahead_seed(state)
    budget = _budget.left(rules, state, role, committed=committed)
    base = _value(rules, state, role, list(committed), seed, horizon)
    out: list[Order] = []
    for o in legal_plays(rules, state, role):
        m = s.moves[o.move]
        if m.deal is None or any(c.move == o.move for c in committed) or _cost(rules, o) > budget:
            continue
        answer = best_answer(rules, state, m.deal.counterparty, o, seed, horizon)
        if answer == "reject" or (answer == "renegotiate"
                                  and not answer_counter(rules, state, role, o, seed, horizon)):
            continue  # refused, or countered with terms it would walk away from
        trial = [*committed, o, _respond(m.deal.counterparty, o.move, answer)]
        if _value(rules, state, role, trial, seed, horizon) > base + 1e-9:
            out.append(o)
            budget -= _cost(rules, o)
    return out


def choose_orders(rules: Rules, state: State, role: str, rng: random.Random, horizon: int = HORIZON,
                  committed: Sequence[Order] = (), deals: bool = True) -> list[Order]:
    """A legal set of orders for ``role`` this round, within budget.

    ``committed`` are orders already settled (deals made at the negotiation table): their
    cost comes off the budget and the look-ahead assumes them; they are not returned.
    With ``deals=False`` the bot neither offers deals nor gives standing answers (the
    round's negotiation has settled them).
    """
    s = rules.scenario
    seed = lookahead_seed(state)
    budget = _budget.left(rules, state, role, committed=committed)
    orders: list[Order] = []

    # Standing answers to deals that may be offered: assume the proposer offers it.
    for mid in (offered_deals(rules, role) if deals else ()):
        m = s.moves[mid]
        offer = [o for o in legal_plays(rules, state, m.role) if o.move == mid]
        if not offer:
            continue
        best = best_answer(rules, state, role, offer[0], seed, horizon)
        cost = m.deal.counterparty_cost if (m.deal and best != "reject") else 0
        if best != "reject" and cost <= budget:
            orders.append(_respond(role, mid, best))
            budget -= cost

    settled = [*committed, *orders]
    cands: list[tuple[Order, int, list[Order]]] = []  # order, cost, look-ahead orders
    taken = {c.move for c in committed}
    for o in legal_plays(rules, state, role):
        cost = _cost(rules, o)
        if cost > budget or o.move in taken:
            continue
        deal = s.moves[o.move].deal
        if deal is None:
            trial = [*settled, o]
        elif not deals:
            continue
        else:
            # Offer a deal only if the counterparty, judging by its own objectives,
            # would take it; otherwise the points are wasted on a refusal.
            answer = best_answer(rules, state, deal.counterparty, o, seed, horizon)
            if answer == "reject":
                continue
            trial = [*settled, o, _respond(deal.counterparty, o.move, answer)]
        cands.append((o, cost, trial))
    base = _value(rules, state, role, settled, seed, horizon)
    scored: list[tuple[float, Order, int]] = []  # gain per point, order, its cost
    for o, cost, trial in cands:
        gain = _value(rules, state, role, trial, seed, horizon) - base
        gain *= 1.0 + rng.uniform(-NOISE, NOISE)
        scored.append((gain / max(cost, 1), o, cost))
    scored.sort(key=lambda t: (-t[0], t[1]))
    if scored and rng.random() < EXPLORE:
        # Now and then try something else, so bots do not all play alike.
        i = rng.randrange(len(scored))
        g, o, cost = scored.pop(i)
        scored.insert(0, (max(g, 1e-9), o, cost))
    chosen_moves: set[str] = set()
    for gain, o, cost in scored:
        if gain <= 0:
            break
        if cost <= budget and o.move not in chosen_moves:
            orders.append(o)
            chosen_moves.add(o.move)
            budget -= cost
    return orders
