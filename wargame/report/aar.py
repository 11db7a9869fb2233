"""The after-action report: what a facilitator hands out after a game.

Built only from what the engine produced while replaying the save (its round
traces, its states, the logged events and the facilitator's overrides): nothing
is re-simulated or recomputed by hand, so the report says exactly what the game
said.

Officials read the first two pages, so the summary comes first: the exercise,
its date and seats; the key decisions and rulings; each sector's path on
Kennedy's grid; each team's score; and where the facilitator departed from the
model, with the model's own value. Details follow (round by round, indicators
over time, what drove the outcome, sources). Hashes, the engine version and the
quadrant codes go in an appendix: they prove what was played, but nobody
decides anything on them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wargame.engine.rules import SCALE
from wargame.engine.scoring import quadrants as engine_quadrants
from wargame.engine.scoring import scores as engine_scores
from wargame.numbers import points, readable, readable_unit, signed
from wargame.report.doc import (Anchor, Br, Bullets, Cite, Document, Figure, GridChart, GridPath, Heading, Inline, Keep,
                                LineChart, Override, Panel, Para, Part, PathPoint, Refs, Series, Span, Table, Warn, b,
                                code, i)
from wargame.report.grid import COLUMNS, LAYOUT, ROWS, quadrant_label, quadrant_letter, quadrant_name
from wargame.saves.log import log_bytes
from wargame.text import count, possessive

if TYPE_CHECKING:
    from wargame.evidence import Evidence
    from wargame.saves.session import Replay

HOW = {"scheduled": "scheduled", "trigger": "triggered by the state of play", "chance": "by chance",
       "inject": "injected by the facilitator"}
DEAL_OUTCOME = {"made": "deal made", "renegotiated": "deal made on renegotiated terms",
                "refused": "refused", "walked-away": "the proposer walked away from the renegotiated terms",
                "unanswered": "no answer, so no deal"}
TOP_SECTOR = 5  # drivers listed per sector axis
TOP_ROLE = 4  # drivers listed per role objective
SEAT_WORDS = {"human": "people", "bot": "a bot", "script": "scripted (documented history)"}


class Citations:
    """Fact ids numbered in order of first citation, shared by a document's parts."""

    def __init__(self) -> None:
        self.refs: dict[str, int] = {}

    def __call__(self, ids: Any) -> Cite:
        nums: list[int] = []
        for fid in ids:
            if fid not in self.refs:
                self.refs[fid] = len(self.refs) + 1
            n = self.refs[fid]
            if n not in nums:
                nums.append(n)
        return Cite(tuple(nums))


def sources_blocks(refs: dict[str, int], evidence: "Evidence | None") -> list[Any]:
    """The numbered list of every cited fact, then the documents they come from (each fact names its document
    by letter, so a long title is printed once, not once per fact)."""
    out: list[Any] = [Heading(2, "Sources", "sources")]
    if not refs:
        out.append(Para([i("Nothing in this document cites a fact.")]))
        return out
    out.append(Para(["Every fact cited above: what it says, in the project's words, and where to find it in "
                     "its source document (the documents are listed, by letter, after the facts)."]))
    docs: dict[str, str] = {}  # source id -> its letter, in order of first use
    for fid in refs:
        fact = evidence.facts.get(fid) if evidence else None
        if fact is not None and evidence is not None and fact.source in evidence.sources and fact.source not in docs:
            docs[fact.source] = _letter(len(docs))
    items: list[Inline] = []
    for fid, n in refs.items():
        fact = evidence.facts.get(fid) if evidence else None
        item: Inline = [Anchor(f"ref-{n}"), b(f"[{n}]"), " ", code(fid)]
        if fact is None:
            item += [": ", i("not found in the evidence base available to this report")]
        else:
            item += [": ", " ".join(fact.statement.split()), " — ", i(fact.locator), "; "]
            item += [f"document {docs[fact.source]}." if fact.source in docs else f"source {fact.source!r} (no record)."]
        items.append(item)
    out.append(Refs(items))
    if docs and evidence is not None:
        out.append(Heading(3, "Documents", "documents"))
        rows: list[Inline] = []
        for sid, letter in docs.items():
            src = evidence.sources[sid]
            rows.append([b(f"{letter}. "), b(src.title), f". {src.author}. {src.publisher}, {src.date}. ", i(src.address)])
        out.append(Bullets(rows))
    return out


def _letter(k: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        out = chr(65 + r) + out
    return out


def ranges(rounds: list[int]) -> str:
    """[1, 2, 3, 5] -> '1-3, 5' (round 0 is 'start')."""
    out, k = [], 0
    while k < len(rounds):
        j = k
        while j + 1 < len(rounds) and rounds[j + 1] == rounds[j] + 1:
            j += 1
        a, z = rounds[k], rounds[j]
        fa = "start" if a == 0 else str(a)
        out.append(fa if a == z else f"{fa}-{z}")
        k = j + 1
    return ", ".join(out)


def exercise_date(source: str, path: Path | None) -> str:
    """When the game was played: the stamp in a default save name, else the file's date, else unknown."""
    m = re.search(r"(\d{4})(\d{2})(\d{2})-\d{6}", source)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3])).strftime("%-d %B %Y")
        except ValueError:
            pass
    if path is not None and path.is_file():
        return dt.datetime.fromtimestamp(path.stat().st_mtime).strftime("%-d %B %Y") + " (the save file's date)"
    return "not recorded"


class AfterAction:
    def __init__(self, replay: "Replay", source: str, evidence: "Evidence | None") -> None:
        self.replay = replay
        self.session = replay.session
        self.game = replay.game
        self.rules = self.game.rules
        self.s = self.rules.scenario
        self.source = source
        self.evidence = evidence
        self.cite = Citations()
        self.blocks: list[Any] = []
        self.R = self.game.state.round
        self.x_labels = ["start"] + [self.s.round_label(r) for r in range(1, self.R + 1)]
        self.quads = [engine_quadrants(self.rules, st.values) for st in self.game.states]
        self.scores = [engine_scores(self.rules, st.values) for st in self.game.states]

    # --- names
    def role_name(self, rid: str | None) -> str:
        if rid is None:
            return ""
        r = self.s.roles.get(rid)
        return r.name if r else rid

    def role_short(self, rid: str) -> str:
        r = self.s.roles.get(rid)
        return r.short if r else rid

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

    def bounds(self, ind: str) -> tuple[float, float]:
        k = self.rules.index[ind]
        return self.rules.lo[k] / SCALE, self.rules.hi[k] / SCALE

    def series(self, ind: str) -> list[float]:
        k = self.rules.index[ind]
        return [st.values[k] / SCALE for st in self.game.states]

    def overrides_of(self, ind: str) -> list[Override]:
        return [Override(ov.after_round, ov.model_value, ov.value) for ov in self.game.overrides if ov.indicator == ind]

    def add(self, blk: Any) -> None:
        self.blocks.append(blk)

    def take(self) -> list[Any]:
        out, self.blocks = self.blocks, []
        return out

    # --- the document
    def build(self) -> Document:
        self.title()
        self.decisions()
        self.teams()
        self.departures()
        self.grid()
        summary = Part("summary", self.take())
        self.grid_map()
        self.timeline()
        self.sectors()
        self.roles()
        self.drivers()
        self.add_sources()
        details = Part("details", self.take())
        self.appendix()
        appendix = Part("appendix", self.take())
        return Document(f"After-action report: {self.s.title}", [summary, details, appendix])

    # --- summary
    def title(self) -> None:
        s, hdr = self.s, self.session.header
        self.add(Heading(1, f"After-action report: {s.title}", "top"))
        last = self.R
        span = f"{s.round_label(1)} to {s.round_label(last)}" if last else "no round played"
        path = Path(self.replay.read.path) if getattr(self.replay.read, "path", None) else None
        seats = hdr.get("seats") or {}
        seat_line: Inline = []
        for rid, role in s.roles.items():
            if seat_line:
                seat_line.append("; ")
            seat_line += [b(role.name), f": {SEAT_WORDS.get(str(seats.get(rid, 'human')), str(seats.get(rid)))}"]
        meta: list[list[Inline]] = [
            [["Exercise"], [s.title]],
            [["Played"], ["not by people: every team followed a script" if seats and all(
                str(v) == "script" for v in seats.values()) else exercise_date(self.source, path)]],
            [["Rounds"], [f"{last} of {s.rounds} ({span}), each {s.round_months} months of game time"]],
            [["Seats"], seat_line],
        ]
        parent = hdr.get("parent")
        if isinstance(parent, dict) and "round" in parent:
            meta.append([["Branch"], [f"forked from another game at round {parent['round']}"]])
        self.add(Table([[""], [""]], meta, "meta"))
        problems = self.replay.problems()
        if problems:
            self.add(Warn(["Warning: this save is not intact, so this report covers only what could be "
                           f"replayed ({count(self.R, 'round')}). "] + [b(p) for p in problems]))
        if self.R < s.rounds and not problems:
            self.add(Para([i(f"The game stopped after round {self.R} of {s.rounds}.")]))

    def decisions(self) -> None:
        """Per round: what each team did (accepted moves), deals made, events and the facilitator's rulings."""
        self.add(Heading(2, "Key decisions and rulings", "decisions"))
        rows: list[list[Inline]] = []
        overrides: dict[int, list[Any]] = {}
        for ov in self.game.overrides:
            overrides.setdefault(ov.after_round, []).append(ov)
        for tr in self.game.traces:
            moves: Inline = []
            for rid in self.rules.roles:
                # answers to offers show as the deal they made, in the next column
                played = [self.order_label(x.order) for x in tr.orders
                          if x.order.role == rid and x.accepted and x.order.kind != "respond"]
                if not played:
                    continue
                if moves:
                    moves.append(Br())
                moves += [b(self.role_short(rid)), ": " + "; ".join(played)]
            rulings: Inline = []
            for d in tr.deals:
                rulings += ([Br()] if rulings else []) + [
                    f"{self.move_name(d.move)} ({self.role_short(d.proposer)} → {self.role_short(d.counterparty)}): "
                    f"{DEAL_OUTCOME.get(d.outcome, d.outcome)}"]
            for fe in tr.events:
                ev = self.s.events.get(fe.event)
                name = ev.name if ev else fe.event
                rulings += ([Br()] if rulings else []) + [i(name + (" (inject)" if fe.how == "inject" else ""))]
            for ov in overrides.get(tr.round, []):
                rulings += ([Br()] if rulings else []) + [b("Ruling: "), f"{self.ind_name(ov.indicator)} set to "
                                                          f"{readable_unit(ov.value, self.unit(ov.indicator))}"]
            rejected = [x for x in tr.orders if not x.accepted]
            if rejected:
                rulings += ([Br()] if rulings else []) + [Span(f"{count(len(rejected), 'order')} rejected by the rules", "muted")]
            rows.append([[b(str(tr.round)), " ", Span(self.s.round_label(tr.round), "muted")], moves or [i("none")],
                         rulings or ["-"]])
        if not rows:
            self.add(Para([i("No round was played.")]))
            return
        self.add(Table([["Round"], ["Moves made"], ["Deals, events (in italics) and rulings"]], rows, "decisions"))
        marks = [n for n in self.session.notes if n.get("bookmark")]
        if marks:
            self.add(Para([b("Bookmarked by the facilitator: ")] + [
                f"after round {n.get('round', 0)}: {n.get('text', '')}" + ("; " if k < len(marks) - 1 else "")
                for k, n in enumerate(marks)]))

    def grid(self) -> None:
        s, rules = self.s, self.rules
        intro: list[Any] = [Heading(2, "Each sector on Kennedy's grid", "grid")]
        intro.append(Para(["Kennedy's Figure 1.1 (CSIS ch. 1) asks two questions of each sector: does China's innovation "
                       "drive succeed, and is its effect on the global sector constructive? Each small grid shows a "
                       "sector's path, round by round, on the same scales; the dashed box is where the sources place "
                       "it."] + ([" ", self.cite(["frame.quadrants"])] if self.evidence and "frame.quadrants" in self.evidence.facts
                        else []), "note"))
        paths = []
        for sid, sec in s.sectors.items():
            ax = sec.axes
            inn, glo = f"{sid}.{ax.innovation.indicator}", f"{sid}.{ax.global_effect.indicator}"
            xs, ys = self.series(inn), self.series(glo)
            pts = [PathPoint(self.x_labels[k], xs[k], ys[k]) for k in range(len(xs))]
            paths.append(GridPath(sec.name, pts, ax.innovation.threshold, ax.global_effect.threshold,
                                  self.bounds(inn), self.bounds(glo),
                                  sec.documented.quadrant if sec.documented else None))
        share_grid(paths)
        self.add(Keep(intro + [Figure(GridChart("Sector paths on Kennedy's grid", paths), values=False)]))
        rows: list[list[Inline]] = []
        for sid, sec in s.sectors.items():
            path = [h[sid] for h in self.quads]
            moves: list[str] = []
            for k in range(1, len(path)):
                if path[k] != path[k - 1]:
                    moves.append(f"{quadrant_name(path[k])} in {self.x_labels[k]}")
            story = (quadrant_name(path[0]) + (" → " + ", then ".join(moves) if moves else ", throughout"))
            doc: Inline = ["-"]
            if sec.documented:
                same = sec.documented.quadrant == path[-1]
                doc = [quadrant_name(sec.documented.quadrant), " ", self.cite(sec.documented.cites),
                       Span(" (agrees)" if same else " (differs)", "b" if not same else "muted")]
            rows.append([[b(sec.name)], [story], [b(quadrant_name(path[-1]))], doc])
        self.add(Table([["Sector"], ["Path (from the start)"], ["At the end"], ["Where the sources place it"]], rows, ""))

    def vs_history(self) -> dict[str, float] | None:
        """Each team's final score minus its score under documented history (same scenario and seed), from the
        model's own baseline; None when the scenario names no history or the game stopped early."""
        if self.R != self.s.rounds:
            return None
        from wargame.engine.baseline import vs_history

        try:
            return vs_history(self.rules, self.game.seed, self.scores[-1])
        except Exception:  # a history file that no longer fits the stored scenario: no baseline, said below
            return None

    def teams(self) -> None:
        s = self.s
        self.add(Heading(2, "Each team against documented history", "teams"))
        sc0, sc = self.scores[0], self.scores[-1]
        vs = self.vs_history()
        rows: list[list[Inline]] = []
        for rid, role in s.roles.items():
            row: list[Inline] = [[b(role.name)], [points(sc0[rid])], [b(points(sc[rid]))],
                                 [points(sc[rid] - sc0[rid], sign=True)]]
            if vs is not None:
                row.append([b(points(vs[rid], sign=True)) if abs(vs[rid]) >= 0.05 else "same as history"])
                # equal differences (to the tenth) share a rank: history replayed ranks every team first
                row.append([str(1 + sum(1 for w in vs.values() if round(w, 1) > round(vs[rid], 1)))])
            rows.append(row)
        head: list[Inline] = [["Team"], ["Score at the start"], ["At the end"], ["Change"]]
        if vs is not None:
            head += [["Against documented history"], ["Rank"]]
        self.add(Table(head, rows, "num"))
        note: Inline = ["A score (0-100) measures a team against its own objectives, so it compares with the team's "
                        "own start, not with another team. "]
        if vs is not None:
            note.append("Against documented history: the final score minus the score the recorded moves give with "
                        "the same seed (above zero: better for itself than history).")
        elif self.R != s.rounds:
            note.append("Documented history is measured over a whole game; this one stopped early.")
        else:
            note.append("This scenario names no documented history to measure the teams against.")
        self.add(Para(note, "note"))

    def departures(self) -> None:
        self.add(Heading(2, "Where the facilitator departed from the model", "departures"))
        if not self.game.overrides:
            self.add(Para(["Nowhere: every number in this game is the model's."]))
            return
        rows: list[list[Inline]] = []
        for ov in self.game.overrides:
            unit = self.unit(ov.indicator)
            rows.append([[self.x_labels[ov.after_round] if ov.after_round else "before round 1"],
                         [self.ind_name(ov.indicator)], [readable_unit(ov.model_value, unit)],
                         [b(readable_unit(ov.value, unit))], [signed(ov.value - ov.model_value)], [ov.reason]])
        self.add(Table([["After"], ["Indicator"], ["The model's value"], ["Set to"], ["Difference"], ["Reason"]],
                       rows, ""))

    # --- details
    def grid_map(self) -> None:
        """The sectors at the end on a 2x2 map, oriented as Figure 1.1 (the summary has their paths)."""
        s = self.s
        self.add(Heading(2, "Kennedy's grid at the end", "map"))
        cells: dict[str, Inline] = {}
        for q in (q for row in LAYOUT for q in row):
            names = [sec.name for sid, sec in s.sectors.items() if self.quads[-1][sid] == q]
            cells[q] = [b(quadrant_label(q)), Br()] + ([", ".join(names)] if names else [i("none")])
        head: list[Inline] = [[""], [COLUMNS[0]], [COLUMNS[1]]]
        rows = [[[b(ROWS[r])], cells[LAYOUT[r][0]], cells[LAYOUT[r][1]]] for r in range(2)]
        self.add(Table(head, rows, "quad"))

    def timeline(self) -> None:
        s = self.s
        self.add(Heading(2, "Round by round", "timeline"))
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
            self.add(Heading(3, "Before round 1", "round-0"))
            self.after_round(0, overrides.get(0, []), notes.get(0, []))
        for tr in self.game.traces:
            r = tr.round
            self.add(Heading(3, f"Round {r}: {s.round_label(r)}", f"round-{r}"))
            rows: list[list[Inline]] = []
            for rid in self.rules.roles:
                items: Inline = []
                for x in (x for x in tr.orders if x.order.role == rid):
                    if items:
                        items.append(Br())
                    items += self.order_text(x)
                seat = by_round.get(r, {}).get(rid, "")
                spent = tr.spent.get(rid)
                rows.append([[b(self.role_name(rid))] + ([f" ({seat})"] if seat and seat != "human" else []),
                             items or [i("no orders")],
                             [f"{spent} of {s.roles[rid].budget}" if spent is not None else "-"]])
            self.add(Table([["Team"], ["Orders"], ["Points spent"]], rows, "orders"))
            if tr.deals:
                deal_items: list[Inline] = []
                for d in tr.deals:
                    terms = f" ({self.target_name(d.target)})" if d.target else ""
                    answer = {"none": "no answer"}.get(d.answer, d.answer)
                    deal_items.append([self.role_name(d.proposer), " offered ", b(self.move_name(d.move) + terms),
                                       f" to {self.role_name(d.counterparty)}: {answer}; ",
                                       b(DEAL_OUTCOME.get(d.outcome, d.outcome))])
                self.add(Para([b("Deals")]))
                self.add(Bullets(deal_items))
            if tr.enacted or tr.revoked:
                pol: list[Inline] = [[b(self.move_name(p.move)), f" enacted by {self.role_name(p.role)}"
                                      + (f" on {self.target_name(p.target)}" if p.target else "")] for p in tr.enacted]
                pol += [[b(self.move_name(p.move)), f" revoked by {self.role_name(p.role)}"] for p in tr.revoked]
                self.add(Para([b("Policies")]))
                self.add(Bullets(pol))
            if tr.events:
                ev_items: list[Inline] = []
                for fe in tr.events:
                    ev = s.events.get(fe.event)
                    how = HOW.get(fe.how, fe.how)
                    if fe.roll is not None and ev is not None and ev.chance is not None:
                        how += f" (roll {fe.roll:.2f} under {ev.chance:g})"
                    item: Inline = [b(ev.name if ev else fe.event), f", {how}"]
                    if ev is not None:
                        item += [": ", i(ev.news.strip()), " ", self.cite(ev.cites)]
                    ev_items.append(item)
                self.add(Para([b("Events")]))
                self.add(Bullets(ev_items))
            q0, q1 = self.quads[r - 1], self.quads[r]
            shifts: list[Inline] = [[b(s.sectors[sid].name), f": {quadrant_name(q0[sid])} → {quadrant_name(q)}"]
                                    for sid, q in q1.items() if q0.get(sid) != q]
            if shifts:
                self.add(Para([b("Moves on Kennedy's grid")]))
                self.add(Bullets(shifts))
            changes = self.top_changes(tr)
            if changes:
                self.add(Para([b("Largest changes this round: ")] + changes))
            if overrides.get(r) or notes.get(r):
                self.after_round(r, overrides.get(r, []), notes.get(r, []))
        pending = self.session.pending
        if pending or self.session.pending_injects:
            nxt = self.R + 1
            self.add(Heading(3, f"Round {nxt}: not resolved", f"round-{nxt}"))
            items2: list[Inline] = []
            for rid, orders in pending.items():
                items2.append([b(self.role_name(rid)), ": ", ", ".join(self.order_label(o) for o in orders) or "no orders"])
            for eid in self.session.pending_injects:
                ev = s.events.get(eid)
                items2.append(["Inject queued: ", b(ev.name if ev else eid)])
            self.add(Para(["Submitted but never resolved (the save ends here):"]))
            self.add(Bullets(items2))

    def top_changes(self, tr: Any) -> Inline:
        """The three indicators that moved most this round, relative to their range."""
        moves = []
        for k, ind in enumerate(self.rules.ids):
            d = tr.after[k] - tr.before[k]
            if d:
                span = self.rules.hi[k] - self.rules.lo[k]
                moves.append((-abs(d) / span, ind, d, tr.after[k]))
        moves.sort()
        out: Inline = []
        for _, ind, d, after in moves[:3]:
            if out:
                out.append("; ")
            out += [self.ind_name(ind), f" {signed(d / SCALE)} to {readable_unit(after / SCALE, self.unit(ind))}"]
        return out

    def order_label(self, o: Any) -> str:
        if o.kind == "respond":
            m = self.s.moves.get(o.move)
            verb = {"renegotiate": "ask to renegotiate"}.get(o.answer or "", o.answer or "answer")
            whose = f"{possessive(self.role_name(m.role))} offer: " if m else ""
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
        return ["✗ ", Span(label, "s"), i(f" rejected: {res.reason}")]

    def after_round(self, r: int, ovs: list[Any], notes: list[dict[str, Any]]) -> None:
        if ovs:
            rows: list[list[Inline]] = []
            for ov in ovs:
                unit = self.unit(ov.indicator)
                rows.append([[self.ind_name(ov.indicator)], [readable_unit(ov.model_value, unit)],
                             [b(readable_unit(ov.value, unit))], [signed(ov.value - ov.model_value)], [ov.reason]])
            self.add(Para([b("Facilitator overrides" + (" after the round" if r else ""))]))
            self.add(Table([["Indicator"], ["The model's value"], ["Set to"], ["Difference"], ["Reason"]], rows, ""))
        if notes:
            items: list[Inline] = []
            for n in notes:
                head: Inline = [Span("★ bookmark: ", "star")] if n.get("bookmark") else [b("Note: ")]
                items.append(head + [str(n.get("text", ""))])
            self.add(Bullets(items))

    def sectors(self) -> None:
        self.add(Heading(2, "Sectors over time", "sectors"))
        self.add(Para(["Each sector's indicators at the start and after every round. Panels in the same unit share "
                       "one scale, so that equal heights mean equal amounts; the two axis indicators show their "
                       "threshold on Kennedy's grid. A value set by the facilitator is marked ✕, with a ring at the "
                       "value the model had produced."]))
        for sid, sec in self.s.sectors.items():
            ax = sec.axes
            axis_of = {ax.innovation.indicator: ("China's innovation axis", ax.innovation.threshold),
                       ax.global_effect.indicator: ("global-effect axis", ax.global_effect.threshold)}
            panels = []
            for name, ind in sec.indicators.items():
                full = f"{sid}.{name}"
                axis = axis_of.get(name)
                panels.append(Panel(ind.name, ind.unit, [Series(ind.name, self.series(full), self.overrides_of(full))],
                                    axis[1] if axis else None, axis[0] if axis else ""))
            share_scales(panels)
            self.add(Heading(3, sec.name, f"sector-{sid}"))
            self.add(Figure(LineChart(sec.name, self.x_labels, panels)))

    def roles(self) -> None:
        s = self.s
        self.add(Heading(2, "Team scores over time", "scores"))
        series = [Series(role.name, [sc[rid] for sc in self.scores]) for rid, role in s.roles.items()]
        self.add(Figure(LineChart("Team scores", self.x_labels, [Panel("Score (0-100)", "score", series,
                                                                        y_range=(0.0, 100.0))],
                                  legend=True, label="Team")))
        if any(role.indicators for role in s.roles.values()):
            self.add(Heading(3, "The teams' own indicators", "role-indicators"))
        for rid, role in s.roles.items():
            panels = []
            for name, ind in role.indicators.items():
                full = f"{rid}.{name}"
                panels.append(Panel(ind.name, ind.unit, [Series(f"{role.short}: {ind.name}", self.series(full),
                                                                self.overrides_of(full))]))
            if panels:
                share_scales(panels)
                # one figure per team: a page can hold it, and its panels compare with each other
                self.add(Figure(LineChart(f"{role.name}: indicators", self.x_labels, panels), title=role.name))

    def drivers(self) -> None:
        s, rules = self.s, self.rules
        self.add(Heading(2, "What drove the outcome", "drivers"))
        self.add(Para(["For each sector's two axes and each indicator a team is scored on: the causes that moved it "
                       "most over the whole game, summed across rounds (moves and policies, deals, events, the "
                       "scenario's dynamics, bounds and the facilitator's overrides). The rows add up exactly to the "
                       "net change."]))
        for sid, sec in s.sectors.items():
            self.add(Heading(3, sec.name, f"drivers-{sid}"))
            for axis, label in ((sec.axes.innovation, "China's innovation axis"),
                                (sec.axes.global_effect, "global-effect axis")):
                ind = f"{sid}.{axis.indicator}"
                self.driver_table(ind, f"{self.ind_name(ind, full=False)} ({label})", TOP_SECTOR, None)
        for rid, role in s.roles.items():
            self.add(Heading(3, f"{role.name}: what its score rests on", f"drivers-{rid}"))
            seen: set[str] = set()
            for o in rules.objectives[rid]:
                ind = rules.ids[o.slot]
                if ind in seen:
                    continue
                seen.add(ind)
                goal = {"max": "wants it high", "min": "wants it low"}.get(o.goal, f"wants it near {readable(o.target or 0)}")
                self.driver_table(ind, f"{self.ind_name(ind)} ({role.short} {goal}, weight {readable(o.weight)})",
                                  TOP_ROLE, (role.short, o.goal))

    def driver_table(self, ind: str, title: str, top: int, perspective: tuple[str, str] | None) -> None:
        groups: dict[tuple[str, str, str | None], dict[str, Any]] = {}

        def add(c: Any, rnd: int) -> None:
            kind = "move" if c.kind in ("move", "policy", "deal") else c.kind
            key = (kind, c.source, c.role if kind == "move" else None)
            g = groups.setdefault(key, {"amount": 0, "rounds": set(), "cites": [], "kinds": [], "reasons": [],
                                        "bases": []})
            g["amount"] += c.amount
            g["rounds"].add(rnd)
            for f in c.cites:
                if f not in g["cites"]:
                    g["cites"].append(f)
            if c.kind not in g["kinds"]:
                g["kinds"].append(c.kind)
            if c.kind == "override" and c.rationale not in g["reasons"]:
                g["reasons"].append(c.rationale)
            basis = getattr(c, "basis", None)
            if basis is not None and basis.kind not in g["bases"]:
                g["bases"].append(basis.kind)

        for tr in self.game.traces:
            for c in tr.why(ind):
                add(c, tr.round)
        for ov in self.game.overrides:
            if ov.indicator == ind:
                add(ov.contribution, ov.after_round)
        k = self.rules.index[ind]
        start, final = self.game.states[0].values[k], self.game.state.values[k]
        unit = self.unit(ind)
        self.add(Para([b(title), f": {readable_unit(start / SCALE, unit)} → {readable_unit(final / SCALE, unit)} "
                       f"({signed((final - start) / SCALE)})"]))
        if not groups:
            self.add(Para([i("Nothing moved it.")]))
            return
        ranked = sorted(groups.items(), key=lambda kv: (-abs(kv[1]["amount"]), kv[0][0], kv[0][1], kv[0][2] or ""))
        head: list[Inline] = [["Cause"], ["Kind"], ["Who"], ["Rounds"], ["Total"]]
        head += ([[f"For {perspective[0]}"]] if perspective else []) + [["Sources"]]
        rows = [self.driver_row(kind, source, role, g, perspective) for (kind, source, role), g in ranked[:top]]
        rest = ranked[top:]
        if rest:
            amt = sum(g["amount"] for _, g in rest)
            row: list[Inline] = [[i(f"{count(len(rest), 'smaller cause')}")], [""], [""], [""], [signed(amt / SCALE)]]
            rows.append(row + ([[""]] if perspective else []) + [[""]])
        total = sum(g["amount"] for g in groups.values())
        if total != final - start:
            row = [[i("not explained by the trace")], [""], [""], [""], [signed((final - start - total) / SCALE)]]
            rows.append(row + ([[""]] if perspective else []) + [[""]])
        self.add(Table(head, rows, "drivers"))

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
            kind_text, who = "dynamics", "-"
        elif kind == "clamp":
            label, kind_text, who = "held within its bounds", "bounds", "-"
        elif kind == "override":
            label = "facilitator override: " + "; ".join(g["reasons"])
            kind_text, who = "override", "facilitator"
        else:
            label, kind_text, who = source, kind, "-"
        amount = g["amount"] / SCALE
        row: list[Inline] = [[b(label)] if kind in ("move", "event") else [label], [kind_text], [who],
                             [ranges(sorted(g["rounds"]))], [signed(amount)]]
        if perspective:
            goal = perspective[1]
            verdict = "" if goal == "target" or amount == 0 else ("helps" if (amount > 0) == (goal == "max") else "hurts")
            row.append([verdict])
        cell: Inline = [self.cite(g["cites"])] if g["cites"] else ["-"]
        if g["bases"]:
            # What the sizes rest on: a reader weighs a documented figure above an assumption.
            cell = [*cell, f"; size: {', '.join(g['bases'])}"]
        row.append(cell)
        return row

    def add_sources(self) -> None:
        for blk in sources_blocks(self.cite.refs, self.evidence):
            self.add(blk)

    # --- appendix
    def appendix(self) -> None:
        s, hdr = self.s, self.session.header
        self.add(Heading(2, "Appendix: the record", "appendix"))
        self.add(Para(["What identifies this game exactly, for anyone who wants to replay or check it "
                       "(", code(f"wargame replay {self.source or 'SAVE'} --verify"), ")."], "note"))
        data = log_bytes(self.session.header, self.session.events)
        rows: list[list[Inline]] = [
            [["Save file"], [code(self.source or "(unnamed)")]],
            [["Scenario"], [code(s.id), f", starts {s.start.isoformat()}, {s.rounds} rounds"]],
            [["Scenario SHA-256"], [code(str(hdr.get("scenario_sha256", "?")))]],
            [["Log SHA-256"], [code(hashlib.sha256(data).hexdigest())]],
            [["Engine version"], [code(str(hdr.get("engine", "?")))]],
            [["Seed"], [code(str(self.game.seed))]],
        ]
        parent = hdr.get("parent")
        if isinstance(parent, dict) and parent.get("file"):
            how = ("forked at round " + str(parent["round"])) if "round" in parent else (
                f"undo of the last {parent['undo']}" if "undo" in parent else (
                    f"recovered from a damaged save (damage at line {parent['recovered']})" if "recovered" in parent
                    else "derived"))
            rows.append([["Parent"], [code(str(parent["file"])), f": {how}"]])
        self.add(Table([[""], [""]], rows, "meta"))
        self.add(Heading(3, "Quadrant codes by round", "codes"))
        self.add(Para(["Kennedy labels the quadrants A (win-win), B (destructive victory), C (harmless failure) and "
                       "D (lose-lose). Each sector's quadrant at the start and after each round:"], "note"))
        rows = [[[sec.name], [code("".join(quadrant_letter(h[sid]) for h in self.quads))]]
                for sid, sec in s.sectors.items()]
        self.add(Table([["Sector"], ["Codes, start first"]], rows, ""))


def share_scales(panels: list[Panel]) -> None:
    """Give panels of the same unit one y range (the union of what they show), so they compare by eye."""
    by_unit: dict[str, list[Panel]] = {}
    for p in panels:
        by_unit.setdefault(p.unit, []).append(p)
    for group in by_unit.values():
        if len(group) < 2:
            continue
        vals = [v for p in group for se in p.series for v in se.values]
        vals += [o.model for p in group for se in p.series for o in se.overrides]
        vals += [p.threshold for p in group if p.threshold is not None]
        lo, hi = min(vals), max(vals)
        if hi - lo < 1e-9:
            lo, hi = lo - 1, hi + 1
        pad = (hi - lo) * 0.08
        for p in group:
            p.y_range = (lo - pad, hi + pad)


def share_grid(paths: list[GridPath]) -> None:
    """One scale for every sector's grid, zoomed to what the game visited (and the thresholds), so that a
    path's length compares across sectors and a small move is still visible."""
    xs = [p.x for g in paths for p in g.points] + [g.x_threshold for g in paths]
    ys = [p.y for g in paths for p in g.points] + [g.y_threshold for g in paths]
    if not xs:
        return
    span = max(max(xs) - min(xs), max(ys) - min(ys), 10.0) * 1.08
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    for g in paths:
        g.x_range = (cx - span / 2, cx + span / 2)
        g.y_range = (cy - span / 2, cy + span / 2)


def build_after_action(replay: "Replay", source: str = "", evidence: "Evidence | None" = None) -> Document:
    return AfterAction(replay, source, evidence).build()
