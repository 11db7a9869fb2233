"""Scripted orders files, built on the written form of an order (:mod:`wargame.scenario.orders`,
re-exported here: ``Order`` and ``parse_order`` are what the engine and its callers use).

Deals are answered in the same round they are proposed, without seeing the
proposal: an answer is a standing decision ("if China offers this, we accept"),
which keeps orders simultaneous and secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from wargame.scenario.model import Scenario
from wargame.scenario.orders import Answer, Kind, Order, OrderSpecError, parse_order
from wargame.scenario.suggest import did_you_mean
from wargame.scenario.yamlsafe import Diagnostic, InputError, parse, read_text

__all__ = ["Answer", "Kind", "Order", "OrderSpecError", "Script", "ScriptedAction", "load_script", "parse_order",
           "script_from_data"]


# --- scripted orders -------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ScriptedAction:
    """A facilitator's action written into an orders file: ``{inject: EVENT}``,
    ``{override: INDICATOR, value: N, reason: TEXT}`` or ``{note: TEXT}``."""

    kind: Literal["inject", "override", "note"]
    event: str | None = None
    indicator: str | None = None
    value: float = 0.0
    reason: str = ""
    text: str = ""


@dataclass(frozen=True)
class Script:
    """Orders by round and role. Roles it never names are left to bots."""

    rounds: dict[int, dict[str, tuple[Order, ...]]]
    roles: frozenset[str]
    facilitator: dict[int, tuple[ScriptedAction, ...]] = field(default_factory=dict)
    # (round, role, index of the order) -> the fact ids an order cites (`cites:` in a mapping order).
    # Kept beside the orders, not in them: a citation documents an order, it does not change it.
    cites: dict[tuple[int, str, int], tuple[str, ...]] = field(default_factory=dict)

    def orders(self, rnd: int, role: str) -> tuple[Order, ...]:
        return self.rounds.get(rnd, {}).get(role, ())


def script_from_data(s: Scenario, data: Any, doc: Any = None) -> Script:
    """Build a :class:`Script` from ``{round: {role: [orders]}}``; raises InputError (via doc) or OrderSpecError."""
    problems: list[Diagnostic] = []
    rounds: dict[int, dict[str, tuple[Order, ...]]] = {}
    roles: set[str] = set()
    facilitator: dict[int, tuple[ScriptedAction, ...]] = {}
    cites: dict[tuple[int, str, int], tuple[str, ...]] = {}

    def bad(path: tuple, msg: str, key: bool = False) -> None:
        if doc is None:
            raise OrderSpecError(f"{'.'.join(map(str, path))}: {msg}")
        problems.append(doc.diag(path, msg, key=key))

    base: tuple = ("rounds",) if doc is not None else ()
    if not isinstance(data, dict):
        bad(base, "expected a mapping of round numbers to orders")
        raise InputError(problems)
    for rnd, by_role in data.items():
        if not isinstance(rnd, int) or isinstance(rnd, bool) or rnd < 1:
            bad(base + (rnd,), f"round must be a whole number from 1, not {rnd!r}", key=True)
            continue
        if rnd > s.rounds:
            bad(base + (rnd,), f"round {rnd} is after the last round ({s.rounds})", key=True)
            continue
        if by_role is None:
            by_role = {}
        if not isinstance(by_role, dict):
            bad(base + (rnd,), "expected a mapping of role ids to lists of orders")
            continue
        for role, specs in by_role.items():
            if role == "facilitator":
                acts = _facilitator(s, specs, base + (rnd, role), bad)
                facilitator[rnd] = acts
                continue
            if role not in s.roles:
                bad(base + (rnd, role), f"unknown role {role!r}{did_you_mean(str(role), s.roles)}", key=True)
                continue
            roles.add(role)
            specs = [] if specs is None else specs
            if not isinstance(specs, list):
                specs = [specs]
            parsed: list[Order] = []
            for i, spec in enumerate(specs):
                if isinstance(spec, dict) and "cites" in spec:
                    # `cites: [fact ids]` on a mapping order says which facts record it (the history file).
                    spec = dict(spec)
                    ids = spec.pop("cites")
                    if not isinstance(ids, list) or not all(isinstance(x, str) for x in ids):
                        bad(base + (rnd, role, i, "cites"), "cites must be a list of fact ids, like [semi.ic_fund_2015]")
                        continue
                    cites[(rnd, role, len(parsed))] = tuple(ids)
                try:
                    parsed.append(parse_order(s, role, spec))
                except OrderSpecError as exc:
                    bad(base + (rnd, role, i), exc.message)
            rounds.setdefault(rnd, {})[role] = tuple(parsed)
    if problems:
        raise InputError(problems)
    return Script(rounds, frozenset(roles), facilitator, cites)


def _facilitator(s: Scenario, specs: Any, path: tuple, bad: Any) -> tuple[ScriptedAction, ...]:
    """A round's ``facilitator:`` list; problems go to ``bad(path, message)``."""
    if not isinstance(specs, list):
        bad(path, "facilitator: expected a list of {inject: EVENT}, {override: INDICATOR, value: N, reason: TEXT} "
                  "or {note: TEXT}")
        return ()
    out: list[ScriptedAction] = []
    indicators = {f"{sid}.{n}": ind for sid, sec in s.sectors.items() for n, ind in sec.indicators.items()}
    indicators |= {f"{rid}.{n}": ind for rid, r in s.roles.items() for n, ind in r.indicators.items()}
    for i, spec in enumerate(specs):
        here = path + (i,)
        if not isinstance(spec, dict):
            bad(here, "a facilitator action is a mapping: {inject: EVENT}, {override: ...} or {note: TEXT}")
            continue
        keys = set(spec)
        if "inject" in keys:
            if keys != {"inject"}:
                bad(here, "an inject has only the field 'inject'")
            elif spec["inject"] not in s.events:
                bad(here + ("inject",), f"unknown event {spec['inject']!r}{did_you_mean(str(spec['inject']), s.events)}")
            else:
                out.append(ScriptedAction("inject", event=spec["inject"]))
        elif "override" in keys:
            extra = keys - {"override", "value", "reason"}
            ind = indicators.get(str(spec["override"]))
            value, reason = spec.get("value"), spec.get("reason")
            if extra:
                bad(here, f"unknown field {sorted(map(str, extra))[0]!r} in an override (allowed: override, value, reason)")
            elif ind is None:
                bad(here + ("override",), f"unknown indicator {spec['override']!r}"
                                          f"{did_you_mean(str(spec['override']), indicators)}")
            elif isinstance(value, bool) or not isinstance(value, int | float):
                bad(here, "an override needs a number: value: N")
            elif not ind.min <= value <= ind.max:
                bad(here + ("value",), f"{spec['override']} runs from {ind.min:g} to {ind.max:g}: "
                                       f"{value:g} is out of range")
            elif not isinstance(reason, str) or not reason.strip():
                bad(here, "an override needs a reason: reason: TEXT")
            else:
                out.append(ScriptedAction("override", indicator=spec["override"], value=float(value), reason=reason))
        elif "note" in keys:
            if keys != {"note"} or not isinstance(spec["note"], str) or not spec["note"].strip():
                bad(here, "a note is {note: TEXT}")
            else:
                out.append(ScriptedAction("note", text=spec["note"]))
        else:
            bad(here, "a facilitator action needs 'inject', 'override' or 'note'")
    return tuple(out)


def load_script(s: Scenario, path: str | Path) -> Script:
    """Read an orders file (``rounds: {1: {us: [...]}}``) with FILE:LINE:COL errors."""
    p = Path(path)
    doc = parse(read_text(p, str(path)), str(path))
    data = doc.data
    if not isinstance(data, dict) or "rounds" not in data:
        raise InputError([doc.diag((), "an orders file is a mapping with a 'rounds' key: rounds: {1: {us: [move_id]}}")])
    extra = set(data) - {"rounds", "scenario", "note"}
    if extra:
        k = sorted(map(str, extra))[0]
        raise InputError([doc.diag((k,), f"unknown field {k!r}{did_you_mean(k, ['rounds', 'scenario', 'note'])}", key=True)])
    if "scenario" in data and data["scenario"] != s.id:
        raise InputError([doc.diag(("scenario",), f"these orders are for scenario {data['scenario']!r}, not {s.id!r}")])
    return script_from_data(s, data["rounds"] or {}, doc)
