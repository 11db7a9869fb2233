"""Which parts of a scenario cite which facts: the reverse of every ``cites`` list.

Used by the evidence browser ("which rules cite this fact?") and by reports.
Plain Python: no Textual here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from wargame.numbers import plus
from wargame.scenario.model import Effect, Scenario

# Kinds of citing element, in the order a reader meets them.
KINDS = (
    "start",  # an indicator's start value
    "sector",  # a sector's documented quadrant
    "move",  # a move as a whole
    "effect",  # a move's effect
    "ongoing",  # a policy's ongoing effect
    "renegotiated",  # a deal's renegotiated terms
    "event",  # an event as a whole
    "event effect",  # an event's effect
    "rule",  # a dynamics rule
    "expectation",  # a behaviour case
)


@dataclass(frozen=True, slots=True)
class Citation:
    """One place in a scenario that cites a fact."""

    kind: str  # one of KINDS
    id: str  # the indicator, sector, move, event, rule id; or 'expectations[i]'
    label: str  # a line a reader understands
    path: str  # where in the scenario file, e.g. 'moves.us_entity_list.effects[0]'


_num = plus  # one home for number formatting: wargame.numbers


def _value(ind) -> str:
    if ind.unit in ("", "index"):
        return f"{ind.start:g}"
    return f"{ind.start:g}%" if ind.unit == "%" else f"{ind.start:g} {ind.unit}"


def _effect_label(owner: str, e: Effect) -> str:
    amount = f"{_num(e.change * 100)}%" if e.relative else _num(e.change)
    timing = []
    if e.delay:
        timing.append(f"after {e.delay} round{'s' if e.delay != 1 else ''}")
    if e.duration > 1:
        timing.append(f"for {e.duration} rounds")
    if e.spread:
        timing.append(f"±{e.spread:g}")
    extra = f" ({', '.join(timing)})" if timing else ""
    return f"{owner}: {e.indicator} {amount}{extra}"


def _scenario(scenario) -> Scenario:  # accepts Scenario or LoadedScenario
    return getattr(scenario, "scenario", scenario)


def iter_citations(scenario) -> Iterable[tuple[str, Citation]]:
    """Every (fact id, citation) pair, in the scenario's own order."""
    s = _scenario(scenario)
    for sid, sec in s.sectors.items():
        for name, ind in sec.indicators.items():
            c = Citation("start", f"{sid}.{name}", f"Start of {ind.name} ({sid}.{name}) = {_value(ind)}",
                         f"sectors.{sid}.indicators.{name}")
            for f in ind.cites:
                yield f, c
        if sec.documented is not None:
            c = Citation("sector", sid, f"{sec.name} documented as {sec.documented.quadrant}", f"sectors.{sid}.documented")
            for f in sec.documented.cites:
                yield f, c
    for rid, role in s.roles.items():
        for name, ind in role.indicators.items():
            c = Citation("start", f"{rid}.{name}", f"Start of {ind.name} ({rid}.{name}) = {_value(ind)}",
                         f"roles.{rid}.indicators.{name}")
            for f in ind.cites:
                yield f, c
    for mid, m in s.moves.items():
        role = s.roles[m.role].short if m.role in s.roles else m.role
        owner = f"{m.name} ({role})"
        c = Citation("move", mid, f"Move {owner}", f"moves.{mid}")
        for f in m.cites:
            yield f, c
        for i, e in enumerate(m.effects):
            c = Citation("effect", mid, _effect_label(owner, e), f"moves.{mid}.effects[{i}]")
            for f in e.cites:
                yield f, c
        if m.policy:
            for i, e in enumerate(m.policy.ongoing):
                c = Citation("ongoing", mid, _effect_label(f"{owner} in force", e), f"moves.{mid}.policy.ongoing[{i}]")
                for f in e.cites:
                    yield f, c
        if m.deal and m.deal.renegotiated:
            for i, e in enumerate(m.deal.renegotiated):
                c = Citation("renegotiated", mid, _effect_label(f"{owner} renegotiated", e),
                             f"moves.{mid}.deal.renegotiated[{i}]")
                for f in e.cites:
                    yield f, c
    for eid, ev in s.events.items():
        c = Citation("event", eid, f"Event {ev.name}", f"events.{eid}")
        for f in ev.cites:
            yield f, c
        for i, e in enumerate(ev.effects):
            c = Citation("event effect", eid, _effect_label(ev.name, e), f"events.{eid}.effects[{i}]")
            for f in e.cites:
                yield f, c
    for rid, r in s.dynamics.items():
        how = f"= {r.set}" if r.set is not None else f"+= {r.delta}"
        c = Citation("rule", rid, f"Rule {rid.replace('_', ' ')}: {r.indicator} {how}", f"dynamics.{rid}")
        for f in r.cites:
            yield f, c
    for i, x in enumerate(s.expectations):
        c = Citation("expectation", f"expectations[{i}]", f"Expectation: {x.name}", f"expectations[{i}]")
        for f in x.cites:
            yield f, c


def citations(scenario) -> dict[str, list[Citation]]:
    """Fact id -> every place in the scenario that cites it (objectives cite nothing)."""
    out: dict[str, list[Citation]] = {}
    for fact, c in iter_citations(scenario):
        lst = out.setdefault(fact, [])
        if c not in lst:
            lst.append(c)
    return out


def fact_text(fact) -> str:
    """Everything a text filter searches in a fact, lower-cased."""
    figs = " ".join(f"{f.value:g} {f.unit} {f.of} {f.year or ''}" for f in fact.figures)
    return f"{fact.id} {fact.source} {fact.locator} {fact.statement} {figs}".lower()


def prefixes(evidence) -> list[str]:
    """The area prefixes of the fact ids ('frame', 'semi', ...), in first-seen order."""
    out: list[str] = []
    for fid in evidence.facts:
        p = fid.split(".", 1)[0]
        if p not in out:
            out.append(p)
    return out


def filter_facts(evidence, text: str = "", source: str | None = None) -> list:
    """Facts matching a filter, in file order.

    ``text`` is words that must all occur (any case) in the id, statement, locator,
    source or figures; ``source:ID`` keeps one source's facts and ``prefix:P`` (or a
    word ending in '.', like ``semi.``) keeps ids starting with that area.
    """
    words, src, pre = [], source, []
    for tok in text.lower().split():
        if tok.startswith(("source:", "src:")):
            src = tok.split(":", 1)[1] or src
        elif tok.startswith("prefix:"):
            pre.append(tok.split(":", 1)[1].rstrip(".") + ".")
        elif tok.endswith(".") and len(tok) > 1 and "." not in tok[:-1]:
            pre.append(tok)
        else:
            words.append(tok)
    out = []
    for fact in evidence.facts.values():
        if src and fact.source != src:
            continue
        if pre and not any(fact.id.startswith(p) for p in pre):
            continue
        if words:
            hay = fact_text(fact)
            if not all(w in hay for w in words):
                continue
        out.append(fact)
    return out
