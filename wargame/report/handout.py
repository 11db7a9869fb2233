"""Team briefing packs: what each team takes into the room.

One pack per role: its briefing, its objectives and how it is scored, its
budget, and every move it can make as a card (cost, what it does, when it can
be played, the sources behind it), then the offers other teams may make to it.
Built from the scenario alone: no game is played.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wargame.numbers import plus, readable
from wargame.report.aar import Citations, sources_blocks
from wargame.report.doc import Bullets, Card, Document, Heading, Inline, Para, Part, Table, b, i

if TYPE_CHECKING:
    from wargame.engine.rules import Rules
    from wargame.evidence import Evidence
    from wargame.scenario.model import Effect, Move

GOAL = {"max": "as high as possible", "min": "as low as possible"}


class Handout:
    def __init__(self, rules: "Rules", evidence: "Evidence | None") -> None:
        self.rules = rules
        self.s = rules.scenario
        self.evidence = evidence
        self.cite = Citations()

    def ind_name(self, ref: str, owner: str | None = None) -> str:
        """An indicator reference as people say it: 'Semiconductors: China's self-sufficiency'."""
        full = ref if "." in ref else f"{owner}.{ref}"
        meta = self.rules.indicator.get(full)
        if meta is None:
            return ref.replace("$target", "the target")
        where, _ = full.split(".", 1)
        place = (self.s.sectors[where].name if where in self.s.sectors
                 else self.s.roles[where].name if where in self.s.roles else where)
        return f"{place}: {meta.name}"

    def unit(self, ref: str) -> str:
        meta = self.rules.indicator.get(ref)
        return meta.unit if meta else ""

    def effect(self, e: "Effect") -> Inline:
        unit = self.unit(e.indicator)
        if e.relative:
            amount = f"{plus(round(e.change * 100, 2))}%"
        else:
            # an absolute change to a percentage is in points, not a relative change
            amount = plus(e.change) + ("" if unit in ("", "index") else
                                       (" percentage point" + ("" if abs(e.change) == 1 else "s")) if unit == "%"
                                       else f" {unit}")
        timing = []
        if e.delay:
            timing.append(f"after {e.delay} round{'s' if e.delay != 1 else ''}")
        if e.duration > 1:
            timing.append(f"each round for {e.duration} rounds")
        if e.spread:
            timing.append(f"give or take {readable(e.spread)}")
        if e.scale:
            timing.append(f"scaled by {self.words(e.scale)}")
        if e.when:
            timing.append(f"when a condition on {self.words(e.when)} holds")
        out: Inline = [b(self.ind_name(e.indicator)), f" {amount}"]
        if timing:
            out.append(f" ({'; '.join(timing)})")
        out += [": ", " ".join(e.rationale.split()), " ", self.cite(e.cites)]
        if e.basis is not None:
            out += [" Size: ", e.basis.text(), "."]
        return out

    def words(self, formula: str) -> str:
        from wargame.engine.explain import formula_words

        return formula_words(self.rules, formula)

    def target_names(self, ids: list[str]) -> str:
        names = []
        for t in ids:
            names.append(self.s.roles[t].name if t in self.s.roles else self.s.sectors[t].name
                         if t in self.s.sectors else t)
        return ", ".join(names)

    def card(self, mid: str, m: "Move", answering: bool = False) -> Card:
        s = self.s
        cost = f"{m.cost} point{'s' if m.cost != 1 else ''}"
        tags: list[str] = []
        if m.policy:
            tags.append("policy: stays in force until revoked"
                        + (f", upkeep {m.policy.upkeep} a round" if m.policy.upkeep else "")
                        + ("" if m.policy.revocable else ", cannot be revoked"))
        if m.deal:
            other = s.roles[m.deal.counterparty].name if m.deal.counterparty in s.roles else m.deal.counterparty
            tags.append(f"deal: needs {other} to accept in the same round"
                        + (f" (it pays {m.deal.counterparty_cost})" if m.deal.counterparty_cost else ""))
        if m.once:
            tags.append("once per game")
        blocks: list[Any] = []
        if m.summary:
            blocks.append(Para([" ".join(m.summary.split())]))
        if tags:
            blocks.append(Para([i("; ".join(tags).capitalize() + ".")]))
        if m.targets:
            blocks.append(Para([b("Aimed at: "), self.target_names(m.targets)]))
        pre: Inline = [b("When it can be played: ")]
        if m.requires:
            pre += [" ".join(m.requires_note.split()) if m.requires_note else
                    f"depends on {self.words(m.requires)}"]
        else:
            pre += ["any round" + (" (once)" if m.once else "") + " the budget allows"]
        blocks.append(Para(pre))
        effects: list[Inline] = [self.effect(e) for e in m.effects]
        if m.policy and m.policy.ongoing:
            effects += [[i("Every round in force: ")] + self.effect(e) for e in m.policy.ongoing]
        if effects:
            blocks.append(Para([b("What it does:")]))
            blocks.append(Bullets(effects))
        if m.deal and m.deal.renegotiated:
            blocks.append(Para([b("If the other side asks to renegotiate, the terms become:")]))
            blocks.append(Bullets([self.effect(e) for e in m.deal.renegotiated]))
        blocks.append(Para([b("Sources: "), self.cite(m.cites), " ", self.fact_titles(m.cites)], "note"))
        title = m.name if not answering else f"{m.name} (offered by {s.roles[m.role].name})"
        return Card(title, cost if not answering else "you answer: accept, refuse or renegotiate", blocks)

    def fact_titles(self, ids: Any) -> str:
        ev = self.evidence
        if ev is None:
            return ", ".join(ids)
        locs = []
        for fid in ids:
            f = ev.facts.get(fid)
            locs.append(f.locator if f is not None else fid)
        return "; ".join(dict.fromkeys(locs))

    def pack(self, rid: str) -> list[Any]:
        s, rules = self.s, self.rules
        role = s.roles[rid]
        out: list[Any] = [Heading(1, f"Briefing pack: {role.name}", f"pack-{rid}"),
                          Para([i(s.title), f". {s.rounds} rounds of {s.round_months} months from "
                                f"{s.start.strftime('%B %Y')}. Orders are secret until they are revealed."], "lead")]
        if role.briefing:
            out += [Heading(2, "Your situation", f"brief-{rid}"), Para([" ".join(role.briefing.split())])]
        out.append(Heading(2, "What you want, and how you are scored", f"objectives-{rid}"))
        rows: list[list[Inline]] = []
        total = sum(o.weight for o in role.objectives)
        for o in role.objectives:
            goal = GOAL.get(o.goal, f"near {readable(o.target or 0)}")
            rows.append([[b(self.ind_name(o.indicator, rid))], [goal], [f"{100 * o.weight / total:.0f}%"],
                         [" ".join(o.note.split()) if o.note else ""]])
        out.append(Table([["Indicator"], ["You want it"], ["Weight"], ["Why"]], rows, ""))
        out.append(Para(["Your score (0-100) is the weighted satisfaction of these objectives after every round. "
                         "Other teams want other things: compare your score with your own start, not with theirs."],
                        "note"))
        out.append(Heading(2, "Budget", f"budget-{rid}"))
        out.append(Para([b(f"{role.budget} points a round."), " Unspent points do not carry over; a policy's upkeep "
                         "is paid from the budget every round it stays in force."]))
        own = [(mid, m) for mid, m in s.moves.items() if m.role == rid]
        out.append(Heading(2, f"Your moves ({len(own)})", f"moves-{rid}"))
        rows = [[[m.name], [str(m.cost)], ["policy" if m.policy else "deal" if m.deal else "action"]]
                for _, m in own]
        out.append(Table([["Move"], ["Cost"], ["Kind"]], rows, "num"))
        out += [self.card(mid, m) for mid, m in own]
        offers = [(mid, m) for mid, m in s.moves.items() if m.deal and m.deal.counterparty == rid]
        if offers:
            out.append(Heading(2, "Offers other teams may make to you", f"offers-{rid}"))
            out += [self.card(mid, m, answering=True) for mid, m in offers]
        return out

    def build(self, roles: list[str]) -> Document:
        parts: list[Part] = []
        for k, rid in enumerate(roles):
            # each pack after the first is a 'details' part, which starts a new printed page
            parts.append(Part("summary" if k == 0 else "details", self.pack(rid)))
        parts.append(Part("appendix", sources_blocks(self.cite.refs, self.evidence)))
        names = ", ".join(self.s.roles[r].name for r in roles)
        return Document(f"Briefing pack: {names} ({self.s.title})", parts)


def build_handout(rules: "Rules", roles: list[str] | None = None, evidence: "Evidence | None" = None) -> Document:
    """Packs for ``roles`` (every role when None), each from a new page, sharing one list of sources."""
    roles = list(rules.scenario.roles) if roles is None else roles
    return Handout(rules, evidence).build(roles)
