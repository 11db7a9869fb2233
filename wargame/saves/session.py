"""A game being played and saved as it goes; rebuilding one from its log.

State is never stored as truth. Loading a save replays its events through the
engine and checks each round's recorded digest (and values) against what the
engine produces now, so a rules change that alters history is named, by round
and indicator.

Events:
    orders    {round, role, orders: [...], by: human|bot}   (last submission per role counts)
    inject    {round, event}                                  (fires when the round resolves)
    resolve   {round, digest, values, quadrants, scores, summary}
    override  {round, indicator, value, model_value, reason, digest}
              (model_value is what the rules produced, however many overrides came before)
    note      {round, text, bookmark: bool}

The round's flow (wargame.play) also logs, through :meth:`Session.record`, the phases,
the negotiation table (offer, answer, reply, withdraw), messages between teams and the
clock; replaying the engine needs none of them, and :func:`rebuild` keeps them in
``Session.events`` so that the flow can rebuild itself mid-round.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wargame import __version__
from wargame.engine.game import Game
from wargame.engine.orders import Order, OrderSpecError, Script, parse_order
from wargame.engine.rules import Rules, to_float
from wargame.engine.state import RoundTrace, State
from wargame.numbers import plain
from wargame.text import count
from wargame.saves.log import LogRead, SaveError, SaveWriter, file_sha256, read_log, write_log
from wargame.scenario.loader import LoadedScenario, scenario_from_canonical
from wargame.scenario.yamlsafe import InputError


def header_for(loaded: LoadedScenario, seed: int, seats: dict[str, str], parent: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "engine": __version__,
        "scenario_id": loaded.scenario.id,
        "scenario_sha256": loaded.sha256,
        # A JSON string, not an object: the log's canonical form sorts keys, and the
        # order of sectors, roles and moves is part of the scenario.
        "scenario": loaded.canonical_text,
        "rounds": loaded.scenario.rounds,  # the writer adds the end line with this round
        "seed": seed,
        "seats": seats,
        "parent": parent,
    }


def default_save_path(scenario_id: str, folder: Path | str = "saves", now: dt.datetime | None = None) -> Path:
    """saves/<scenario>-<date>-<time>.jsonl, never an existing file."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    base = Path(folder) / f"{scenario_id}-{stamp}.jsonl"
    return unique_path(base)


def unique_path(path: Path) -> Path:
    """``path``, or ``<stem>-2<suffix>``, ``-3``... : the first name not taken.

    The stem is kept whole: a trailing number in it (the time in a default name) is
    part of the name, not a counter to replace.
    """
    if not path.exists():
        return path
    n = 2
    while (cand := path.with_name(f"{path.stem}-{n}{path.suffix}")).exists():
        n += 1
    return cand


def _summary(rules: Rules, trace: RoundTrace) -> dict[str, Any]:
    return {
        "orders": [{"role": r.order.role, "order": r.order.to_json(), "accepted": r.accepted,
                    **({"reason": r.reason} if r.reason else {})} for r in trace.orders],
        "deals": [{"move": d.move, "proposer": d.proposer, "answer": d.answer, "outcome": d.outcome} for d in trace.deals],
        "events": [{"event": e.event, "how": e.how} for e in trace.events],
        # touched(): the same set, without building the round's contribution records (a
        # headless game never reads them).
        "changed": sorted(trace.touched()),
    }


def _survivors(rules: Rules) -> set[Order]:
    """Orders already seen to survive a save and reload under these rules. Whether one does
    depends only on the order and the scenario, and a batch's bots submit the same few
    dozen orders over and over: each is parsed back once per scenario, not per submission."""
    return rules.once("saves.survivors", set)


class Session:
    """A :class:`Game` plus its log. Every action is logged before it takes effect on screen."""

    def __init__(self, loaded: LoadedScenario, rules: Rules, game: Game, seats: dict[str, str],
                 writer: SaveWriter | None, events: list[dict[str, Any]] | None = None,
                 header: dict[str, Any] | None = None) -> None:
        self.loaded, self.rules, self.game, self.seats, self.writer = loaded, rules, game, seats, writer
        self.events: list[dict[str, Any]] = events or []
        self.header = header or header_for(loaded, game.seed, seats)
        self.pending: dict[str, tuple[Order, ...]] = {}
        self.pending_by: dict[str, str] = {}
        self.pending_injects: list[str] = []

    @classmethod
    def new(cls, loaded: LoadedScenario, seed: int | None = None, seats: dict[str, str] | None = None,
            path: Path | str | None = None, parent: dict[str, Any] | None = None,
            rules: Rules | None = None, start: State | None = None) -> "Session":
        """``start``: play on from this mid-game state rather than the scenario's opening
        (a branch of a compared save). Such a game is not saved: its log could not be
        replayed from the scenario alone."""
        rules = rules if rules is not None else Rules(loaded)
        if start is not None and path is not None:
            raise ValueError("a game started from a mid-game state is not saved")
        game = Game.new(rules, seed) if start is None else Game(rules, rules.scenario.seed if seed is None else seed,
                                                                  [start])
        seats = seats or {r: "human" for r in rules.roles}
        header = header_for(loaded, game.seed, seats, parent)
        writer = SaveWriter.create(path, header) if path is not None else None
        return cls(loaded, rules, game, seats, writer, [], header)

    @property
    def notes(self) -> list[dict[str, Any]]:
        """Notes and bookmarks, in the order they were logged."""
        return [e for e in self.events if e["type"] == "note"]

    @property
    def path(self) -> Path | None:
        return self.writer.path if self.writer else None

    def _log(self, event: dict[str, Any]) -> None:
        if self.writer is not None:
            self.writer.append(event)
        self.events.append(event)

    def submit(self, role: str, orders: list[Order] | tuple[Order, ...], by: str = "human") -> None:
        """Commit a role's orders for the current round (a later submission replaces it).

        Orders are checked for shape here (the role's own moves, known ids), so that the
        log only ever holds orders a replay can read back; whether they are legal this
        round is the engine's business, and a rejection is part of the record.
        """
        if role not in self.rules.scenario.roles:
            raise ValueError(f"unknown role {role!r}")
        if self.game.finished:
            raise ValueError("the game is over: no rounds left")
        written = []
        survives = _survivors(self.rules)
        for o in orders:
            if o.role != role:
                raise ValueError(f"an order of {o.role!r} cannot be submitted for {role!r}")
            spec = o.to_json()
            if o not in survives:
                if parse_order(self.rules.scenario, role, spec) != o:
                    raise ValueError(f"order {spec!r} does not survive a save and reload")
                survives.add(o)
            written.append(spec)
        self._log({"type": "orders", "round": self.game.round, "role": role, "orders": written, "by": by})
        self.pending[role] = tuple(orders)
        self.pending_by[role] = by

    def record(self, event: dict[str, Any]) -> None:
        """Log an event of the round's flow (see the module docstring); the engine ignores it."""
        if event.get("type") in ("orders", "inject", "resolve", "override"):
            raise ValueError(f"{event['type']} events are logged by their own methods")
        self._log(dict(event))

    def inject(self, event_id: str) -> None:
        if event_id not in self.rules.scenario.events:
            raise ValueError(f"unknown event {event_id!r}")
        if self.game.finished:
            raise ValueError("the game is over: no rounds left")
        self._log({"type": "inject", "round": self.game.round, "event": event_id})
        self.pending_injects.append(event_id)

    def resolve(self) -> RoundTrace:
        orders = [o for role in self.rules.roles for o in self.pending.get(role, ())]
        trace = self.game.play(orders, self.pending_injects)
        st = self.game.state
        self._log({"type": "resolve", "round": trace.round, "digest": st.digest(), "values": list(st.values),
                   "quadrants": trace.quadrants, "scores": {k: round(v, 4) for k, v in trace.scores.items()},
                   "summary": _summary(self.rules, trace)})
        self.pending, self.pending_by, self.pending_injects = {}, {}, []
        return trace

    def override(self, indicator: str, value: float, reason: str, tag: dict[str, str] | None = None) -> None:
        """``tag``: who asked, as ``{"seat", "req"}`` (the exercise server's request id), logged with
        the ruling so that the same request resent after a restart is recognised, not applied again."""
        if not reason.strip():
            raise ValueError("an override needs a reason")
        if indicator not in self.rules.index:
            raise ValueError(f"unknown indicator {indicator!r}")
        if not math.isfinite(value):
            raise ValueError(f"an override needs a finite number, not {value!r}")
        # Refused, not clamped: a ruling the room hears must be the number the game uses.
        lo, hi = override_bounds(self.rules, indicator)
        if not lo <= value <= hi:
            raise ValueError(f"{indicator} runs from {lo:g} to {hi:g}: {value:g} is out of range")
        ov = self.game.override(indicator, value, reason)
        self._log({"type": "override", "round": self.game.state.round, "indicator": indicator,
                   "value": ov.value, "model_value": ov.model_value, "reason": reason,
                   "digest": self.game.state.digest(), **(tag or {})})

    def note(self, text: str, bookmark: bool = False, tag: dict[str, str] | None = None) -> None:
        ev = {"type": "note", "round": self.game.state.round, "text": text, "bookmark": bookmark, **(tag or {})}
        self._log(ev)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def override_bounds(rules: Rules, indicator: str) -> tuple[float, float]:
    """The range an override of ``indicator`` must fall in (the indicator's own bounds)."""
    i = rules.index[indicator]
    return to_float(rules.lo[i]), to_float(rules.hi[i])


# --- rebuilding -----------------------------------------------------------------------

@dataclass
class Divergence:
    round: int
    line: int
    detail: str


@dataclass
class Step:
    """One event of a log, and the game position after it."""

    line: int
    event: dict[str, Any]
    round: int  # rounds resolved after this event


@dataclass
class Replay:
    read: LogRead
    session: Session
    steps: list[Step] = field(default_factory=list)
    divergence: Divergence | None = None
    scenario_note: str = ""  # where the scenario came from when the stored one is damaged

    @property
    def game(self) -> Game:
        return self.session.game

    @property
    def intact(self) -> bool:
        return not self.read.damage and not self.read.scenario_damage and self.divergence is None

    def _recovered_rounds(self) -> int:
        return sum(1 for e in self.read.events if e.get("type") == "resolve")

    def problems(self) -> list[str]:
        out = []
        if self.read.scenario_damage:
            out.append(f"{self.read.path}:2: the scenario stored in this save is damaged ("
                       f"{self.read.scenario_damage.split(': ', 1)[-1]}); {self.scenario_note}")
        if self.read.damage:
            lost = f" ({self.read.lost_summary})" if self.read.lost_summary else ""
            reason = self.read.damage.split(": ", 1)[-1]
            out.append(f"{self.read.path}:{self.read.damaged_line}: damaged at line {self.read.damaged_line}: {reason}; "
                       f"{count(len(self.read.events), 'event')} before it recovered ({count(self._recovered_rounds(), 'round')} intact), "
                       f"{count(self.read.lost_lines, 'line')} ({count(self.read.lost_bytes, 'byte')}) lost{lost}")
        if self.divergence:
            out.append(f"{self.read.path}:{self.divergence.line}: round {self.divergence.round} diverged: {self.divergence.detail}")
        return out


def rebuild(read: LogRead, writer: SaveWriter | None = None, trace: bool = True) -> Replay:
    """Replay a log's intact events through the engine. Raises SaveError if the scenario in it is unusable.

    ``trace=False`` (verification) replays without building the rounds' traces: the states
    and digests are the same, ``game.traces`` stays empty."""
    header = read.header
    stored = header.get("scenario")
    note = ""
    where = 2 if read.format >= 2 else 1
    if read.scenario_damage:
        stored, note = _scenario_by_hash(read)
        header = {**header, "scenario": stored}
    if not isinstance(stored, str) and read.damaged_line == 2:
        raise SaveError(f"{read.path}:2: damaged at line 2: {read.damage.split(': ', 1)[-1]}; the scenario and "
                        "every event are lost")
    if not isinstance(stored, str):
        raise SaveError(f"{read.path}:1: the header holds no scenario")
    try:
        loaded = scenario_from_canonical(json.loads(stored))
    except (InputError, KeyError, TypeError, ValueError, RecursionError) as exc:
        raise SaveError(f"{read.path}:{where}: the scenario stored in this save cannot be loaded: "
                        f"{_short(str(exc))}") from None
    # The hash is checked against the stored text itself, so that a newer program (one that
    # writes scenarios with a field more) still opens an old save; or against the scenario
    # as this program canonicalises it.
    if header.get("scenario_sha256") not in (None, hashlib.sha256(stored.encode()).hexdigest(), loaded.sha256):
        raise SaveError(f"{read.path}:{where}: the stored scenario does not match its hash (the header was altered)")
    try:
        rules = Rules(loaded)
    except Exception as exc:  # the stored scenario passed validation; anything here is a damaged header
        raise SaveError(f"{read.path}:1: the scenario stored in this save cannot be compiled: {exc}") from None
    seed = header.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise SaveError(f"{read.path}:1: the header has no usable seed ({seed!r})")
    game = Game.new(rules, seed)
    seats_raw = header.get("seats")
    if seats_raw is None:
        seats = {r: "human" for r in rules.roles}
    elif isinstance(seats_raw, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in seats_raw.items()):
        seats = dict(seats_raw)
    else:
        raise SaveError(f"{read.path}:1: the header's seats are not a mapping of roles to seats")
    session = Session(loaded, rules, game, seats, None, [], {k: v for k, v in header.items() if k not in ("type", "format", "prev", "hash")})
    replay = Replay(read, session, scenario_note=note)
    for i, ev in enumerate(read.events):
        line = read.line_of(i)
        try:
            _apply(session, ev, line, replay, trace)
        except (OrderSpecError, ValueError, KeyError, TypeError, AttributeError, IndexError, ArithmeticError) as exc:
            replay.divergence = replay.divergence or Divergence(game.round, line, f"event cannot be applied: {exc}")
            break
        replay.steps.append(Step(line, ev, game.state.round))
    session.events = list(read.events[: len(replay.steps)])
    session.writer = writer
    return replay


def _short(text: str, limit: int = 400) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _rel(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return rel if not rel.startswith("..") else str(path)


def _scenario_by_hash(read: LogRead) -> tuple[str, str]:
    """The damaged save's scenario, found again by its content hash among the scenario files
    (./scenarios and the project's own). The events chain from the header, which names the
    hash, so events replayed with a scenario of the same hash are checked as fully as ever."""
    from wargame.scenario.catalog import list_scenarios
    from wargame.scenario.loader import load_scenario

    want = read.header.get("scenario_sha256")
    sid = read.header.get("scenario_id")
    entries = sorted(list_scenarios(), key=lambda e: e.id != sid)  # the same id first: most likely
    for entry in entries:
        try:
            loaded = load_scenario(entry.path)
        except (InputError, OSError):
            continue
        if loaded.sha256 == want:
            return loaded.canonical_text, (f"its {count(len(read.events), 'event')} were replayed with {_rel(entry.path)}, "
                                           f"which has the same content hash ({str(want)[:12]}…)")
    raise SaveError(f"{read.path}:2: the scenario stored in this save is damaged ({read.scenario_damage.split(': ', 1)[-1]}), "
                    f"and no scenario file with its content hash ({str(want)[:12]}…) was found in ./scenarios; "
                    f"the {count(len(read.events), 'event')} after it {'is' if len(read.events) == 1 else 'are'} intact (their hash chain checks): put the "
                    f"scenario file the game was played with in ./scenarios to replay them")


def _apply(session: Session, ev: dict[str, Any], line: int, replay: Replay, trace: bool = True) -> None:
    rules, game = session.rules, session.game
    t = ev["type"]
    if t == "orders":
        role = ev["role"]
        if role not in rules.scenario.roles:
            raise ValueError(f"unknown role {role!r}")
        orders = tuple(parse_order(rules.scenario, role, spec) for spec in ev["orders"])
        session.pending[role] = orders
        session.pending_by[role] = ev.get("by", "human")
    elif t == "inject":
        if ev["event"] not in rules.scenario.events:
            raise ValueError(f"unknown event {ev['event']!r}")
        session.pending_injects.append(ev["event"])
    elif t == "resolve":
        orders = [o for role in rules.roles for o in session.pending.get(role, ())]
        if trace:
            game.play(orders, session.pending_injects)
        else:
            game.advance(orders, session.pending_injects)
        session.pending, session.pending_by, session.pending_injects = {}, {}, []
        st = game.state
        if ev.get("round") != st.round and replay.divergence is None:
            replay.divergence = Divergence(st.round, line, f"this resolution is recorded as round {ev.get('round')!r}, "
                                                           f"but it is round {st.round} on replay")
        if (ev.get("digest") != st.digest() or ev.get("values") != list(st.values)) and replay.divergence is None:
            replay.divergence = Divergence(st.round, line, _explain(rules, ev, st.values, ev.get("digest") == st.digest()))
    elif t == "override":
        ind, value = ev["indicator"], ev["value"]
        if ind not in rules.index:
            raise ValueError(f"unknown indicator {ind!r}")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"override value {value!r} is not a number")
        ov = game.override(ind, float(value), str(ev.get("reason", "")))
        if ev.get("digest") != game.state.digest() and replay.divergence is None:
            detail = "the state after this override differs from the one recorded"
            if isinstance(ev.get("model_value"), int | float) and ev["model_value"] != ov.model_value:
                detail += f": the model gave {ind} {ev['model_value']:g} when it was recorded, {ov.model_value:g} now"
            replay.divergence = Divergence(game.state.round, line, detail)
    elif t == "note":
        pass


def _explain(rules: Rules, ev: dict[str, Any], got: tuple[int, ...], digest_ok: bool = False) -> str:
    recorded = ev.get("values")
    if not isinstance(recorded, list) or len(recorded) != len(got):
        if digest_ok:
            return "the values recorded for this round are missing or malformed"
        return "the state digest differs from the one recorded (the rules now give a different result)"
    diffs = [f"{rules.ids[i]} recorded {_num(a)}, now {to_float(b):g}"
             for i, (a, b) in enumerate(zip(recorded, got)) if a != b]
    if not diffs:
        return "the state digest differs (policies or scheduled effects changed) though every value matches"
    more = f" and {len(diffs) - 3} more" if len(diffs) > 3 else ""
    if digest_ok:
        # The state replays to the recorded digest, so the recorded values are what was altered.
        return "the values recorded for this round do not match the replay: " + "; ".join(diffs[:3]) + more
    return "the rules now give a different result: " + "; ".join(diffs[:3]) + more


def _num(fixed: Any) -> str:
    return plain(to_float(fixed)) if isinstance(fixed, int | float) and not isinstance(fixed, bool) else repr(fixed)


def load(path: str | Path, trace: bool = True) -> Replay:
    """Read and rebuild a save (damage tolerated: see ``Replay.problems``); ``trace=False``
    to verify only (no round traces built)."""
    return rebuild(read_log(path), trace=trace)


def resume(path: str | Path) -> Replay:
    """Rebuild an intact save and keep writing to it."""
    replay = load(path)
    if not replay.intact:
        raise SaveError("; ".join(replay.problems()))
    replay.session.writer = SaveWriter.resume(path)
    return replay


def recover(path: str | Path, out: str | Path | None = None) -> Path:
    """Write the intact prefix of a damaged save to a new file (the original is kept)."""
    read = read_log(path)
    p = Path(path)
    target = Path(out) if out else unique_path(p.with_name(p.stem + "-recovered" + p.suffix))
    header = _header_of(read)
    header["parent"] = {"file": p.name, "sha256": file_sha256(p), "recovered": read.damaged_line or 2,
                        "parent": read.header.get("parent")}
    return write_log(target, header, [_strip(e) for e in read.events])


def _header_of(read: LogRead) -> dict[str, Any]:
    """The logical header (the scenario text included), to write a new save from."""
    header = {k: v for k, v in read.header.items() if k not in ("type", "format", "prev", "hash")}
    if "scenario" not in header:
        header["scenario"] = _scenario_by_hash(read)[0]
    return header


def _events_of(read: LogRead) -> list[dict[str, Any]]:
    """The intact events, each checked to have the fields undo and fork rely on."""
    out = []
    for i, e in enumerate(read.events):
        rnd = e.get("round")
        if isinstance(rnd, bool) or not isinstance(rnd, int):
            raise SaveError(f"{read.path}:{read.line_of(i)}: this {e.get('type')} event has no round number")
        out.append(_strip(e))
    return out


def _strip(ev: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in ev.items() if k not in ("prev", "hash")}


def _cut_round(events: list[dict[str, Any]], keep_rounds: int) -> list[dict[str, Any]]:
    """Events up to the resolve of round ``keep_rounds`` and the overrides/notes after it."""
    out: list[dict[str, Any]] = []
    resolved = 0
    for ev in events:
        if ev["type"] == "resolve":
            if ev["round"] > keep_rounds:
                break
            resolved = ev["round"]
        elif ev["type"] in ("override", "note"):
            if resolved >= keep_rounds and ev["round"] > keep_rounds:
                break
        elif ev["round"] > keep_rounds:  # orders, injects and the flow's events of a later round
            break
        out.append(ev)
    return out


def undo(path: str | Path, what: str = "round", out: str | Path | None = None) -> Path:
    """Write a new log without the last round (or the last event). History is never edited in place."""
    if what not in ("round", "event"):
        raise ValueError(f"undo what? 'round' or 'event', not {what!r}")
    read = read_log(path)
    events = _events_of(read)
    if what == "event":
        if not events:
            raise SaveError("there is no event to undo")
        kept = events[:-1]
    else:
        last = max((e["round"] for e in events if e["type"] == "resolve"), default=0)
        if last == 0:
            raise SaveError("there is no resolved round to undo")
        kept = _cut_round(events, last - 1)
    p = Path(path)
    target = Path(out) if out else unique_path(p.with_name(re.sub(r"-undo\d*$", "", p.stem) + "-undo" + p.suffix))
    header = _header_of(read)
    header["parent"] = {"file": p.name, "sha256": file_sha256(p), "undo": what}
    return write_log(target, header, kept)


def fork(path: str | Path, at_round: int, out: str | Path | None = None,
         seats: dict[str, str] | None = None) -> Path:
    """A new save holding the events up to ``at_round``, naming its parent and branch point."""
    read = read_log(path)
    events = _events_of(read)
    resolved = max((e["round"] for e in events if e["type"] == "resolve"), default=0)
    if not 0 <= at_round <= resolved:
        raise SaveError(f"cannot fork at round {at_round}: the save has rounds 0 to {resolved}")
    p = Path(path)
    target = Path(out) if out else unique_path(p.with_name(f"{p.stem}-fork-r{at_round}{p.suffix}"))
    header = _header_of(read)
    header["parent"] = {"file": p.name, "sha256": file_sha256(p), "round": at_round}
    if seats is not None:
        header["seats"] = seats
    return write_log(target, header, _cut_round(events, at_round))
