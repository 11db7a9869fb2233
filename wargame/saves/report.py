"""The after-action report: what a facilitator hands out after a game.

Built only from what the engine produced while replaying the save (its round
traces, its states, the logged events and the facilitator's overrides): nothing
is re-simulated or recomputed by hand here, so the report says exactly what the
game said.

The report is assembled once as a small document tree (headings, paragraphs,
tables, charts) and written out either as Markdown or as one self-contained
HTML file:

* **HTML** charts are matplotlib figures drawn to SVG and inlined, so the file
  opens offline and prints well. The SVG is deterministic: a fixed
  ``svg.hashsalt`` per figure, ``svg.fonttype = 'none'`` (text stays text) and
  no date in the metadata, so the same save always gives the same bytes.
* **Markdown** charts are tables of values per round with a sparkline. We tried
  plotext: its braille plots cannot tell several series apart without colour,
  indicators of one sector have different units and scales (a price in USD/t
  beside a 0-100 index) so one plot per indicator would be needed, and its
  output carries terminal colour codes. A table reads everywhere (a terminal,
  GitHub, a printed page), gives the exact numbers a debrief argues over, and
  the sparkline still shows the shape at a glance.
"""

from __future__ import annotations

import hashlib
import html
import io
import math
import re
import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wargame.engine.rules import SCALE
from wargame.engine.scoring import quadrants as engine_quadrants
from wargame.engine.scoring import scores as engine_scores
from wargame.saves.log import log_bytes

if TYPE_CHECKING:
    from wargame.evidence import Evidence
    from wargame.saves.session import Replay

QUADRANT_NAMES = {
    "win-win": ("A", "Win-win"),
    "destructive-victory": ("B", "Destructive victory"),
    "harmless-failure": ("C", "Harmless failure"),
    "lose-lose": ("D", "Lose-lose"),
}
HOW = {"scheduled": "scheduled", "trigger": "triggered by the state of play", "chance": "by chance",
       "inject": "injected by the facilitator"}
DEAL_OUTCOME = {"made": "deal made", "renegotiated": "deal made on renegotiated terms",
                "refused": "refused", "walked-away": "the proposer walked away from the renegotiated terms",
                "unanswered": "no answer, so no deal"}
SPARK = "▁▂▃▄▅▆▇█"
TOP_SECTOR = 5  # drivers listed per sector axis
TOP_ROLE = 4  # drivers listed per role objective


# --- a small document tree --------------------------------------------------------
# Inline content is a list of pieces: plain str, or (kind, value) with kind in
# b (bold), i (italic), code, cite (a list of reference numbers), star (bookmark).

Inline = list[Any]


@dataclass
class Chart:
    """Indicators over rounds: one panel per series group."""

    title: str
    x_labels: list[str]
    panels: list["Panel"]
    legend: bool = False  # one panel with several series and a legend
    label: str = "Indicator"  # what a row of its table is


@dataclass
class Series:
    name: str
    values: list[float]
    # (round index, the model's value, the value set by the facilitator)
    overrides: list[tuple[int, float, float]] = field(default_factory=list)


@dataclass
class Panel:
    title: str
    unit: str
    series: list[Series]
    threshold: float | None = None
    threshold_label: str = ""


Block = tuple  # ('h', level, text, anchor) | ('p', Inline) | ('ul', [Inline]) | ('table', head, rows, cls)
#               ('warn', Inline) | ('chart', Chart, table_block) | ('details', summary, [Block])


def _num(x: float) -> str:
    """A value as a person reads it: thousands separated, a sensible number of decimals."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    a = abs(x)
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 10:
        return f"{x:.1f}"
    if a >= 1 or a == 0:
        return f"{x:.2f}".rstrip("0").rstrip(".") if a < 10 else f"{x:.1f}"
    return f"{x:.3g}"


def _row_format(values: list[float]):  # -> Callable[[float], str]
    """One number format for a whole row of values, so that a series reads evenly (9.00, 9.34, 10.02)."""
    top = max((abs(v) for v in values), default=0.0)
    if top >= 1000:
        return lambda v: f"{v:,.0f}"
    if top >= 10:
        return lambda v: f"{v:.1f}"
    if top >= 0.1 or top == 0:
        return lambda v: f"{v:.2f}"
    return lambda v: f"{v:.3g}"


def _signed(x: float) -> str:
    s = _num(x)
    return s if s.startswith("-") or s == "0" else "+" + s


def _with_unit(x: float, unit: str) -> str:
    if unit in ("", "index"):
        return _num(x)
    if unit == "%":
        return f"{_num(x)}%"
    return f"{_num(x)} {unit}"


def _spark(values: list[float]) -> str:
    if not values:
        return ""
    lo, hi = min(values), max(values)
    if hi - lo < 1e-12:
        return SPARK[3] * len(values)
    return "".join(SPARK[min(7, int((v - lo) / (hi - lo) * 7 + 0.5))] for v in values)


# --- gathering what the game said ------------------------------------------------

class _Builder:
    def __init__(self, replay: "Replay", source: str, evidence: "Evidence | None") -> None:
        self.replay = replay
        self.session = replay.session
        self.game = replay.game
        self.rules = self.game.rules
        self.s = self.rules.scenario
        self.source = source
        self.evidence = evidence
        self.refs: dict[str, int] = {}  # fact id -> reference number, in order of first citation
        self.blocks: list[Block] = []
        self.R = self.game.state.round
        self.x_labels = ["start"] + [self.s.round_label(r) for r in range(1, self.R + 1)]

    # helpers
    def cite(self, ids: Any) -> tuple[str, list[int]]:
        nums = []
        for fid in ids:
            if fid not in self.refs:
                self.refs[fid] = len(self.refs) + 1
            n = self.refs[fid]
            if n not in nums:
                nums.append(n)
        return ("cite", nums)

    def role_name(self, rid: str | None) -> str:
        if rid is None:
            return ""
        r = self.s.roles.get(rid)
        return r.name if r else rid

    def target_name(self, tid: str | None) -> str:
        if tid is None:
            return ""
        if tid in self.s.roles:
            return self.s.roles[tid].name
        if tid in self.s.sectors:
            return self.s.sectors[tid].name
        return tid

    def move_name(self, mid: str) -> str:
        m = self.s.moves.get(mid)
        return m.name if m else mid

    def ind_name(self, ind: str, full: bool = True) -> str:
        meta = self.rules.indicator.get(ind)
        if meta is None:
            return ind
        owner, _ = ind.split(".", 1)
        if not full:
            return meta.name
        where = self.s.sectors[owner].name if owner in self.s.sectors else self.role_name(owner)
        return f"{where}: {meta.name}"

    def unit(self, ind: str) -> str:
        meta = self.rules.indicator.get(ind)
        return meta.unit if meta else ""

    def series(self, ind: str) -> list[float]:
        i = self.rules.index[ind]
        return [st.values[i] / SCALE for st in self.game.states]

    def overrides_of(self, ind: str) -> list[tuple[int, float, float]]:
        return [(ov.after_round, ov.model_value, ov.value) for ov in self.game.overrides if ov.indicator == ind]

    def add(self, *block: Any) -> None:
        self.blocks.append(tuple(block))

    # sections
    def build(self) -> list[Block]:
        self.title()
        self.outcome()
        self.timeline()
        self.sectors()
        self.roles()
        self.drivers()
        self.sources()
        return self.blocks

    def title(self) -> None:
        s, hdr = self.s, self.session.header
        self.add("h", 1, f"After-action report: {s.title}", "top")
        if s.summary:
            self.add("p", [s.summary.strip()])
        last = self.R
        span = (f"{s.round_label(1)} to {s.round_label(last)}" if last else "no round played")
        months = f"{s.round_months} months" if s.round_months != 1 else "1 month"
        meta = [
            [["Scenario"], [("code", s.id), f" (starts {s.start.isoformat()}, {s.rounds} rounds of {months})"]],
            [["Rounds played"], [f"{last} of {s.rounds}: {span}"]],
            [["Seed"], [str(self.game.seed)]],
            [["Save"], [self.source or "(unnamed)", f", engine {hdr.get('engine', '?')}, log SHA-256 ",
                        ("code", self.log_sha()[:16])]],
        ]
        parent = hdr.get("parent")
        if isinstance(parent, dict) and parent.get("file"):
            how = ("forked at round " + str(parent["round"])) if "round" in parent else (
                f"undo of the last {parent['undo']}" if "undo" in parent else (
                    f"recovered from a damaged save (damage at line {parent['recovered']})" if "recovered" in parent
                    else "derived"))
            meta.append([["Parent"], [("code", str(parent["file"])), f": {how}"]])
        self.add("table", [[""], [""]], meta, "meta")
        problems = self.replay.problems()
        if problems:
            self.add("warn", ["Warning: this save is not intact, so this report covers only what could be "
                              f"replayed ({self.R} round(s)). "] + [("b", p) for p in problems])
        if self.R < s.rounds and not problems:
            self.add("p", [("i", f"The game stopped after round {self.R} of {s.rounds}.")])
        # seats
        seats = hdr.get("seats") or {}
        rows = []
        for rid, role in s.roles.items():
            rows.append([[role.name], [role.short], [str(seats.get(rid, "human"))], [str(role.budget)]])
        self.add("h", 2, "Seats", "seats")
        self.add("table", [["Role"], ["Short"], ["Played by"], ["Budget / round"]], rows, "")

    def log_sha(self) -> str:
        data = log_bytes(self.session.header, self.session.events)
        return hashlib.sha256(data).hexdigest()

    def outcome(self) -> None:
        s, rules, state = self.s, self.rules, self.game.state
        quads = engine_quadrants(rules, state.values)
        self.add("h", 2, "Outcome: the quadrant map" + (f" after {s.round_label(self.R)}" if self.R else " at the start"),
                 "outcome")
        self.add("p", ["Kennedy's two axes (CSIS ch. 1): does China's innovation drive in the sector succeed, "
                       "and is its effect on the global sector constructive? Each sector sits in one of four "
                       "quadrants; where a source places the sector, its documented quadrant is shown beside."])
        cells: dict[str, list[Inline]] = {q: [] for q in QUADRANT_NAMES}
        for sid, sec in s.sectors.items():
            item: Inline = [("b", sec.name)]
            if sec.documented:
                doc = sec.documented.quadrant
                letter, name = QUADRANT_NAMES[doc]
                same = " (same)" if doc == quads[sid] else ""
                item += [f" — documented: {letter} {name}{same} ", self.cite(sec.documented.cites)]
            cells[quads[sid]].append(item)

        def cell(q: str) -> Inline:
            letter, name = QUADRANT_NAMES[q]
            out: Inline = [("b", f"{letter} {name}")]
            for item in cells[q]:
                out += [("br",), *item]
            if not cells[q]:
                out += [("br",), ("i", "none")]
            return out

        head = [[""], ["Constructive for the global sector"], ["Destructive for the global sector"]]
        rows = [[[("b", "China's innovation succeeds")], cell("win-win"), cell("destructive-victory")],
                [[("b", "China's innovation fails")], cell("harmless-failure"), cell("lose-lose")]]
        self.add("table", head, rows, "quad")
        # the same, per sector, with the numbers and the path over the rounds
        rows = []
        hist = [engine_quadrants(rules, st.values) for st in self.game.states]
        for sid, sec in s.sectors.items():
            ax = sec.axes
            inn, glo = f"{sid}.{ax.innovation.indicator}", f"{sid}.{ax.global_effect.indicator}"
            path = "".join(QUADRANT_NAMES[h[sid]][0] for h in hist)
            doc: Inline = ["-"]
            if sec.documented:
                letter, name = QUADRANT_NAMES[sec.documented.quadrant]
                doc = [f"{letter} {name} ", self.cite(sec.documented.cites)]
            rows.append([[("b", sec.name)], [" ".join(QUADRANT_NAMES[quads[sid]])], doc,
                         [f"{_num(state.value(rules, inn))} (threshold {_num(ax.innovation.threshold)})"],
                         [f"{_num(state.value(rules, glo))} (threshold {_num(ax.global_effect.threshold)})"],
                         [("code", path)]])
        self.add("table", [["Sector"], ["Final quadrant"], ["Documented"], ["China's innovation"],
                           ["Global effect"], ["Quadrant by round (start first)"]], rows, "")
        # final scores
        sc0 = engine_scores(rules, self.game.states[0].values)
        sc = engine_scores(rules, state.values)
        rows = [[[role.name], [_num(sc0[rid])], [("b", _num(sc[rid]))], [_signed(sc[rid] - sc0[rid])]]
                for rid, role in s.roles.items()]
        self.add("h", 3, "Final scores", "final-scores")
        self.add("p", ["Each role's score (0-100) is the weighted satisfaction of its own objectives; "
                       "the roles' objectives differ, so scores compare a role with itself over time, not with another role."])
        self.add("table", [["Role"], ["Start"], ["Final"], ["Change"]], rows, "num")
        if state.policies:
            items = [[("b", self.move_name(p.move)), f" ({self.role_name(p.role)}"
                      + (f", on {self.target_name(p.target)}" if p.target else "")
                      + f", since {s.round_label(p.since)})"] for p in state.policies]
            self.add("p", ["Policies in force at the end:"])
            self.add("ul", items)

    # --- timeline
    def timeline(self) -> None:
        s = self.s
        self.add("h", 2, "Timeline", "timeline")
        by_round: dict[int, dict[str, str]] = {}
        notes: dict[int, list[dict[str, Any]]] = {}
        for ev in self.session.events:
            if ev.get("type") == "orders":
                by_round.setdefault(ev.get("round", 0), {})[ev.get("role", "")] = str(ev.get("by", "human"))
            elif ev.get("type") == "note":
                notes.setdefault(ev.get("round", 0), []).append(ev)
        overrides: dict[int, list[Any]] = {}
        for ov in self.game.overrides:
            overrides.setdefault(ov.after_round, []).append(ov)
        if notes.get(0) or overrides.get(0):
            self.add("h", 3, "Before round 1", "round-0")
            self.after_round(0, overrides.get(0, []), notes.get(0, []))
        for tr in self.game.traces:
            r = tr.round
            self.add("h", 3, f"Round {r}: {s.round_label(r)}", f"round-{r}")
            rows = []
            for rid in self.rules.roles:
                res = [x for x in tr.orders if x.order.role == rid]
                items: Inline = []
                for x in res:
                    if items:
                        items.append(("br",))
                    items += self.order_text(x)
                if not items:
                    items = [("i", "no orders")]
                seat = by_round.get(r, {}).get(rid, "")
                spent = tr.spent.get(rid)
                rows.append([[("b", self.role_name(rid))] + ([f" ({seat})"] if seat and seat != "human" else []),
                             items, [f"{spent} of {s.roles[rid].budget}" if spent is not None else "-"]])
            self.add("table", [["Role"], ["Orders"], ["Points spent"]], rows, "orders")
            if tr.deals:
                items = []
                for d in tr.deals:
                    terms = f" ({self.target_name(d.target)})" if d.target else ""
                    answer = {"none": "no answer"}.get(d.answer, d.answer)
                    items.append([self.role_name(d.proposer), " offered ", ("b", self.move_name(d.move) + terms),
                                  f" to {self.role_name(d.counterparty)}: {answer}; ", ("b", DEAL_OUTCOME.get(d.outcome, d.outcome))])
                self.add("p", [("b", "Deals")])
                self.add("ul", items)
            if tr.enacted or tr.revoked:
                items = [[("b", self.move_name(p.move)), f" enacted by {self.role_name(p.role)}"
                          + (f" on {self.target_name(p.target)}" if p.target else "")] for p in tr.enacted]
                items += [[("b", self.move_name(p.move)), f" revoked by {self.role_name(p.role)}"] for p in tr.revoked]
                self.add("p", [("b", "Policies")])
                self.add("ul", items)
            if tr.events:
                items = []
                for fe in tr.events:
                    ev = s.events.get(fe.event)
                    name = ev.name if ev else fe.event
                    how = HOW.get(fe.how, fe.how)
                    if fe.roll is not None and ev is not None and ev.chance is not None:
                        how += f" (roll {fe.roll:.2f} under {ev.chance:g})"
                    item: Inline = [("b", name), f", {how}"]
                    if ev is not None:
                        item += [": ", ("i", ev.news.strip()), " ", self.cite(ev.cites)]
                    items.append(item)
                self.add("p", [("b", "Events")])
                self.add("ul", items)
            before, after = self.game.states[r - 1], tr.after
            q0 = engine_quadrants(self.rules, before.values)
            shifts = [[("b", self.s.sectors[sid].name), f": {' '.join(QUADRANT_NAMES[q0[sid]])} → {' '.join(QUADRANT_NAMES[q])}"]
                      for sid, q in tr.quadrants.items() if q0.get(sid) != q]
            if shifts:
                self.add("p", [("b", "Quadrant shifts")])
                self.add("ul", shifts)
            changes = self.top_changes(tr)
            if changes:
                self.add("p", [("b", "Largest moves this round: ")] + changes)
            if overrides.get(r) or notes.get(r):
                self.after_round(r, overrides.get(r, []), notes.get(r, []))
        pending = self.session.pending
        if pending or self.session.pending_injects:
            nxt = self.R + 1
            self.add("h", 3, f"Round {nxt}: not resolved", f"round-{nxt}")
            items = []
            for rid, orders in pending.items():
                items.append([("b", self.role_name(rid)), ": "] + [", ".join(self.order_label(o) for o in orders) or "no orders"])
            for eid in self.session.pending_injects:
                ev = s.events.get(eid)
                items.append(["Inject queued: ", ("b", ev.name if ev else eid)])
            self.add("p", ["Submitted but never resolved (the save ends here):"])
            self.add("ul", items)

    def top_changes(self, tr: Any) -> Inline:
        """The three indicators that moved most this round, relative to their range."""
        moves = []
        for i, ind in enumerate(self.rules.ids):
            d = tr.after[i] - tr.before[i]
            if d:
                span = self.rules.hi[i] - self.rules.lo[i]
                moves.append((-abs(d) / span, ind, d, tr.after[i]))
        moves.sort()
        out: Inline = []
        for _, ind, d, after in moves[:3]:
            if out:
                out.append("; ")
            out += [self.ind_name(ind), f" {_signed(d / SCALE)} to {_with_unit(after / SCALE, self.unit(ind))}"]
        return out

    def order_label(self, o: Any) -> str:
        if o.kind == "respond":
            m = self.s.moves.get(o.move)
            verb = {"renegotiate": "ask to renegotiate"}.get(o.answer or "", o.answer or "answer")
            whose = f"{self.role_name(m.role)}'s offer: " if m else ""
            return f"{verb} {whose}{self.move_name(o.move)}"
        if o.kind == "revoke":
            return f"revoke {self.move_name(o.move)}"
        label = self.move_name(o.move)
        if o.target:
            label += f" → {self.target_name(o.target)}"
        if o.walk_away:
            label += " (walk away if renegotiated)"
        return label

    def order_text(self, res: Any) -> Inline:
        label = self.order_label(res.order)
        if res.accepted:
            return ["✓ ", label]
        return ["✗ ", ("s", label), ("i", f" rejected: {res.reason}")]

    def after_round(self, r: int, ovs: list[Any], notes: list[dict[str, Any]]) -> None:
        if ovs:
            rows = []
            for ov in ovs:
                unit = self.unit(ov.indicator)
                rows.append([[self.ind_name(ov.indicator)], [_with_unit(ov.model_value, unit)],
                             [("b", _with_unit(ov.value, unit))], [_signed(ov.value - ov.model_value)], [ov.reason]])
            self.add("p", [("b", "Facilitator overrides" + (" after the round" if r else ""))])
            self.add("table", [["Indicator"], ["The model's value"], ["Set to"], ["Difference"], ["Reason"]], rows, "")
        if notes:
            items = []
            for n in notes:
                item: Inline = [("star", "★ bookmark: ")] if n.get("bookmark") else [("b", "Note: ")]
                items.append(item + [str(n.get("text", ""))])
            self.add("ul", items)

    # --- indicators over time
    def sectors(self) -> None:
        self.add("h", 2, "Sectors over time", "sectors")
        self.add("p", ["Each sector's indicators at the start and after every round. The two axis indicators "
                       "show their quadrant threshold; a value set by the facilitator is marked, beside the value the "
                       "model had produced."])
        for sid, sec in self.s.sectors.items():
            ax = sec.axes
            axis_of = {ax.innovation.indicator: ("innovation axis", ax.innovation.threshold),
                       ax.global_effect.indicator: ("global-effect axis", ax.global_effect.threshold)}
            panels = []
            for name, ind in sec.indicators.items():
                full = f"{sid}.{name}"
                axis = axis_of.get(name)
                panels.append(Panel(ind.name, ind.unit, [Series(ind.name, self.series(full), self.overrides_of(full))],
                                    axis[1] if axis else None, axis[0] if axis else ""))
            self.add("h", 3, sec.name, f"sector-{sid}")
            self.add("chart", Chart(sec.name, self.x_labels, panels))

    def roles(self) -> None:
        s, rules = self.s, self.rules
        self.add("h", 2, "Role scores over time", "scores")
        per_state = [engine_scores(rules, st.values) for st in self.game.states]
        series = [Series(role.name, [sc[rid] for sc in per_state]) for rid, role in s.roles.items()]
        self.add("chart", Chart("Role scores", self.x_labels, [Panel("Score (0-100)", "score", series)], legend=True,
                                label="Role"))
        panels = []
        for rid, role in s.roles.items():
            for name, ind in role.indicators.items():
                full = f"{rid}.{name}"
                panels.append(Panel(f"{role.short}: {ind.name}", ind.unit,
                                    [Series(f"{role.short}: {ind.name}", self.series(full), self.overrides_of(full))]))
        if panels:
            self.add("h", 3, "The roles' own indicators", "role-indicators")
            self.add("chart", Chart("Role indicators", self.x_labels, panels))

    # --- what drove the outcome
    def drivers(self) -> None:
        s, rules = self.s, self.rules
        self.add("h", 2, "What drove the outcome", "drivers")
        self.add("p", ["For each sector's two axes and each indicator a role is scored on: the causes that moved it "
                       "most over the whole game, summed across rounds (moves and policies, deals, events, the "
                       "scenario's dynamics, bounds and the facilitator's overrides). The rows add up exactly to the "
                       "net change."])
        for sid, sec in s.sectors.items():
            self.add("h", 3, sec.name, f"drivers-{sid}")
            for axis, label in ((sec.axes.innovation, "innovation axis"), (sec.axes.global_effect, "global-effect axis")):
                ind = f"{sid}.{axis.indicator}"
                self.driver_table(ind, f"{self.ind_name(ind, full=False)} ({label})", TOP_SECTOR, None)
        for rid, role in s.roles.items():
            self.add("h", 3, f"{role.name}: what its score rests on", f"drivers-{rid}")
            seen: set[str] = set()
            for o in rules.objectives[rid]:
                ind = rules.ids[o.slot]
                if ind in seen:
                    continue
                seen.add(ind)
                goal = {"max": "wants it high", "min": "wants it low"}.get(o.goal, f"wants it near {_num(o.target or 0)}")
                self.driver_table(ind, f"{self.ind_name(ind)} ({role.short} {goal}, weight {_num(o.weight)})",
                                  TOP_ROLE, (role.short, o.goal))

    def driver_table(self, ind: str, title: str, top: int, perspective: tuple[str, str] | None) -> None:
        groups: dict[tuple, dict[str, Any]] = {}

        def add(c: Any, rnd: int) -> None:
            kind = "move" if c.kind in ("move", "policy", "deal") else c.kind
            key = (kind, c.source, c.role if kind == "move" else None)
            g = groups.setdefault(key, {"amount": 0, "rounds": set(), "cites": [], "kinds": [], "reasons": []})
            g["amount"] += c.amount
            g["rounds"].add(rnd)
            for f in c.cites:
                if f not in g["cites"]:
                    g["cites"].append(f)
            if c.kind not in g["kinds"]:
                g["kinds"].append(c.kind)
            if c.kind == "override" and c.rationale not in g["reasons"]:
                g["reasons"].append(c.rationale)

        for tr in self.game.traces:
            for c in tr.why(ind):
                add(c, tr.round)
        for ov in self.game.overrides:
            if ov.indicator == ind:
                add(ov.contribution, ov.after_round)
        i = self.rules.index[ind]
        start, final = self.game.states[0].values[i], self.game.state.values[i]
        unit = self.unit(ind)
        self.add("p", [("b", title), f": {_with_unit(start / SCALE, unit)} → {_with_unit(final / SCALE, unit)} "
                       f"({_signed((final - start) / SCALE)})"])
        if not groups:
            self.add("p", [("i", "Nothing moved it.")])
            return
        ranked = sorted(groups.items(), key=lambda kv: (-abs(kv[1]["amount"]), kv[0][0], kv[0][1], kv[0][2] or ""))
        head = [["Cause"], ["Kind"], ["Who"], ["Rounds"], ["Total"]] + ([[f"For {perspective[0]}"]] if perspective else []) + [["Sources"]]
        rows = []
        for (kind, source, role), g in ranked[:top]:
            rows.append(self.driver_row(kind, source, role, g, perspective))
        rest = ranked[top:]
        if rest:
            amt = sum(g["amount"] for _, g in rest)
            row = [[("i", f"{len(rest)} smaller cause(s)")], [""], [""], [""], [_signed(amt / SCALE)]]
            if perspective:
                row.append([""])
            rows.append(row + [[""]])
        total = sum(g["amount"] for g in groups.values())
        if total != final - start:
            row = [[("i", "not explained by the trace")], [""], [""], [""], [_signed((final - start - total) / SCALE)]]
            rows.append(row + ([[""]] if perspective else []) + [[""]])
        self.add("table", head, rows, "drivers")

    def driver_row(self, kind: str, source: str, role: str | None, g: dict[str, Any],
                   perspective: tuple[str, str] | None) -> list[Inline]:
        rules = self.rules
        if kind == "move":
            label = self.move_name(source)
            kinds = [k for k in g["kinds"] if k != "move"]
            kind_text = "move" + (f" ({', '.join('policy in force' if k == 'policy' else k for k in kinds)})" if kinds else "")
            who = self.role_name(role)
        elif kind == "event":
            label, kind_text, who = rules.label("event", source), "event", "-"
        elif kind == "rule":
            rule = self.s.dynamics.get(source)
            label = " ".join(rule.rationale.split()) if rule else source
            if len(label) > 90:
                label = label[:88].rsplit(" ", 1)[0] + "…"
            kind_text, who = f"dynamics ({rules.label('rule', source)})", "-"
        elif kind == "clamp":
            label, kind_text, who = "held within its bounds", "bounds", "-"
        elif kind == "override":
            label = "facilitator override: " + "; ".join(g["reasons"])
            kind_text, who = "override", "facilitator"
        else:
            label, kind_text, who = source, kind, "-"
        rounds = sorted(g["rounds"])
        rtext = _ranges(rounds)
        amount = g["amount"] / SCALE
        row = [[("b", label) if kind in ("move", "event") else label], [kind_text], [who], [rtext], [_signed(amount)]]
        if perspective:
            goal = perspective[1]
            verdict = "" if goal == "target" or amount == 0 else ("helps" if (amount > 0) == (goal == "max") else "hurts")
            row.append([verdict])
        row.append([self.cite(g["cites"])] if g["cites"] else ["-"])
        return row

    # --- sources
    def sources(self) -> None:
        self.add("h", 2, "Sources", "sources")
        if not self.refs:
            self.add("p", [("i", "Nothing in this report cites a fact.")])
            return
        self.add("p", ["Every fact cited above: what it says, in the project's words, and where to find it in "
                       "its source document. The documents themselves are listed after the facts."])
        items = []
        ev = self.evidence
        used: list[str] = []
        for fid, n in self.refs.items():
            fact = ev.facts.get(fid) if ev else None
            item: Inline = [("anchor", f"ref-{n}"), ("b", f"[{n}]"), " ", ("code", fid)]
            if fact is None:
                item += [": ", ("i", "not found in the evidence base available to this report")]
            else:
                src = ev.sources.get(fact.source) if ev else None
                item += [": ", " ".join(fact.statement.split()), " — ", ("i", fact.locator), "; "]
                item += [src.title if src is not None else f"source {fact.source!r} (no record)", "."]
                if src is not None and fact.source not in used:
                    used.append(fact.source)
            items.append(item)
        self.add("refs", items)
        if used and ev is not None:
            self.add("h", 3, "Documents", "documents")
            docs = []
            for sid in used:
                src = ev.sources[sid]
                docs.append([("b", src.title), f". {src.author}. {src.publisher}, {src.date}. ", ("i", src.address)])
            self.add("ul", docs)


def _ranges(rounds: list[int]) -> str:
    """[1, 2, 3, 5] -> '1-3, 5' (round 0 is 'start')."""
    out, i = [], 0
    while i < len(rounds):
        j = i
        while j + 1 < len(rounds) and rounds[j + 1] == rounds[j] + 1:
            j += 1
        a, b = rounds[i], rounds[j]
        fa = "start" if a == 0 else str(a)
        out.append(fa if a == b else f"{fa}-{b}")
        i = j + 1
    return ", ".join(out)


# --- Markdown ---------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def _md_text(text: str) -> str:
    text = re.sub(r"\s+", " ", str(text))  # no line breaks inside a paragraph or cell
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_line(text: str) -> str:
    """A paragraph or list item must not start like a heading, a list or a quote."""
    return re.sub(r"^([#+\->]|\d+(?=[.)]))", r"\\\1", text)


def _md_wrap(mark: str, text: str) -> str:
    """``**text**`` with any outer spaces moved outside the markers (else it is not bold)."""
    t = _md_text(text)
    core = t.strip()
    if not core:
        return t
    lead, trail = t[: len(t) - len(t.lstrip())], t[len(t.rstrip()):]
    return f"{lead}{mark}{core}{mark}{trail}"


def _md_inline(parts: Inline) -> str:
    out = []
    for p in parts:
        if isinstance(p, str):
            out.append(_md_text(p))
            continue
        kind = p[0]
        if kind in ("b", "star"):
            out.append(_md_wrap("**", p[1]))
        elif kind == "i":
            out.append(_md_wrap("*", p[1]))
        elif kind == "s":
            out.append(_md_wrap("~~", p[1]))
        elif kind == "code":
            out.append(f"`{str(p[1]).replace('`', '')}`")
        elif kind == "cite":
            out.append("".join(f"[{n}]" for n in p[1]).replace("[", "\\[").replace("]", "\\]"))
        elif kind == "br":
            out.append("<br>")
    return "".join(out)


def _md_table(head: list[Inline], rows: list[list[Inline]]) -> list[str]:
    lines = ["| " + " | ".join(_md_inline(h) for h in head) + " |",
             "|" + "|".join("---" for _ in head) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(_md_inline(c) for c in row) + " |")
    return lines


def _md_chart(chart: Chart) -> list[str]:
    """A chart as text: values per round, one row per series, and a sparkline of its shape."""
    head: list[Inline] = [[chart.label], ["Unit"]] + [[x] for x in chart.x_labels] + [["Trend (own range)"]]
    rows = []
    marks: list[str] = []
    for panel in chart.panels:
        for se in panel.series:
            name: Inline = [se.name]
            if panel.threshold is not None:
                name += [f" ({panel.threshold_label}, threshold {_num(panel.threshold)})"]
            cells: list[Inline] = []
            ov_at = {}
            fmt = _row_format(se.values)
            for rnd, model, value in se.overrides:
                ov_at.setdefault(rnd, []).append((model, value))
            for k, v in enumerate(se.values):
                text = fmt(v)
                if k in ov_at:
                    marks.append(f"{se.name}, {chart.x_labels[k]}: set to {_num(ov_at[k][-1][1])} by the facilitator; "
                                 f"the model gave {_num(ov_at[k][0][0])}")
                    text += "†" * 1
                cells.append([text])
            unit = "" if panel.unit == "index" else panel.unit
            rows.append([name, [unit]] + cells + [[("code", _spark(se.values))]])
    lines = _md_table(head, rows)
    for m in marks:
        lines.append("")
        lines.append("† " + _md_text(m))
    return lines


def render_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        kind = b[0]
        if kind == "h":
            out += [f"{'#' * b[1]} {_md_text(b[2])}", ""]
        elif kind == "p":
            out += [_md_line(_md_inline(b[1])), ""]
        elif kind == "warn":
            out += ["> **⚠** " + _md_inline(b[1]), ""]
        elif kind == "ul":
            for item in b[1]:
                out.append("- " + _md_line(_md_inline(item)))
            out.append("")
        elif kind == "refs":  # numbered by their own [n]: one paragraph each
            for item in b[1]:
                out += [_md_line(_md_inline(item)), ""]
        elif kind == "table":
            out += _md_table(b[1], b[2]) + [""]
        elif kind == "chart":
            out += _md_chart(b[1]) + [""]
    text = "\n".join(out).rstrip() + "\n"
    return re.sub(r"\n{3,}", "\n\n", text)


# --- HTML -------------------------------------------------------------------------

_CSS = """
:root { --ink: #1d1d1f; --muted: #5f6368; --rule: #d0d4d9; --bg: #ffffff; --soft: #f4f6f8; --warn: #fff4e5; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 32px 64px; }
h1 { font-size: 28px; margin: 8px 0 4px; }
h2 { font-size: 22px; margin: 40px 0 8px; padding-top: 8px; border-top: 2px solid var(--ink); }
h3 { font-size: 17px; margin: 24px 0 6px; }
p, li { max-width: 80ch; }
nav { font-size: 14px; color: var(--muted); margin: 8px 0 16px; }
nav a { color: inherit; margin-right: 14px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; }
th, td { border: 1px solid var(--rule); padding: 4px 8px; vertical-align: top; text-align: left; }
th { background: var(--soft); font-weight: 600; }
table.num td:not(:first-child) { text-align: right; font-variant-numeric: tabular-nums; }
table.values td { text-align: right; font-variant-numeric: tabular-nums; }
table.values td:first-child, table.values td:nth-child(2) { text-align: left; }
table.meta td:first-child { font-weight: 600; white-space: nowrap; }
table.orders td:first-child { white-space: nowrap; } table.orders td:last-child { text-align: right; white-space: nowrap; }
table.drivers td:nth-child(5) { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.quad { table-layout: fixed; width: 100%; max-width: 900px; }
table.quad td, table.quad th { padding: 10px 12px; }
table.quad td:first-child { width: 22%; background: var(--soft); }
table.quad tr:nth-child(1) td:nth-child(2) { background: #e6f2ea; }
table.quad tr:nth-child(1) td:nth-child(3) { background: #fdf0e0; }
table.quad tr:nth-child(2) td:nth-child(2) { background: #eaf0f8; }
table.quad tr:nth-child(2) td:nth-child(3) { background: #f6e6e6; }
.warn { background: var(--warn); border-left: 4px solid #b45f06; padding: 8px 12px; margin: 12px 0; }
.star { color: #8a5a00; font-weight: 600; }
.rej { color: var(--muted); }
.cite { font-size: 12px; vertical-align: super; line-height: 0; }
.cite a { text-decoration: none; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--soft); padding: 0 3px; }
figure { margin: 8px 0 4px; } figcaption { font-size: 13px; color: var(--muted); }
figure svg { width: 100%; height: auto; display: block; }
details { margin: 0 0 16px; font-size: 14px; } summary { cursor: pointer; color: var(--muted); }
ol.sources { list-style: none; padding-left: 0; } ol.sources li { margin-bottom: 8px; }
@media print { main { max-width: none; padding: 0; } h2 { break-before: auto; } figure, table { break-inside: avoid; }
               details > *:not(summary) { display: block; } }
"""


def _h(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _html_inline(parts: Inline) -> str:
    out = []
    for p in parts:
        if isinstance(p, str):
            out.append(_h(p))
            continue
        kind = p[0]
        if kind == "b":
            out.append(f"<strong>{_h(p[1])}</strong>")
        elif kind == "i":
            out.append(f"<em>{_h(p[1])}</em>")
        elif kind == "s":
            out.append(f"<span class=\"rej\">{_h(p[1])}</span>")
        elif kind == "code":
            out.append(f"<code>{_h(p[1])}</code>")
        elif kind == "cite":
            links = ",".join(f'<a href="#ref-{n}">{n}</a>' for n in p[1])
            out.append(f'<span class="cite">[{links}]</span>')
        elif kind == "star":
            out.append(f"<span class=\"star\">{_h(p[1])}</span>")
        elif kind == "br":
            out.append("<br>")
        elif kind == "anchor":
            out.append(f'<a id="{_h(p[1])}"></a>')
    return "".join(out)


def _html_table(head: list[Inline], rows: list[list[Inline]], cls: str = "") -> str:
    c = f' class="{_h(cls)}"' if cls else ""
    th = "".join(f"<th>{_html_inline(h)}</th>" for h in head)
    thead = f"<thead><tr>{th}</tr></thead>" if any(_html_inline(h) for h in head) else ""
    body = "".join("<tr>" + "".join(f"<td>{_html_inline(x)}</td>" for x in row) + "</tr>" for row in rows)
    return f"<table{c}>{thead}<tbody>{body}</tbody></table>"


# Okabe-Ito (without its yellow, too pale on white): distinguishable with colour-blindness;
# lines in one chart also differ by marker and dash, so nothing rests on colour alone.
_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
_DASHES = ["-", "--", "-.", ":"]


def _svg(chart: Chart, salt: str) -> str:
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    rc = {"svg.hashsalt": salt, "svg.fonttype": "none", "svg.id": None,
          "font.family": "sans-serif", "font.size": 9, "axes.titlesize": 10,
          "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
          "grid.color": "#dddddd", "grid.linewidth": 0.6}
    with matplotlib.rc_context(rc):
        x = list(range(len(chart.x_labels)))
        if chart.legend:
            fig = Figure(figsize=(10, 3.6))
            axes = [fig.add_subplot(1, 1, 1)]
        else:
            n = len(chart.panels)
            cols = 3 if n >= 3 else n
            rows = math.ceil(n / cols)
            fig = Figure(figsize=(10, 2.7 * rows + 0.3))
            axes = [fig.add_subplot(rows, cols, k + 1) for k in range(n)]
        step = max(1, math.ceil(len(x) / (12 if chart.legend else 6)))
        ticks = x[::step] if x[-1] in x[::step] else x[::step] + [x[-1]]
        for k, (ax, panel) in enumerate(zip(axes, chart.panels if not chart.legend else chart.panels[:1])):
            for j, se in enumerate(panel.series):
                style = j  # one series per small panel: the same colour everywhere
                ax.plot(x, se.values, color=_COLOURS[style % len(_COLOURS)], marker=_MARKERS[style % len(_MARKERS)],
                        linestyle=_DASHES[j % len(_DASHES)] if chart.legend else "-", markersize=4, linewidth=1.6,
                        label=se.name)
                for rnd, model, value in se.overrides:
                    ax.plot([rnd], [model], marker="o", markersize=7, markerfacecolor="none", markeredgecolor="#555555",
                            linestyle="none")
                    ax.annotate("", xy=(rnd, value), xytext=(rnd, model),
                                arrowprops={"arrowstyle": "->", "color": "#555555", "linewidth": 1})
                    ax.plot([rnd], [value], marker="X", markersize=8, color="#000000", linestyle="none")
            if panel.threshold is not None:
                ax.axhline(panel.threshold, color="#777777", linestyle="--", linewidth=1)
                ax.annotate(f"threshold {_num(panel.threshold)}", xy=(0, panel.threshold), xycoords=("axes fraction", "data"),
                            xytext=(2, 2), textcoords="offset points", fontsize=7, color="#555555")
            if not chart.legend:
                title = panel.title + ("" if panel.unit in ("", "index") else f" ({panel.unit})")
                lines = textwrap.wrap(title, 44)
                if len(lines) > 2:
                    lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), 44, placeholder="…")]
                ax.set_title("\n".join(lines), loc="left", fontsize=9)
            else:
                ax.set_ylabel(panel.title)
            ax.set_xticks(ticks)
            ax.set_xticklabels([chart.x_labels[t] for t in ticks], rotation=30 if len(ticks) > 4 else 0,
                               ha="right" if len(ticks) > 4 else "center", fontsize=7.5)
            ax.tick_params(axis="y", labelsize=7.5)
            ax.margins(x=0.03, y=0.12)
            lo, hi = ax.get_ylim()
            if hi - lo < 1e-9:
                ax.set_ylim(lo - 1, hi + 1)
            if max(abs(lo), abs(hi)) >= 10_000:  # 30,000 USD/t, not 30000 or 3e4
                ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
            else:
                ax.ticklabel_format(axis="y", style="plain", useOffset=False)
        if chart.legend:
            axes[0].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8.5)
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML prolog and doctype: it is inlined in HTML
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)  # RDF boilerplate
    return svg.strip()


def _chart_values_table(chart: Chart) -> str:
    head: list[Inline] = [[chart.label], ["Unit"]] + [[x] for x in chart.x_labels]
    rows = []
    for panel in chart.panels:
        for se in panel.series:
            ov = {rnd: (model, value) for rnd, model, value in se.overrides}
            cells = []
            fmt = _row_format(se.values)
            for k, v in enumerate(se.values):
                if k in ov:
                    cells.append([("b", fmt(v)), f" (model {fmt(ov[k][0])})"])
                else:
                    cells.append([fmt(v)])
            rows.append([[se.name], ["" if panel.unit == "index" else panel.unit]] + cells)
    return _html_table(head, rows, "values")


def render_html(blocks: list[Block], title: str) -> str:
    parts: list[str] = []
    toc = []
    charts = 0
    for b in blocks:
        kind = b[0]
        if kind == "h":
            level, text, anchor = b[1], b[2], b[3]
            parts.append(f'<h{level} id="{_h(anchor)}">{_h(text)}</h{level}>')
            if level == 2:
                toc.append(f'<a href="#{_h(anchor)}">{_h(text.split(":")[0])}</a>')
        elif kind == "p":
            parts.append(f"<p>{_html_inline(b[1])}</p>")
        elif kind == "warn":
            parts.append(f'<div class="warn" role="alert">{_html_inline(b[1])}</div>')
        elif kind == "ul":
            parts.append("<ul>" + "".join(f"<li>{_html_inline(i)}</li>" for i in b[1]) + "</ul>")
        elif kind == "refs":
            parts.append('<ol class="sources">' + "".join(f"<li>{_html_inline(i)}</li>" for i in b[1]) + "</ol>")
        elif kind == "table":
            parts.append(_html_table(b[1], b[2], b[3]))
        elif kind == "chart":
            charts += 1
            chart = b[1]
            caption = ""
            if any(se.overrides for panel in chart.panels for se in panel.series):
                caption = ("<figcaption>✖ a value set by the facilitator; ○ the value the model had produced "
                           "(see the timeline for the reason).</figcaption>")
            parts.append(f'<figure role="img" aria-label="{_h(chart.title)} over the rounds">'
                         f"{_svg(chart, f'wargame-report-{charts}')}{caption}</figure>")
            parts.append("<details><summary>Values by round</summary>" + _chart_values_table(chart) + "</details>")
    # the table of contents goes after the title block
    nav = "<nav>" + "".join(toc) + "</nav>"
    first_h2 = next((i for i, p in enumerate(parts) if p.startswith("<h2")), len(parts))
    parts.insert(first_h2, nav)
    body = "\n".join(parts)
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_h(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n")


# --- entry point ------------------------------------------------------------------

def _default_evidence(replay: "Replay") -> "Evidence | None":
    """The save's evidence (one home: wargame.evidence.find); None cites ids only."""
    from wargame.evidence.find import find_evidence

    return find_evidence(replay.session.loaded, replay.read.path).evidence


def render_report(replay: "Replay", fmt: str = "md", source: str = "", evidence: "Evidence | None" = None) -> str:
    """The after-action report of a replayed save, as Markdown (``md``) or one self-contained HTML file (``html``).

    ``evidence`` defaults to the project's seeds; a fact it does not hold is listed by id.
    """
    if fmt not in ("md", "html"):
        raise ValueError(f"unknown report format {fmt!r}: use 'md' or 'html'")
    b = _Builder(replay, source, evidence if evidence is not None else _default_evidence(replay))
    blocks = b.build()
    if fmt == "md":
        return render_markdown(blocks)
    return render_html(blocks, f"After-action report: {b.s.title}")
