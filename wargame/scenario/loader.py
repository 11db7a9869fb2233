"""Load a scenario file: YAML -> pydantic models -> cross-checked :class:`LoadedScenario`.

Every problem becomes a :class:`Diagnostic` (``FILE:LINE:COL: path: message``)
pointing at the offending node; all of them are collected before raising
:class:`InputError`, so an author fixes a file in one pass.
"""

from __future__ import annotations

import hashlib
import json
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from wargame.evidence import Evidence, default_seeds_dir, load_evidence
from wargame.scenario.formula import Formula, FormulaError
from wargame.scenario.model import Effect, Scenario
from wargame.scenario.suggest import did_you_mean
from wargame.scenario.yamlsafe import Diagnostic, Document, InputError, Path_, decode, parse, read_text


@dataclass(frozen=True)
class LoadedScenario:
    scenario: Scenario
    path: Path | None
    sha256: str
    canonical: dict[str, Any]
    evidence: Evidence | None
    document: Document | None = None


def canonical_json(data: Any) -> str:
    """Compact JSON that keeps key order: the order of sectors, roles and moves matters."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def load_scenario(path: str | Path) -> LoadedScenario:
    """Load, validate and cross-check a scenario file. Raises :class:`InputError`."""
    p = Path(path)
    display = str(path)
    if p.is_dir():
        raise InputError([Diagnostic(display, 1, 1, "", "is a folder, not a scenario file")])
    text = read_text(p, display)
    return load_scenario_text(text, display, base=p.parent)


def load_scenario_bytes(raw: bytes, file: str = "<input>", base: Path | None = None) -> LoadedScenario:
    return load_scenario_text(decode(raw, file), file, base)


def load_scenario_text(text: str, file: str = "<input>", base: Path | None = None) -> LoadedScenario:
    doc = parse(text, file)
    if not isinstance(doc.data, dict):
        raise InputError([doc.diag((), f"expected a mapping of scenario fields, found {_kind(doc.data)}")])
    try:
        scenario = Scenario.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError(_map_validation(exc, doc)) from None
    evidence, ev_problems = _evidence_for(scenario, doc, base)
    problems = ev_problems + check(scenario, doc, evidence)
    if problems:
        raise InputError(problems)
    canonical = scenario.model_dump(mode="json")
    digest = hashlib.sha256(canonical_json(canonical).encode()).hexdigest()
    return LoadedScenario(scenario, Path(file) if base else None, digest, canonical, evidence, doc)


def scenario_from_canonical(data: dict[str, Any]) -> LoadedScenario:
    """Rebuild a scenario stored in a save. Citations are not re-checked here."""
    doc = Document("<save>", data)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise InputError(_map_validation(exc, doc)) from None
    problems = check(scenario, doc, None)
    if problems:
        raise InputError(problems)
    canonical = scenario.model_dump(mode="json")
    digest = hashlib.sha256(canonical_json(canonical).encode()).hexdigest()
    return LoadedScenario(scenario, None, digest, canonical, None, None)


def _kind(value: Any) -> str:
    return {list: "a list", str: "text", int: "a number", float: "a number", bool: "true/false"}.get(type(value), type(value).__name__)


# --- pydantic errors -> diagnostics ----------------------------------------------

def _map_validation(exc: ValidationError, doc: Document) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    seen: set[tuple[Path_, str]] = set()
    for err in exc.errors(include_url=False):
        loc = _clean_loc(tuple(err["loc"]))
        kind = err["type"]
        msg = err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if kind == "extra_forbidden":
            allowed = _fields_at(Scenario, loc[:-1])
            msg = f"unknown field {loc[-1]!r}{did_you_mean(str(loc[-1]), allowed)}"
            if allowed:
                msg += f"; allowed: {', '.join(sorted(allowed))}"
            d = doc.diag(loc, msg, key=True)
        elif kind == "missing":
            d = doc.diag(loc[:-1], f"missing required field {loc[-1]!r}")
            d = Diagnostic(d.file, d.line, d.col, _join(loc), d.message)
        elif kind == "literal_error":
            d = doc.diag(loc, f"{msg}, found {_shown(doc, loc)}")
        elif kind in ("string_pattern_mismatch",):
            d = doc.diag(loc, f"{_shown(doc, loc)} is not a valid id: use lowercase letters, digits and _ (like 'cobalt_price')")
        else:
            d = doc.diag(loc, msg)
        key = (loc, d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)
    out.sort(key=lambda d: (d.line, d.col))
    return out


def _join(loc: Path_) -> str:
    from wargame.scenario.yamlsafe import format_path

    return format_path(loc)


def _shown(doc: Document, loc: Path_) -> str:
    value: Any = doc.data
    for part in loc:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return "this value"
    return repr(value) if not isinstance(value, dict | list) else "this value"


def _clean_loc(loc: Path_) -> Path_:
    """Drop pydantic's union-branch markers ('str', 'dict[str,...]', 'tuple[...]')."""
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and ("[" in part or part in ("str", "int", "float", "bool", "function-after")):
            continue
        if isinstance(part, str) and part.startswith("function-"):
            continue
        out.append(part)
    return tuple(out)


def _unwrap(tp: Any) -> list[Any]:
    """The concrete types inside Annotated / Optional / Union."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for a in typing.get_args(tp) for t in _unwrap(a)]
    return [tp]


def _fields_at(model: Any, loc: Path_) -> list[str]:
    """Field names allowed at a location, for did-you-mean on unknown keys."""
    current: list[Any] = [model]
    for part in loc:
        nxt: list[Any] = []
        for tp in current:
            for t in _unwrap(tp):
                if isinstance(t, type) and issubclass(t, BaseModel):
                    if isinstance(part, str) and part in t.model_fields:
                        nxt.append(t.model_fields[part].annotation)
                elif typing.get_origin(t) is dict:
                    nxt.append(typing.get_args(t)[1])
                elif typing.get_origin(t) is list and isinstance(part, int):
                    nxt.append(typing.get_args(t)[0])
        current = nxt
    names: list[str] = []
    for tp in current:
        for t in _unwrap(tp):
            if isinstance(t, type) and issubclass(t, BaseModel):
                names.extend(t.model_fields)
    return names


# --- evidence ---------------------------------------------------------------------

def _evidence_for(scenario: Scenario, doc: Document, base: Path | None) -> tuple[Evidence | None, list[Diagnostic]]:
    if scenario.evidence is not None:
        folder = (base or Path.cwd()) / scenario.evidence
    else:
        folder = _nearest_seeds(base) or default_seeds_dir()
    try:
        return load_evidence(folder.resolve()), []
    except InputError as exc:
        if scenario.evidence is not None:
            return None, [doc.diag(("evidence",), f"cannot load evidence from {folder}: {exc.diagnostics[0].message}")]
        return None, list(exc.diagnostics)


def _nearest_seeds(base: Path | None) -> Path | None:
    if base is None:
        return None
    for d in [base.resolve(), *base.resolve().parents]:
        if (d / "seeds" / "facts.yaml").is_file():
            return d / "seeds"
    return None


# --- cross-references ----------------------------------------------------------------

def indicator_ids(s: Scenario) -> list[str]:
    ids = [f"{sid}.{name}" for sid, sec in s.sectors.items() for name in sec.indicators]
    ids += [f"{rid}.{name}" for rid, role in s.roles.items() for name in role.indicators]
    return ids


def check(s: Scenario, doc: Document, evidence: Evidence | None) -> list[Diagnostic]:
    """Every cross-reference and range the models alone cannot check."""
    c = _Checker(s, doc, evidence)
    c.run()
    return sorted(c.out, key=lambda d: (d.line, d.col))


class _Checker:
    def __init__(self, s: Scenario, doc: Document, evidence: Evidence | None) -> None:
        self.s, self.doc, self.evidence = s, doc, evidence
        self.out: list[Diagnostic] = []
        self.indicators = set(indicator_ids(s))
        self.tags = {t for m in s.moves.values() for t in m.tags}

    def err(self, path: Path_, message: str, **kw: Any) -> None:
        self.out.append(self.doc.diag(path, message, **kw))

    def run(self) -> None:
        s = self.s
        for rid in s.roles:
            if rid in s.sectors:
                self.err(("roles", rid), f"role id {rid!r} is also a sector id; indicator ids would clash", key=True)
        for sid, sec in s.sectors.items():
            base = ("sectors", sid)
            for axis in ("innovation", "global_effect"):
                name = getattr(sec.axes, axis).indicator
                if name not in sec.indicators:
                    self.err(base + ("axes", axis, "indicator"),
                             f"unknown indicator {name!r} in sector {sid!r}{did_you_mean(name, sec.indicators)}")
            if sec.documented:
                self.cites(base + ("documented", "cites"), sec.documented.cites)
            for name, ind in sec.indicators.items():
                self.indicator(base + ("indicators", name), ind)
        for rid, role in s.roles.items():
            base = ("roles", rid)
            for name, ind in role.indicators.items():
                self.indicator(base + ("indicators", name), ind)
            for i, obj in enumerate(role.objectives):
                self.ref(base + ("objectives", i, "indicator"), obj.indicator)
        for mid, move in s.moves.items():
            self.move(mid, move)
        for eid, ev in s.events.items():
            base = ("events", eid)
            for i, r in enumerate(ev.at):
                if r > s.rounds:
                    self.err(base + ("at", i), f"round {r} is after the last round ({s.rounds})")
            if ev.trigger:
                self.formula(base + ("trigger",), ev.trigger)
            if not ev.at and ev.trigger is None and ev.chance is None:
                pass  # playable by hand only: a facilitator's inject
            self.cites(base + ("cites",), ev.cites)
            for i, e in enumerate(ev.effects):
                self.effect(base + ("effects", i), e, None)
        for rid_, rule in s.dynamics.items():
            base = ("dynamics", rid_)
            self.ref(base + ("indicator",), rule.indicator)
            for f in ("delta", "set", "when"):
                if getattr(rule, f):
                    self.formula(base + (f,), getattr(rule, f))
            self.cites(base + ("cites",), rule.cites)
        for i, ex in enumerate(s.expectations):
            self.expectation(("expectations", i), ex)

    def indicator(self, path: Path_, ind: Any) -> None:
        if not ind.min <= ind.start <= ind.max:
            self.err(path + ("start",), f"start value {ind.start:g} is outside the bounds [{ind.min:g}, {ind.max:g}]")
        self.cites(path + ("cites",), ind.cites)

    def ref(self, path: Path_, ref: str, targets: list[str] | None = None) -> None:
        if ref.startswith("$target."):
            if not targets:
                self.err(path, "'$target' is only allowed in a move that lists targets")
                return
            for t in targets:
                full = f"{t}.{ref.split('.', 1)[1]}"
                if full not in self.indicators:
                    self.err(path, f"{ref!r} means {full!r} for target {t!r}, which is not an indicator")
            return
        if ref not in self.indicators:
            self.err(path, f"unknown indicator {ref!r}{did_you_mean(ref, self.indicators)}")

    def cites(self, path: Path_, cites: list[str]) -> None:
        if self.evidence is None:
            return
        for i, fid in enumerate(cites):
            if fid not in self.evidence.facts:
                self.err(path + (i,), f"citation {fid!r} is not a fact in {self.evidence.folder}/facts.yaml"
                         f"{did_you_mean(fid, self.evidence.facts)}")

    def formula(self, path: Path_, text: str) -> None:
        try:
            f = Formula.parse(text)
        except FormulaError as exc:
            self.err(path, f"bad formula: {exc.message}", offset=exc.offset)
            return
        for r in f.unknown_refs(self.indicators):
            self.err(path, f"unknown indicator {r.name!r} in formula{did_you_mean(r.name, self.indicators)}", offset=r.offset)
        for sref in f.ids:
            pool = self.tags if self._is_tag_call(f, sref) else set(self.s.moves)
            if sref.value not in pool:
                what = "tag" if pool is self.tags else "move"
                self.err(path, f"unknown {what} {sref.value!r} in formula{did_you_mean(sref.value, pool)}", offset=sref.offset)

    @staticmethod
    def _is_tag_call(f: Formula, sref: Any) -> bool:
        # acting("tag") is the only call that names a tag; find which call holds this string.
        text = f.text[: sref.offset].rstrip()
        return text.endswith("acting(")

    def effect(self, path: Path_, e: Effect, targets: list[str] | None) -> None:
        self.ref(path + ("indicator",), e.indicator, targets)
        for f in ("when", "scale"):
            if getattr(e, f):
                self.formula(path + (f,), getattr(e, f))
        self.cites(path + ("cites",), e.cites)

    def move(self, mid: str, move: Any) -> None:
        s, base = self.s, ("moves", mid)
        if move.role not in s.roles:
            self.err(base + ("role",), f"unknown role {move.role!r}{did_you_mean(move.role, s.roles)}")
        if move.targets is not None:
            for i, t in enumerate(move.targets):
                if t not in s.roles and t not in s.sectors:
                    self.err(base + ("targets", i), f"unknown target {t!r}: targets are role or sector ids"
                             f"{did_you_mean(t, [*s.roles, *s.sectors])}")
        targets = [t for t in (move.targets or []) if t in s.roles or t in s.sectors] or None
        if move.requires:
            self.formula(base + ("requires",), move.requires)
        if move.policy and move.deal:
            self.err(base, "a move is either a policy or a deal, not both")
        self.cites(base + ("cites",), move.cites)
        if move.deal:
            cp = move.deal.counterparty
            if cp not in s.roles:
                self.err(base + ("deal", "counterparty"), f"unknown role {cp!r}{did_you_mean(cp, s.roles)}")
            elif cp == move.role:
                self.err(base + ("deal", "counterparty"), "a role cannot make a deal with itself")
            for i, e in enumerate(move.deal.renegotiated or []):
                self.effect(base + ("deal", "renegotiated", i), e, targets)
        for i, e in enumerate(move.effects):
            self.effect(base + ("effects", i), e, targets)
        if move.policy:
            for i, e in enumerate(move.policy.ongoing):
                self.effect(base + ("policy", "ongoing", i), e, targets)

    def expectation(self, base: Path_, ex: Any) -> None:
        s = self.s
        self.cites(base + ("cites",), ex.cites)
        for ind in ex.setup:
            self.ref(base + ("setup", ind), ind)
        for key in ("orders", "versus"):
            rounds = getattr(ex, key) or {}
            for rnd, by_role in rounds.items():
                if rnd > ex.rounds:
                    self.err(base + (key, rnd), f"orders for round {rnd}, but the expectation runs {ex.rounds} round(s)", key=True)
                for rid, orders in by_role.items():
                    if rid not in s.roles:
                        self.err(base + (key, rnd, rid), f"unknown role {rid!r}{did_you_mean(rid, s.roles)}", key=True)
                        continue
                    for i, o in enumerate(orders):
                        self.order(base + (key, rnd, rid, i), rid, o)
        if ex.orders and ex.orders_file:
            self.err(base + ("orders_file",), "give inline orders or an orders_file, not both")
        for i, chk in enumerate(ex.check):
            p = base + ("check", i)
            if chk.indicator:
                self.ref(p + ("indicator",), chk.indicator)
            if chk.sector and chk.sector not in s.sectors:
                self.err(p + ("sector",), f"unknown sector {chk.sector!r}{did_you_mean(chk.sector, s.sectors)}")
            if chk.diff is not None and ex.versus is None:
                self.err(p + ("diff",), "a 'diff' check needs a 'versus' set of orders to compare with")

    def order(self, path: Path_, rid: str, spec: Any) -> None:
        from wargame.engine.orders import OrderSpecError, parse_order

        try:
            parse_order(self.s, rid, spec)
        except OrderSpecError as exc:
            self.err(path, exc.message)
