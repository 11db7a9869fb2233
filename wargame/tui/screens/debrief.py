"""Debrief after each round, and the final debrief: charts, the quadrant map, scores and drivers."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.widgets import Button, Label, OptionList, Static
from textual.widgets.option_list import Option

from wargame.fixed import to_fixed
from wargame.text import count
from wargame.tui.messages import Advance, NewGame
from wargame.tui.screens import PhaseScreen
from wargame.tui.widgets.charts import IndicatorChart, ScoreChart, legend, marker_text, series, subject_indicators
from wargame.tui.widgets.dashboard import arrow, fmt, fmt_delta, indicator_label
from wargame.tui.widgets.phasebar import PhaseBar
from wargame.tui.widgets.quadrants import QuadrantMap
from wargame.tui.widgets.keybar import KeyBar


def drivers(session: Any) -> dict[str, list[tuple[str, float, tuple[str, ...]]]]:
    """Per role, the causes that moved its score most over the game, in score points.

    A role's score is linear in its max/min objectives, so each contribution's share is exact for
    those; for a 'target' objective the sign is taken from which side of the target the value ended.
    """
    rules = session.rules
    s = rules.scenario
    final = session.game.state.values
    coef: dict[str, dict[int, float]] = {}
    for rid, objs in rules.objectives.items():
        wsum = sum(o.weight for o in objs) or 1.0
        c: dict[int, float] = {}
        for o in objs:
            span = rules.hi[o.slot] - rules.lo[o.slot]
            sign = 1.0
            if o.goal == "min":
                sign = -1.0
            elif o.goal == "target":
                sign = 1.0 if final[o.slot] < to_fixed(o.target or 0) else -1.0
            c[o.slot] = c.get(o.slot, 0.0) + 100.0 * o.weight / wsum * sign / span
        coef[rid] = c
    contributions = [c for t in session.game.traces for c in t.contributions]
    contributions += [ov.contribution for ov in session.game.overrides]
    out: dict[str, list[tuple[str, float, tuple[str, ...]]]] = {}
    for rid in rules.roles:
        agg: dict[tuple[str, str, str], float] = defaultdict(float)
        cites: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        for c in contributions:
            k = coef[rid].get(rules.index[c.indicator])
            if k is None:
                continue
            key = (c.kind, c.source, c.role or "")
            agg[key] += c.amount * k
            cites[key].update(c.cites)
        ranked = sorted(agg.items(), key=lambda kv: -abs(kv[1]))[:4]
        rows = []
        for (kind, source, role), pts in ranked:
            if abs(pts) < 0.05:
                continue
            label = {"clamp": "held at a bound", "override": "facilitator override"}.get(kind) or rules.label(kind, source)
            if role:
                label += f" ({s.roles[role].short} {kind})"
            elif kind in ("event", "rule"):
                label += f" ({kind})"
            rows.append((label, pts, tuple(sorted(cites[(kind, source, role)]))))
        out[rid] = rows
    return out


class DebriefScreen(PhaseScreen):
    """What the round (or the game) did: charts, the quadrants, the scores and what drove them."""

    BINDINGS = [
        Binding("enter", "advance", "Next round", priority=True, id="debrief.next"),
        Binding("n", "new_game", "New game", id="debrief.new"),
        Binding("q", "quit_game", "Quit", id="debrief.quit"),
        Binding("c", "compare", "Compare", id="debrief.compare", tooltip="Compare from here: alternative moves, many runs"),
    ]
    CONTROL_ACTIONS = frozenset({"advance", "new_game"})

    def __init__(self, final: bool = False) -> None:
        super().__init__()
        self.final = final

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "advance" and self.final:
            return False
        if action in ("new_game", "quit_game", "compare") and not self.final:
            return False
        return super().check_action(action, parameters)

    AUTO_FOCUS = "#debrief-body"

    def action_compare(self) -> None:
        from wargame.tui.screens.compare import CompareScreen

        session = self.game_app.session
        name = session.path.name if session.path is not None else "this game"
        self.app.push_screen(CompareScreen(session, name, session.game.state.round,
                                           getattr(self.game_app, "evidence", None)))

    def compose(self) -> ComposeResult:
        yield PhaseBar()
        with VerticalScroll(id="debrief-body", classes="phase-body"):
            yield Static(id="debrief-intro", classes="intro")
            yield Static(id="debrief-next", classes="next-hint")
            yield Label("The four quadrants: where each sector stands", classes="section-title")
            yield QuadrantMap(id="quadrants")
            yield Label("Scores", classes="section-title")
            with Horizontal(id="debrief-mid", classes="dash-row"):
                yield Static(id="scores", classes="dash-cell")
                yield ScoreChart(id="scores-chart", classes="dash-cell")
            yield Label("What drove the scores (in score points, over the game so far)", classes="section-title")
            yield Static(id="drivers")
            yield Static(id="overrides")
            yield Label("Indicators over the rounds (Tab to the list, ↑↓ to choose)", classes="section-title")
            with Horizontal(id="debrief-top"):
                yield OptionList(id="subjects")
                with Vertical(id="chart-box"):
                    yield IndicatorChart(id="chart")
                    yield Static(id="chart-key")
                    yield Static(id="chart-numbers")
            with Horizontal(id="final-buttons"):
                yield Button("Next round  \\[Enter]", id="advance", variant="primary", classes="control")
                yield Button("New game  \\[N]", id="new", classes="control")
                yield Button("Quit  \\[Q]", id="quit", variant="error")
        yield KeyBar()

    def on_mount(self) -> None:
        from wargame.engine.scoring import scores

        session = self.game_app.session
        rules = session.rules
        s = rules.scenario
        game = session.game
        rnd = game.state.round
        self.query_one("#new", Button).display = self.final
        self.query_one("#quit", Button).display = self.final
        self.query_one("#advance", Button).display = not self.final
        if self.final:
            from wargame.engine.baseline import ranking as vs_ranking
            from wargame.engine.baseline import vs_history

            now = scores(rules, game.state.values)
            # Raw scores measure each role against its own objectives, so they are not ranked; the
            # comparison across roles is each one's score minus documented history's (same seed).
            vs = vs_history(rules, game.seed, now) if rnd >= s.rounds else None
            if vs is not None:
                ranked = vs_ranking(vs)  # equal differences share a rank
                ranking = " · ".join(f"{1 + sum(1 for _, w in ranked if round(w, 1) > round(v, 1))}. "
                                     f"{escape(s.roles[r].name)} {v:+.1f}" for r, v in ranked)
                verdict = (f"Against documented history (each role's score minus its score when history's orders "
                           f"are played, same seed; + did better for itself than history): [b]{ranking}[/b]")
            else:
                verdict = "Scores compare each role with itself (its own objectives), not with the other roles."
            intro = (f"[b]FINAL DEBRIEF[/b] · {escape(s.title)}: {count(rnd, 'round')} played, "
                     f"{s.round_label(1)} to {s.round_label(rnd)}.\n{verdict}")
        else:
            intro = f"[b]Debrief after round {rnd} of {s.rounds}[/b] · {s.round_label(rnd)}."
        self.query_one("#debrief-intro", Static).update(intro)
        ol = self.query_one("#subjects", OptionList)
        opts: list[Any] = [Option("[b]Sectors[/b]", id="h:s", disabled=True)]
        opts += [Option(escape(sec.name), id=sid) for sid, sec in s.sectors.items()]
        opts.append(Option("[b]Roles[/b]", id="h:r", disabled=True))
        opts += [Option(escape(r.name), id=rid) for rid, r in s.roles.items()]
        ol.add_options(opts)
        ol.highlighted = 1
        self.query_one(QuadrantMap).show(rules, game.state.values)
        self.query_one(ScoreChart).plot(session)
        self._scores()
        self._drivers()
        self._overrides()
        path = session.path
        if self.final:
            shown = escape(str(path)) if path else "(not saved)"
            nxt = (f"[b]The game is over.[/b] It is saved in {shown}\n"
                   f"After-action report: [b]wargame report {shown}[/b]\n"
                   "[b]N[/b] new game · [b]Q[/b] quit")
        else:
            nxt = f"[b]Next → BRIEFING for round {rnd + 1}.[/b] Press [b]Enter[/b] to continue."
        self.query_one("#debrief-next", Static).update(nxt)

    @on(OptionList.OptionHighlighted, "#subjects")
    def _subject(self, event: OptionList.OptionHighlighted) -> None:
        sid = event.option.id
        if sid and not sid.startswith("h:"):
            self._plot(sid)

    def _plot(self, subject: str) -> None:
        session = self.game_app.session
        rules = session.rules
        drawn = self.query_one(IndicatorChart).plot(session, subject)
        # The key: each line's symbol (which tells it apart without colour), its name, and
        # where it went. Under the chart, not in its title, where five or six names were cut.
        key_lines = []
        for ind in drawn:
            vals = series(session, ind)
            key_lines.append(Text.assemble(f"{rules.indicator[ind].name}: {fmt(vals[0])} → ",
                                           (fmt(vals[-1]), "bold")))
        self.query_one("#chart-key", Static).update(legend(key_lines))
        _, listed = subject_indicators(rules, subject)
        lines = []
        for ind in listed:
            vals = series(session, ind)
            d = vals[-1] - vals[0]
            unit = rules.indicator[ind].unit
            lines.append(f"{escape(rules.indicator[ind].name)}: {fmt(vals[0])} → [b]{fmt(vals[-1])}[/b] "
                         f"{escape(unit)} ({arrow(d)} {fmt_delta(d)} since the start)")
        self.query_one("#chart-numbers", Static).update("\n".join(lines))

    def _scores(self) -> None:
        from wargame.engine.scoring import scores

        session = self.game_app.session
        rules = session.rules
        start = scores(rules, session.game.states[0].values)
        now = scores(rules, session.game.state.values)
        out = Text()
        for i, rid in enumerate(rules.roles):  # not ranked: each score measures a role against its own objectives
            d = now[rid] - start[rid]
            # The role's symbol in the score chart, so this list is also the chart's key.
            if i:
                out.append("\n")
            out.append_text(marker_text(i))
            out.append(" ")
            out.append(rules.scenario.roles[rid].name, style="bold")
            out.append(f" {now[rid]:.1f} ({arrow(d)} {fmt_delta(d)} since the start)")
        self.query_one("#scores", Static).update(out)

    def _drivers(self) -> None:
        session = self.game_app.session
        rules = session.rules
        lines = []
        for rid, rows in drivers(session).items():
            lines.append(f"[b $text-accent]{escape(rules.scenario.roles[rid].name)}[/]")
            if not rows:
                lines.append("  [$text-muted]nothing has moved this score yet[/]")
            for label, pts, cites in rows:
                cite = ""
                if cites:
                    more = f" +{len(cites) - 2}" if len(cites) > 2 else ""
                    cite = f"  [$text-muted]\\[{escape(', '.join(cites[:2]))}{more}][/]"
                lines.append(f"  {arrow(pts)} {fmt_delta(pts):>6}  {escape(label)}{cite}")
        self.query_one("#drivers", Static).update("\n".join(lines))

    def _overrides(self) -> None:
        session = self.game_app.session
        rules = session.rules
        ovs = session.game.overrides
        w = self.query_one("#overrides", Static)
        if not ovs:
            w.display = False
            return
        lines = ["[b]Where the umpire departed from the model[/b]"]
        for ov in ovs:
            lines.append(f"  after round {ov.after_round}: {escape(indicator_label(rules, ov.indicator))} set to "
                         f"[b]{fmt(ov.value)}[/b] (the model had {fmt(ov.model_value)}): {escape(ov.reason)}")
        w.update("\n".join(lines))

    def action_advance(self) -> None:
        if not self.final:
            self.post_message(Advance())

    def action_new_game(self) -> None:
        self.post_message(NewGame())

    def action_quit_game(self) -> None:
        self.app.exit(0)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "advance":
            self.action_advance()
        elif event.button.id == "new":
            self.action_new_game()
        elif event.button.id == "quit":
            self.app.exit(0)
