"""The round's flow: the one way any front end drives a game.

A :class:`Flow` owns a :class:`~wargame.saves.session.Session` (the game and its log)
and adds what happens around the engine: the phase of the round, the negotiation
table, messages between teams, whose orders are still awaited, the bots, the clock
and its deadlines, and the facilitator's actions. Every action is checked here (the
phase, who may do it, the budget) and logged before it takes effect, so a game can be
resumed in the middle of any phase, negotiation included.

The Textual app, headless ``simulate`` and the exercise server call only this API;
who may see what of it is decided in :mod:`wargame.play.view`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from wargame.engine import budget as _budget
from wargame.engine.game import Game, Override, bot_rng
from wargame.engine.orders import Order, Script, ScriptedAction
from wargame.engine.resolve import Ctx, check_order, resolve, round_rng, start_ctx
from wargame.engine.rules import Rules
from wargame.engine.state import RoundTrace, State
from wargame.play.clock import PhaseClock, SystemTime, TimeSource
from wargame.play.negotiation import (
    Answer,
    Message,
    NegotiationError,
    Offer,
    Reply,
    Status,
    Table,
    Terms,
    terms_of,
)
from wargame.play.phases import BEFORE_RESOLVE, ROUND, Control, Phase
from wargame.saves.session import Session, override_bounds
from wargame.scenario.loader import LoadedScenario

DraftPolicy = Literal["submit", "drop"]
# Who asked for an action, logged with it: {"seat": ..., "req": ...} from the exercise server, so
# that a request resent after a restart is recognised in the log rather than done twice.
Tag = dict[str, str]
WARN_AT = (60.0, 10.0)  # seconds before a deadline when the room is warned
FACILITATOR_ID = "facilitator"


class FlowError(ValueError):
    """An action the flow refuses now; the message says why, in words for the room."""


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the room should be told (from :meth:`Flow.tick`)."""

    kind: Literal["warning", "lock", "time-up"]
    phase: Phase
    text: str


@dataclass(frozen=True, slots=True)
class Budget:
    """A role's budget this round, as :mod:`wargame.engine.budget` counts it."""

    budget: int
    upkeep: int
    deals: int  # its side of the deals made (and, in negotiation, offered and still open)
    orders: int  # the orders being drafted
    left: int

    @property
    def over(self) -> bool:
        return self.left < 0


Listener = Callable[[dict[str, Any]], None]


class Flow:
    """A game being played, phase by phase. Build one with :meth:`new` or :meth:`resume`."""

    def __init__(self, session: Session, script: Script | None = None, time: TimeSource | None = None,
                 on_timeout: DraftPolicy = "submit", schedule: dict[int, dict[str, Control]] | None = None) -> None:
        self.session = session
        self.script = script
        # Who plays a role in a given round, where that differs from the seats (a fork of a save:
        # people's orders as played while the save has them, then bots).
        self.schedule: dict[int, dict[str, Control]] = schedule or {}
        self.time: TimeSource = time or SystemTime()
        self.table = Table()
        self.clock = PhaseClock(self.time)
        self.minutes: dict[Phase, float] = {}
        self.on_timeout: DraftPolicy = on_timeout
        self.locked = False
        self.drafts: dict[str, tuple[Order, ...]] = {}
        self.listeners: list[Listener] = []
        self._warned: set[float] = set()
        self._expired = False  # this phase's deadline has passed (and was dealt with)
        self._replaying = False
        self._kept_ctx: tuple[State, Ctx] | None = None
        self.phase, self.round = self._rebuild()

    # --- construction ---------------------------------------------------------------------------

    @classmethod
    def new(cls, loaded: LoadedScenario, seed: int | None = None, controls: dict[str, Control] | None = None,
            path: Path | str | None = None, script: Script | None = None, time: TimeSource | None = None,
            rules: Rules | None = None, on_timeout: DraftPolicy = "submit",
            parent: dict[str, Any] | None = None) -> "Flow":
        """A new game. ``controls`` says who plays each role (default: people); ``path``
        is where it is saved as it goes (None: not saved)."""
        roles = list(loaded.scenario.roles)
        seats: dict[str, str] = {r: (controls or {}).get(r, "human") for r in roles}
        session = Session.new(loaded, seed, seats, path, parent=parent, rules=rules)
        flow = cls(session, script, time, on_timeout)
        flow._enter(Phase.BRIEFING)
        return flow

    @classmethod
    def from_state(cls, loaded: LoadedScenario, start: State, seed: int, controls: dict[str, Control],
                   script: Script | None = None, rules: Rules | None = None,
                   schedule: dict[int, dict[str, Control]] | None = None) -> "Flow":
        """A game that plays on from a mid-game ``start`` (the state at the end of round
        ``start.round``), not saved: a compared branch of a save. ``schedule`` says, round by
        round, who plays a role where it is not what ``controls`` says."""
        session = Session.new(loaded, seed, dict(controls), None, rules=rules, start=start)
        flow = cls(session, script, None, "submit", schedule)
        flow._enter(Phase.BRIEFING)
        return flow

    @classmethod
    def resume(cls, path: Path | str, script: Script | None = None, time: TimeSource | None = None) -> "Flow":
        """Continue a saved game where it stopped (mid-negotiation included). Raises SaveError."""
        from wargame.saves.session import resume

        return cls(resume(path).session, script, time)

    # --- what the game is -----------------------------------------------------------------------

    @property
    def rules(self) -> Rules:
        return self.session.rules

    @property
    def game(self) -> Game:
        return self.session.game

    @property
    def roles(self) -> list[str]:
        return list(self.rules.roles)

    @property
    def path(self) -> Path | None:
        return self.session.path

    @property
    def finished(self) -> bool:
        """The last round is resolved (its debrief may still be showing)."""
        return self.game.finished

    def control(self, role: str) -> Control:
        """Who plays ``role`` in the round at hand."""
        c = self.schedule.get(self.round, {}).get(role) or self.session.seats.get(role, "human")
        return c if c in ("human", "bot", "script") else "human"  # type: ignore[return-value]

    def humans(self) -> list[str]:
        return [r for r in self.roles if self.control(r) == "human"]

    def bots(self) -> list[str]:
        return [r for r in self.roles if self.control(r) == "bot"]

    @property
    def last_trace(self) -> RoundTrace | None:
        return self.game.traces[-1] if self.game.traces else None

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` with every event the flow logs, after it takes effect."""
        self.listeners.append(listener)

    def close(self) -> None:
        self.session.close()

    # --- phases ---------------------------------------------------------------------------------

    def blocked(self) -> str:
        """Why the flow cannot move to the next phase now ('' if it can)."""
        if self.phase == Phase.ORDERS:
            missing = [r for r in self.roles if r not in self.session.pending]
            if missing:
                names = ", ".join(self.rules.scenario.roles[r].name for r in missing)
                return f"waiting for the orders of {names}"
        if self.phase == Phase.DEBRIEF and self.finished:
            return "the game is over"
        return ""

    def advance(self) -> Phase:
        """Move to the next phase (resolving the round between reveal and resolution)."""
        why = self.blocked()
        if why:
            raise FlowError(why)
        if self.phase == Phase.BRIEFING:
            self._scripted_injects()
            self._enter(Phase.NEGOTIATION)
            self._open_table()
        elif self.phase == Phase.NEGOTIATION:
            self.table.close(self.round)
            self._enter(Phase.ORDERS)
            self._scripted_orders()
        elif self.phase == Phase.ORDERS:
            self._enter(Phase.REVEAL)
        elif self.phase == Phase.REVEAL:
            trace = self.session.resolve()
            self._notify({"type": "resolve", "round": trace.round})
            self._enter(Phase.RESOLUTION, trace.round)
            self._scripted_rulings(trace.round)
        elif self.phase == Phase.RESOLUTION:
            self._enter(Phase.DEBRIEF, self.game.state.round)
        else:
            self._enter(Phase.BRIEFING)
        return self.phase

    def _enter(self, phase: Phase, rnd: int | None = None) -> None:
        self.phase = phase
        self.round = self.game.round if rnd is None and phase in BEFORE_RESOLVE else (
            rnd if rnd is not None else self.game.state.round)
        self.locked = False
        self._warned = set()
        self._expired = False
        self.drafts = {} if phase == Phase.ORDERS else self.drafts
        minutes = self.minutes.get(phase)
        if minutes:
            self.clock.set(minutes)
        else:
            self.clock.clear()
        self._log({"type": "phase", "round": self.round, "phase": phase.value})

    # --- negotiation ------------------------------------------------------------------------------

    def _need(self, phase: Phase, what: str) -> None:
        if self.phase != phase:
            raise FlowError(f"{what} only in the {phase.value} phase (this is the {self.phase.value})")
        if self.locked:
            raise FlowError(f"time is up: the {phase.value} phase is locked")

    def terms(self, move: str) -> Terms:
        return terms_of(self.rules.scenario, move)

    def offerable(self, role: str) -> list[Order]:
        """The deals ``role`` could put on the table now (each target separately)."""
        taken = {o.move for o in self.table.of_round(self.round) if o.status != Status.WITHDRAWN}
        return [o for mid, m in self.rules.scenario.moves.items()
                if m.role == role and m.deal is not None and mid not in taken for o in self._offers(role, mid)]

    def _offers(self, role: str, move: str) -> list[Order]:
        """``role``'s offers of the deal ``move`` that the engine would let it play now, one per
        target (offerable's test for one move: proposing asks it of that move only)."""
        m = self.rules.scenario.moves[move]
        state = self.game.state
        ctx = self._ctx()
        return [o for o in (Order(role, move, "play", t) for t in (m.targets or [None]))
                if not check_order(self.rules, state, o, ctx)]

    def _ctx(self) -> Ctx:
        """What preconditions read at the start of the round: made once per position (a round's
        offers each ask it), not per question."""
        state = self.game.state
        kept = self._kept_ctx
        if kept is None or kept[0] is not state:
            kept = self._kept_ctx = (state, start_ctx(self.rules, state))
        return kept[1]

    def awaiting(self, role: str) -> list[Offer]:
        """Offers waiting for ``role``: addressed to it, or its own that were countered."""
        return [o for o in self.table.live(self.round)
                if (o.status == Status.OPEN and o.counterparty == role)
                or (o.status == Status.COUNTERED and o.proposer == role)]

    def offers(self, rnd: int | None = None) -> list[Offer]:
        return self.table.of_round(self.round if rnd is None else rnd)

    def messages(self) -> list[Message]:
        return list(self.table.messages)

    def budget(self, role: str, orders: Iterable[Order] = ()) -> Budget:
        """What ``role`` may still spend: in negotiation its open offers are held against it
        (they may yet be made); in orders, the deals made."""
        deal_orders: list[Order] = []
        for o in self.table.of_round(self.round):
            if o.status.made:
                deal_orders += [x for x in o.orders() if x.role == role]
            elif o.status.live and not o.closed and o.proposer == role:
                deal_orders.append(o.play_order())  # held until it is answered
        deals = sum(_budget.order_cost(self.rules, x) for x in deal_orders)
        orders = list(orders)
        revoked = {o.move for o in orders if o.kind == "revoke"}
        up = _budget.upkeep(self.rules, self.game.state, role, revoked)
        cost = sum(_budget.order_cost(self.rules, o) for o in orders)
        b = self.rules.scenario.roles[role].budget
        return Budget(b, up, deals, cost, b - up - deals - cost)

    def propose(self, role: str, move: str, target: str | None = None, by: Control = "human") -> Offer:
        self._need(Phase.NEGOTIATION, "offers are made")
        o = Order(role, move, "play", target)
        m = self.rules.scenario.moves.get(move)
        for prior in self.table.of_round(self.round):
            if prior.move == move and prior.status != Status.WITHDRAWN:
                raise FlowError(f"{m.name if m else move} is already on the table this round ({prior.status.words})")
        if m is None or m.role != role or m.deal is None or not self._offers(role, move):
            why = check_order(self.rules, self.game.state, o, self._ctx()) if m else ""
            raise FlowError(why or f"{m.name if m else repr(move)} cannot be offered now")
        cost = _budget.order_cost(self.rules, o)
        if cost > self.budget(role).left:
            raise FlowError(f"not enough budget left to offer this deal (it costs {cost} if made)")
        try:
            offer = self.table.propose(self.rules.scenario, self.round, role, move, target)
        except NegotiationError as exc:
            raise FlowError(str(exc)) from None
        self._log({"type": "offer", "round": self.round, "id": offer.id, "role": role, "move": move,
                   "target": target, "by": by})
        self._auto_answer(offer)
        return offer

    def answer(self, role: str, offer_id: str, answer: Answer, by: Control = "human") -> Offer:
        self._need(Phase.NEGOTIATION, "offers are answered")
        offer = self._offer(offer_id)
        if answer == "accept" and offer.counterparty == role:
            cost = self.rules.scenario.moves[offer.move].deal.counterparty_cost  # type: ignore[union-attr]
            if cost > self.budget(role).left:
                raise FlowError(f"not enough budget left to accept (your side costs {cost})")
        try:
            self.table.answer(self.rules.scenario, offer_id, role, answer)
        except NegotiationError as exc:
            raise FlowError(str(exc)) from None
        self._log({"type": "answer", "round": self.round, "id": offer_id, "role": role, "answer": answer, "by": by})
        if offer.status == Status.COUNTERED:
            self._auto_reply(offer)
        return offer

    def reply(self, role: str, offer_id: str, reply: Reply, by: Control = "human") -> Offer:
        self._need(Phase.NEGOTIATION, "counter-offers are answered")
        try:
            offer = self.table.reply(offer_id, role, reply)
        except NegotiationError as exc:
            raise FlowError(str(exc)) from None
        self._log({"type": "reply", "round": self.round, "id": offer_id, "role": role, "reply": reply, "by": by})
        return offer

    def withdraw(self, role: str, offer_id: str) -> Offer:
        self._need(Phase.NEGOTIATION, "offers are withdrawn")
        try:
            offer = self.table.withdraw(offer_id, role)
        except NegotiationError as exc:
            raise FlowError(str(exc)) from None
        self._log({"type": "withdraw", "round": self.round, "id": offer_id, "role": role})
        return offer

    def send(self, sender: str, to: str, text: str, tag: Tag | None = None) -> Message:
        """A private message: seen by its sender, its addressee and the facilitator."""
        valid = {*self.roles, FACILITATOR_ID}
        if sender not in valid or to not in valid:
            raise FlowError(f"messages go between teams and the facilitator, not {sender!r} -> {to!r}")
        try:
            msg = self.table.send(self.round, sender, to, text)
        except NegotiationError as exc:
            raise FlowError(str(exc)) from None
        self._log({"type": "message", "round": self.round, "id": msg.id, "from": sender, "to": to, "text": msg.text,
                   **(tag or {})})
        return msg

    def _offer(self, offer_id: str) -> Offer:
        try:
            return self.table.by_id(offer_id)
        except NegotiationError as exc:
            raise FlowError(str(exc)) from None

    def _bot_seed(self, role: str, purpose: str, move: str) -> int:
        """The luck of a bot's look-ahead when it answers at the table: the position's own, as
        when it chooses orders (so that look-ahead games are shared, and cached)."""
        from wargame.engine.bots import lookahead_seed

        return lookahead_seed(self.game.state)

    def _open_table(self) -> None:
        """Scripted roles' deals go on the table, then the bots', each answered at once by a
        bot or scripted counterparty."""
        from wargame.engine.bots import choose_offers

        if self.script is not None:
            for role in self.roles:
                if self.control(role) != "script":
                    continue
                for o in self.script.orders(self.round, role):
                    if o.kind == "play" and self.rules.scenario.moves[o.move].deal is not None:
                        try:
                            self.propose(role, o.move, o.target, by="script")
                        except FlowError:
                            pass  # not offerable now: the engine's own check would reject it too
        for role in self.bots():
            for o in choose_offers(self.rules, self.game.state, role):  # no random draws: no stream to seed
                try:
                    self.propose(role, o.move, o.target, by="bot")
                except FlowError:
                    pass  # the budget went to an earlier offer

    def _auto_answer(self, offer: Offer) -> None:
        who = self.control(offer.counterparty)
        answer: str | None = None
        if who == "script" and self.script is not None:
            for o in self.script.orders(self.round, offer.counterparty):
                if o.kind == "respond" and o.move == offer.move:
                    answer = {"renegotiate": "counter"}.get(o.answer or "", o.answer)
        elif who == "bot":
            from wargame.engine.bots import best_answer

            best = best_answer(self.rules, self.game.state, offer.counterparty, offer.offered_order(),
                               self._bot_seed(offer.counterparty, "answer", offer.move))
            answer = {"renegotiate": "counter"}.get(best, best)
        if answer is None:
            return
        try:
            self.answer(offer.counterparty, offer.id, answer, by=who)  # type: ignore[arg-type]
        except FlowError:
            if answer == "accept":  # cannot afford its side: a refusal, said so in the log
                self.answer(offer.counterparty, offer.id, "reject", by=who)

    def _auto_reply(self, offer: Offer) -> None:
        who = self.control(offer.proposer)
        reply: Reply | None = None
        if who == "script" and self.script is not None:
            plays = [o for o in self.script.orders(self.round, offer.proposer) if o.kind == "play" and o.move == offer.move]
            reply = "walk-away" if plays and plays[0].walk_away else "accept"
        elif who == "bot":
            from wargame.engine.bots import answer_counter

            take = answer_counter(self.rules, self.game.state, offer.proposer, offer.offered_order(),
                                  self._bot_seed(offer.proposer, "counter", offer.move))
            reply = "accept" if take else "walk-away"
        if reply is not None:
            self.reply(offer.proposer, offer.id, reply, by=who)

    # --- orders -----------------------------------------------------------------------------------

    def turns(self) -> list[str]:
        """The people whose orders are still awaited, in the scenario's order."""
        if self.phase != Phase.ORDERS:
            return []
        return [r for r in self.humans() if r not in self.session.pending]

    def submitted(self) -> list[str]:
        return [r for r in self.roles if r in self.session.pending]

    def available(self, role: str) -> dict[str, tuple[list[str | None], str]]:
        """Each of ``role``'s moves that are orders (deals are made at the table): the targets
        it may be played at this round, and, if none, why not (the engine's own check)."""
        s = self.rules.scenario
        ctx = self._ctx()
        out: dict[str, tuple[list[str | None], str]] = {}
        for mid, m in s.moves.items():
            if m.role != role or m.deal is not None:
                continue
            ok: list[str | None] = []
            first = ""
            for t in (m.targets or [None]):
                why = check_order(self.rules, self.game.state, Order(role, mid, "play", t), ctx)
                if not why:
                    ok.append(t)
                elif not first:
                    first = why
            out[mid] = (ok, "" if ok else first)
        return out

    def committed(self, role: str) -> list[Order]:
        """Orders ``role`` carries from the negotiation table into resolution."""
        return self.table.committed_orders(self.round, role)

    def draft(self, role: str, orders: Iterable[Order]) -> None:
        """A team's orders as they stand (not logged): what a time-out submits or drops."""
        self.drafts[role] = tuple(orders)

    def submit(self, role: str, orders: Iterable[Order], by: Control | Literal["lock"] = "human") -> None:
        """Commit ``role``'s orders for the round. Deals are not orders: they are made at the
        negotiation table, and those made are added here."""
        self._need(Phase.ORDERS, "orders are given")
        if role in self.session.pending:
            raise FlowError(f"{self.rules.scenario.roles[role].name} has already given its orders")
        self._submit(role, orders, by)

    def _submit(self, role: str, orders: Iterable[Order], by: str) -> None:
        own = []
        for o in orders:
            m = self.rules.scenario.moves.get(o.move)
            if m is not None and m.deal is not None and o.kind in ("play", "respond"):
                if by in ("human", "lock"):
                    raise FlowError(f"{m.name} is a deal: deals are made at the negotiation table")
                continue  # a scripted file's deals were played at the table
            own.append(o)
        try:
            self.session.submit(role, [*self.committed(role), *own], by=by)
        except ValueError as exc:
            raise FlowError(str(exc)) from None
        self.drafts.pop(role, None)
        self._notify({"type": "orders", "round": self.round, "role": role, "by": by})

    def bot_orders(self, role: str) -> list[Order]:
        """A bot's orders for this round (pure: nothing is logged; may run in a worker thread)."""
        from wargame.engine.bots import choose_orders

        made = [x for o in self.table.made(self.round, role) for x in o.orders() if x.role == role]
        return choose_orders(self.rules, self.game.state, role, bot_rng(self.game.seed, self.round, role),
                             committed=made, deals=False)

    def bots_to_play(self) -> list[str]:
        return [r for r in self.bots() if r not in self.session.pending] if self.phase == Phase.ORDERS else []

    def play_bots(self) -> None:
        for role in self.bots_to_play():
            self.submit(role, self.bot_orders(role), by="bot")

    def preview(self) -> RoundTrace:
        """What resolving now would give (nothing changes): the reveal shows its order checks."""
        orders = [o for role in self.roles for o in self.session.pending.get(role, ())]
        _, trace = resolve(self.rules, self.game.state, orders, round_rng(self.game.seed, self.game.round),
                           self.session.pending_injects)
        return trace

    def pending_orders(self) -> dict[str, tuple[Order, ...]]:
        return dict(self.session.pending)

    def _scripted_orders(self) -> None:
        if self.script is None:
            return
        for role in self.roles:
            if self.control(role) == "script" and role not in self.session.pending:
                self._submit(role, self.script.orders(self.round, role), "script")

    # --- facilitator --------------------------------------------------------------------------------

    @property
    def pending_injects(self) -> list[str]:
        return list(self.session.pending_injects)

    def inject(self, event_id: str) -> None:
        """Play an event by hand: it fires when the round resolves."""
        if self.finished:
            raise FlowError("the game is over: there is no round left for an event")
        if event_id in self.session.pending_injects:
            raise FlowError(f"{self.rules.scenario.events[event_id].name} is already queued for this round")
        try:
            self.session.inject(event_id)
        except ValueError as exc:
            raise FlowError(str(exc)) from None
        self._notify({"type": "inject", "round": self.game.round, "event": event_id})

    def bounds(self, indicator: str) -> tuple[float, float]:
        return override_bounds(self.rules, indicator)

    def override(self, indicator: str, value: float, reason: str, tag: Tag | None = None) -> Override:
        """Set an indicator by hand, with a reason; the rules' own value is kept beside it."""
        try:
            self.session.override(indicator, value, reason, tag)
        except ValueError as exc:
            raise FlowError(str(exc)) from None
        ov = self.game.overrides[-1]
        self._notify({"type": "override", "round": ov.after_round, "indicator": indicator})
        return ov

    def overrides(self, after_round: int | None = None) -> list[Override]:
        """Rulings made after ``after_round`` resolved (all of them if None)."""
        return [o for o in self.game.overrides if after_round is None or o.after_round == after_round]

    def note(self, text: str, bookmark: bool = False, tag: Tag | None = None) -> None:
        if not text.strip():
            raise FlowError("an empty note")
        self.session.note(text, bookmark=bookmark, tag=tag)
        self._notify({"type": "note", "round": self.game.state.round, "bookmark": bookmark})

    def bookmark(self, text: str) -> None:
        self.note(text, bookmark=True)

    def undo(self, what: Literal["round", "event"] = "round") -> "Flow":
        """A new save without the last round (or event); the current file is kept unchanged.
        Returns the flow that continues in the new file (this one is closed)."""
        from wargame.saves.log import SaveError
        from wargame.saves.session import undo

        if self.path is None:
            raise FlowError("this game is not being saved, so it cannot be undone")
        if what == "round" and self.game.state.round == 0:
            raise FlowError("no round has been resolved yet: nothing to undo")
        self.session.close()
        try:
            new = undo(self.path, what)
            flow = Flow.resume(new, self.script, self.time)
        except (SaveError, OSError) as exc:
            self.session = Flow.resume(self.path, self.script, self.time).session
            raise FlowError(f"undo failed: {exc}") from None
        flow.minutes, flow.on_timeout = dict(self.minutes), self.on_timeout
        if what == "round":
            flow._enter(Phase.BRIEFING)
        return flow

    def _scripted_injects(self) -> None:
        for act in self._actions("inject"):
            if act.event not in self.session.pending_injects:
                self.inject(act.event)  # type: ignore[arg-type]

    def _scripted_rulings(self, rnd: int) -> None:
        """A script's overrides and notes apply after its round resolves, as the console's do."""
        if self.script is None:
            return
        for act in self.script.facilitator.get(rnd, ()):
            if act.kind == "override":
                self.override(act.indicator, act.value, act.reason)  # type: ignore[arg-type]
            elif act.kind == "note":
                self.note(act.text)

    def _actions(self, kind: str) -> list[ScriptedAction]:
        if self.script is None:
            return []
        return [a for a in self.script.facilitator.get(self.round, ()) if a.kind == kind]

    # --- the clock ------------------------------------------------------------------------------------

    def set_clock(self, phase: Phase, minutes: float) -> None:
        """Minutes for every ``phase`` from now on (0: no clock); restarts it if that phase is on."""
        if minutes < 0 or minutes != minutes:
            raise FlowError("minutes must be 0 or more")
        if minutes:
            self.minutes[phase] = minutes
        else:
            self.minutes.pop(phase, None)
        if phase == self.phase:
            if minutes:
                self.clock.set(minutes)
            else:
                self.clock.clear()
            self._warned, self._expired = set(), False
        self._log({"type": "clock", "round": self.round, "phase": phase.value, "action": "set", "minutes": minutes})

    def set_timeout_policy(self, policy: DraftPolicy) -> None:
        """At a time-out in the orders phase, submit each late team's draft, or drop it."""
        if policy not in ("submit", "drop"):
            raise FlowError(f"at time-out, drafts are submitted or dropped, not {policy!r}")
        self.on_timeout = policy
        self._log({"type": "clock", "round": self.round, "phase": self.phase.value, "action": "policy",
                   "policy": policy})

    def pause_clock(self) -> None:
        if not self.clock.active:
            raise FlowError("no clock is set for this phase")
        if self.clock.running:
            self.clock.pause()
            action = "pause"
        else:
            self.clock.resume()
            action = "resume"
        self._log({"type": "clock", "round": self.round, "phase": self.phase.value, "action": action,
                   "remaining": round(self.clock.remaining() or 0.0, 3)})

    def extend_clock(self, minutes: float) -> None:
        if minutes <= 0:
            raise FlowError("extend by a positive number of minutes")
        self.clock.extend(minutes)
        self._warned = {w for w in self._warned if w > (self.clock.remaining() or 0)}
        self.locked = self._expired = False
        self._log({"type": "clock", "round": self.round, "phase": self.phase.value, "action": "extend",
                   "minutes": minutes, "remaining": round(self.clock.remaining() or 0.0, 3)})

    def tick(self) -> list[Notice]:
        """Check the deadline: warnings as it nears, then the lock. Call it often."""
        out: list[Notice] = []
        rem = self.clock.remaining()
        if rem is None or self.locked or self._expired:
            return out
        for w in WARN_AT:
            if 0 < rem <= w and w not in self._warned and (self.clock.limit or 0) > w:
                self._warned.add(w)
                out.append(Notice("warning", self.phase, f"{int(w)} seconds left in the {self.phase.value} phase"))
        if rem <= 0:
            self._expired = True  # once per deadline: extending or setting the clock gives a new one
            out.append(self.lock())
        return out

    def lock(self) -> Notice:
        """Time is up: negotiation closes; late teams' drafts are submitted or dropped."""
        late: list[str] = []
        if self.phase == Phase.NEGOTIATION:
            self.table.close(self.round)
            text = "Time is up: the negotiation table is closed; offers not answered are unanswered."
        elif self.phase == Phase.ORDERS:
            late = self.turns()
            text = ("Time is up: orders are locked. "
                    + (f"Drafts {'submitted' if self.on_timeout == 'submit' else 'dropped'} for "
                       + ", ".join(self.rules.scenario.roles[r].name for r in late) + "." if late else ""))
        else:
            text = f"Time is up for the {self.phase.value} phase."
        self._log({"type": "clock", "round": self.round, "phase": self.phase.value, "action": "lock",
                   "policy": self.on_timeout, "late": late})
        for role in late:
            drafts = self.drafts.get(role, ()) if self.on_timeout == "submit" else ()
            self._submit(role, drafts, "lock")
        self.locked = self.phase in (Phase.NEGOTIATION, Phase.ORDERS)
        return Notice("lock" if self.locked else "time-up", self.phase, text.strip())

    # --- the log ----------------------------------------------------------------------------------

    def _log(self, event: dict[str, Any]) -> None:
        if self._replaying:
            return
        self.session.record(event)
        self._notify(event)

    def _notify(self, event: dict[str, Any]) -> None:
        for fn in list(self.listeners):
            fn(event)

    def _rebuild(self) -> tuple[Phase, int]:
        """The flow's own state (phase, table, messages, clock) from the session's events."""
        self._replaying = True
        phase: Phase | None = None
        rnd = 0
        limit: float | None = None
        elapsed = 0.0
        try:
            for ev in self.session.events:
                t = ev.get("type")
                if t == "phase":
                    if phase == Phase.NEGOTIATION:
                        self.table.close(rnd)
                    phase, rnd = Phase(ev["phase"]), int(ev["round"])
                    self.locked = self._expired = False
                    m = self.minutes.get(phase)
                    limit, elapsed = (m * 60.0 if m else None), 0.0
                elif t == "offer":
                    o = self.table.propose(self.rules.scenario, ev["round"], ev["role"], ev["move"], ev.get("target"))
                    if o.id != ev["id"]:
                        raise NegotiationError(f"offer {ev['id']} replays as {o.id}")
                elif t == "answer":
                    self.table.answer(self.rules.scenario, ev["id"], ev["role"], ev["answer"])
                elif t == "reply":
                    self.table.reply(ev["id"], ev["role"], ev["reply"])
                elif t == "withdraw":
                    self.table.withdraw(ev["id"], ev["role"])
                elif t == "message":
                    self.table.send(ev["round"], ev["from"], ev["to"], ev["text"])
                elif t == "clock":
                    action = ev.get("action")
                    ph = Phase(ev["phase"])
                    if action == "set":
                        m = float(ev["minutes"])
                        if m:
                            self.minutes[ph] = m
                        else:
                            self.minutes.pop(ph, None)
                        if ph == phase:
                            limit, elapsed = (m * 60.0 if m else None), 0.0
                    elif action == "policy":
                        self.on_timeout = ev["policy"]
                    elif action in ("pause", "resume") and limit is not None:
                        elapsed = limit - float(ev["remaining"])
                    elif action == "extend" and limit is not None:
                        limit += float(ev["minutes"]) * 60.0
                        self.locked = self._expired = False
                    elif action == "lock":
                        self._expired = True
                        if ph == Phase.NEGOTIATION:
                            self.table.close(rnd)
                        self.locked = ph in (Phase.NEGOTIATION, Phase.ORDERS)
        finally:
            self._replaying = False
        if phase is None:  # a save from before the flow logged its phases
            if self.game.finished:
                phase, rnd = Phase.DEBRIEF, self.game.state.round
            elif self.session.pending:
                phase, rnd = Phase.ORDERS, self.game.round
            else:
                phase, rnd = Phase.BRIEFING, self.game.round
        if limit is not None:
            # Resumed with the clock paused where the log last saw it: time away does not count.
            self.clock.restore(limit, elapsed)
        return phase, rnd


def phase_after(phase: Phase) -> Phase:
    return ROUND[(ROUND.index(phase) + 1) % len(ROUND)]
