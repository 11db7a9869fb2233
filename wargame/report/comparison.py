"""The document of a ``wargame compare``: score distributions as charts on one
scale, differences from "as played" with their 95% intervals, how often each
sector ends in each quadrant, and why the branches differ (attribution)."""

from __future__ import annotations

from typing import Any

from wargame.numbers import percent, points, signed
from wargame.report.doc import Band, BandChart, Document, Figure, Heading, Inline, Para, Part, Table, b, i
from wargame.report.grid import LAYOUT, quadrant_name

KIND_WORDS = {"move": "move", "event": "event", "rule": "dynamics", "clamp": "bounds", "other": "smaller causes"}


def source_label(rules: Any, kind: str, source: str) -> str:
    """A source of attribution in words: the move's or event's name, the rule's rationale, 'held within bounds'."""
    s = rules.scenario
    if kind == "move" and source in s.moves:
        m = s.moves[source]
        return f"{m.name} ({s.roles[m.role].short if m.role in s.roles else m.role})"
    if kind == "event" and source in s.events:
        return s.events[source].name
    if kind == "rule" and source in s.dynamics:
        text = " ".join(s.dynamics[source].rationale.split())
        return text if len(text) <= 90 else text[:88].rsplit(" ", 1)[0] + "…"
    if kind == "clamp":
        return "held within its bounds"
    if kind == "other":
        return "smaller causes, together"
    return source


def indicator_label(rules: Any, ind: str) -> str:
    meta = rules.indicator.get(ind)
    if meta is None:
        return ind
    owner = ind.split(".", 1)[0]
    s = rules.scenario
    where = s.sectors[owner].name if owner in s.sectors else s.roles[owner].name if owner in s.roles else owner
    return f"{where}: {meta.name}"


def _axis(dists: list[dict[str, float]], floor: float | None = None, ceil: float | None = None) -> tuple[float, float]:
    lo = min(d["p5"] for d in dists)
    hi = max(d["p95"] for d in dists)
    pad = max((hi - lo) * 0.1, 0.5)
    lo, hi = lo - pad, hi + pad
    if floor is not None:
        lo = max(lo, floor)
    if ceil is not None:
        hi = min(hi, ceil)
    return lo, hi


def build_comparison(rules: Any, result: dict[str, Any], title: str = "") -> Document:
    s = rules.scenario
    names = [br["name"] for br in result["branches"]]
    blocks: list[Any] = [Heading(1, title or f"Comparing branches: {s.title}", "top"),
                         Para([f"From the start of round {result['at']} ({s.round_label(result['at'])}) in ",
                               i(result["save"]), f", each branch was played {result['runs']} times to the end; "
                               "every branch of a run meets the same luck (chance events, bots), so differences "
                               "are the branches' own. Branches: ", ", ".join(names), "."], "lead")]
    # scores: one chart, one shared scale
    groups = []
    for rid, role in s.roles.items():
        groups.append((role.name, [Band(br["name"], **br["roles"][rid]["score"]) for br in result["branches"]]))
    all_scores = [br["roles"][rid]["score"] for br in result["branches"] for rid in s.roles]
    blocks += [Heading(2, "Team scores", "scores"),
               Figure(BandChart("Team scores by branch", groups, _axis(all_scores, 0, 100), "score, 0-100"))]
    head: list[Inline] = [["Team"], ["Branch"], ["Mean score"], ["5th-95th percentile"], ["Difference from as played"],
                          ["95% interval"]]
    rows: list[list[Inline]] = []
    for rid, role in s.roles.items():
        for k, br in enumerate(result["branches"]):
            e = br["roles"][rid]
            d = e["delta"]
            rows.append([[b(role.name)] if k == 0 else [""], [br["name"]], [points(e["score"]["mean"])],
                         [f"{points(e['score']['p5'])} to {points(e['score']['p95'])}"],
                         [points(d["mean"], sign=True)], [f"{points(d['lo'], sign=True)} to {points(d['hi'], sign=True)}"]])
    blocks.append(Table(head, rows, "num"))
    if all("vs_history" in br["roles"][rid] for br in result["branches"] for rid in s.roles):
        vs_groups = [(role.name, [Band(br["name"], **br["roles"][rid]["vs_history"]) for br in result["branches"]])
                     for rid, role in s.roles.items()]
        all_vs = [br["roles"][rid]["vs_history"] for br in result["branches"] for rid in s.roles]
        blocks += [Heading(2, "Against documented history", "history"),
                   Para(["Each team's final score minus its score under documented history with the same seed: "
                         "above zero, the team did better for itself than history did."], "note"),
                   Figure(BandChart("Score against documented history, by branch", vs_groups, _axis(all_vs),
                                    "score points"))]
    # quadrants
    order = [q for row in LAYOUT for q in row]
    head = [["Sector"], ["Branch"]] + [[quadrant_name(q)] for q in order]
    rows = []
    for sid, sec in s.sectors.items():
        for k, br in enumerate(result["branches"]):
            qs = br["sectors"][sid]["quadrants"]
            rows.append([[b(sec.name)] if k == 0 else [""], [br["name"]]]
                        + [[b(percent(qs[q])) if qs[q] >= 0.5 else percent(qs[q])] for q in order])
    blocks += [Heading(2, "Where the sectors end on Kennedy's grid", "sectors"),
               Para(["Share of runs ending in each quadrant (Kennedy's Figure 1.1)."], "note"), Table(head, rows, "num")]
    # why
    blocks.append(Heading(2, "Why the branches differ", "why"))
    for br in result["branches"][1:]:
        blocks.append(Heading(3, f"{br['name']} against as played", f"why-{br['name']}"))
        if not br["attribution"]:
            blocks.append(Para([i("No indicator differs.")]))
            continue
        for ind, items in br["attribution"].items():
            d = br["indicators"][ind]["delta"]
            unit = rules.indicator[ind].unit if ind in rules.indicator else ""
            u = "" if unit in ("", "index") else f" {unit}"
            blocks.append(Para([b(indicator_label(rules, ind)), f": {signed(d['mean'])}{u} on average "
                                f"(95% interval {signed(d['lo'])} to {signed(d['hi'])})"]))
            rows = [[[source_label(rules, it["kind"], it["source"])], [KIND_WORDS.get(it["kind"], it["kind"])],
                     [signed(it["mean"])]] for it in items]
            blocks.append(Table([["Cause"], ["Kind"], ["Mean contribution to the difference"]], rows, "drivers"))
    return Document(title or f"Comparing branches: {s.title}", [Part("summary", blocks)])


def percent_row(qs: dict[str, float]) -> str:
    return ", ".join(f"{quadrant_name(q)} {percent(v)}" for q, v in qs.items() if v)

