"""The phase bar and the briefing dashboard: sectors, roles, policies, news.

Everything here renders from the session; nothing here changes it. Colours come
from the Textual theme, and every colour is doubled by a symbol or a word
(▲ ▼ ✓ ✗) so nothing depends on telling red from green.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.markup import escape
from textual.widget import Widget
from textual.widgets import DataTable, Static

from wargame.numbers import compact, delta, negligible
from wargame.tui.widgets.phasebar import clip, is_narrow

if TYPE_CHECKING:
    from wargame.engine.rules import Rules
    from wargame.saves.session import Session

QUADRANT_SYMBOL = {"win-win": "▲", "destructive-victory": "◆", "harmless-failure": "○", "lose-lose": "▼"}
QUADRANT_WORD = {"win-win": "win-win", "destructive-victory": "destructive victory",
                 "harmless-failure": "harmless failure", "lose-lose": "lose-lose"}
QUADRANT_VAR = {"win-win": "text-success", "destructive-victory": "text-warning",
                "harmless-failure": "text-primary", "lose-lose": "text-error"}
QUADRANT_CSS = {"win-win": "$text-success", "destructive-victory": "$text-warning",
                "harmless-failure": "$text-primary", "lose-lose": "$text-error"}


def quadrant_label(q: str) -> str:
    return f"{QUADRANT_SYMBOL.get(q, '?')} {QUADRANT_WORD.get(q, q)}"


def quadrant_markup(q: str) -> str:
    return f"[{QUADRANT_CSS.get(q, '$text')}]{quadrant_label(q)}[/]"


fmt = compact  # one home for number formatting: wargame.numbers
fmt_delta = delta


def arrow(delta: float | None) -> str:
    if delta is None:
        return "·"
    if negligible(delta):
        return "▬"
    return "▲" if delta > 0 else "▼"


def fill_table(table: DataTable, columns: list[tuple[str, str | Text]], rows: list[tuple[str, list[Any]]]) -> None:
    """Replace a table's columns and rows, with each column as wide as its widest cell.

    Widths are given explicitly: a DataTable refilled while on screen (on resume, after an
    override) would otherwise keep lines rendered at the old widths (Textual 8 caches cells
    without their width and measures new rows only when idle).
    """
    def width(cell: Any) -> int:
        if isinstance(cell, Text):
            return max((len(line) for line in cell.plain.split("\n")), default=0) if cell.plain else 0
        return Text.from_markup(str(cell)).cell_len

    table.clear(columns=True)
    for i, (key, label) in enumerate(columns):
        w = max([width(label)] + [width(cells[i]) for _, cells in rows])
        table.add_column(label, width=w, key=key)
    for key, cells in rows:
        table.add_row(*cells, key=key)


def theme_var(widget: Widget, name: str, default: str = "") -> str:
    try:
        return widget.app.theme_variables.get(name, default)
    except Exception:  # pragma: no cover - before the app has a theme
        return default


def good_or_bad(rules: "Rules", indicator: str, delta: float) -> str:
    """'good', 'bad' or '' for a change, by the indicator's higher_is."""
    hi = rules.indicator[indicator].higher_is
    if negligible(delta) or hi == "neutral":
        return ""
    return "good" if (delta > 0) == (hi == "better") else "bad"


def owner_name(rules: "Rules", indicator: str) -> str:
    owner = indicator.split(".", 1)[0]
    s = rules.scenario
    if owner in s.sectors:
        return s.sectors[owner].name
    if owner in s.roles:
        return s.roles[owner].short
    return owner


def indicator_label(rules: "Rules", indicator: str, short: bool = False) -> str:
    ind = rules.indicator[indicator]
    return ind.name if short else f"{owner_name(rules, indicator)} · {ind.name}"


def role_name(rules: "Rules", role: str | None) -> str:
    if role is None:
        return ""
    r = rules.scenario.roles.get(role)
    return r.name if r else role


def seat_word(seat: str) -> str:
    return {"human": "human", "script": "scripted"}.get(seat, "bot")


def plural(n: int, word: str) -> str:
    """'1 point', '2 points', '0 points': never 'point(s)'."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def rulings_markup(session: "Session", after_round: int) -> list[str]:
    """The facilitator's overrides after a round resolved, in words for the room."""
    out = []
    for ov in session.game.overrides:
        if ov.after_round != after_round:
            continue
        out.append(f"⚖ [b]Ruling[/b]: {escape(indicator_label(session.rules, ov.indicator))} set to "
                   f"[b]{fmt(ov.value)}[/b] [$text-muted](the rules gave {fmt(ov.model_value)})[/]\n"
                   f"   {escape(ov.reason)}")
    return out


def target_name(rules: "Rules", target: str | None) -> str:
    if target is None:
        return ""
    s = rules.scenario
    if target in s.roles:
        return s.roles[target].name
    if target in s.sectors:
        return s.sectors[target].name
    return target


# --- the dashboard ------------------------------------------------------------------

def previous_values(session: "Session") -> tuple[int, ...] | None:
    states = session.game.states
    return states[-2].values if len(states) >= 2 else None


class SectorTable(DataTable):
    """Sectors: China's innovation and the global effect, with trends, and the quadrant."""

    def on_mount(self) -> None:
        self.cursor_type = "none"
        self.zebra_stripes = True
        self.show_cursor = False

    def show(self, session: "Session") -> None:
        from wargame.engine.rules import SCALE
        from wargame.engine.scoring import quadrants

        rules = session.rules
        state = session.game.state
        prev = previous_values(session)
        quads = quadrants(rules, state.values)
        narrow = is_narrow(self)
        rows: list[tuple[str, list[Any]]] = []
        for sid, sec in rules.scenario.sectors.items():
            cells: list[Any] = [Text(clip(sec.name, 22) if narrow else sec.name, style="bold")]
            for key in ("innovation", "global_effect"):
                axis = getattr(sec.axes, key)
                i = rules.index[f"{sid}.{axis.indicator}"]
                v = state.values[i] / SCALE
                d = None if prev is None else (state.values[i] - prev[i]) / SCALE
                cells.append(self._trend(v, d))
            q = quads[sid]
            cells.append(Text(quadrant_label(q), style=f"bold {theme_var(self, QUADRANT_VAR[q])}"))
            rows.append((sid, cells))
        heads = ("Innovation", "World effect") if narrow else ("China's innovation", "Effect on the world")
        fill_table(self, [("sector", "Sector"), ("inn", heads[0]), ("glob", heads[1]), ("quad", "Quadrant")], rows)

    def _trend(self, v: float, d: float | None) -> Text:
        t = Text(f"{fmt(v):>6} ")
        if d is None:
            t.append("·", style=theme_var(self, "text-muted"))
        elif abs(d) < 1e-9:
            t.append("▬ 0")
        else:
            t.append(f"{arrow(d)} {fmt_delta(d)}", style=f"bold {theme_var(self, 'text-primary' if d > 0 else 'text-warning')}")
        return t


class RoleTable(DataTable):
    """Roles: seat, score (with trend), budget and upkeep."""

    def on_mount(self) -> None:
        self.cursor_type = "none"
        self.zebra_stripes = True
        self.show_cursor = False

    def show(self, session: "Session") -> None:
        from wargame.engine.budget import upkeep
        from wargame.engine.scoring import scores

        rules = session.rules
        state = session.game.state
        prev = previous_values(session)
        now = scores(rules, state.values)
        before = scores(rules, prev) if prev is not None else None
        narrow = is_narrow(self)
        rows: list[tuple[str, list[Any]]] = []
        for rid, role in rules.scenario.roles.items():
            t = Text(f"{now[rid]:5.1f} ")
            if before is not None:
                d = now[rid] - before[rid]
                t.append(f"{arrow(d)} {fmt_delta(d)}" if abs(d) >= 0.05 else "▬ 0",
                         style=theme_var(self, "text-primary" if d > 0 else "text-warning") if abs(d) >= 0.05 else "")
            up = upkeep(rules, state, rid)
            budget = f"{role.budget}" + (f" (−{up} upkeep)" if up and not narrow else f" −{up}" if up else "")
            label = f"{clip(role.name, 22)} ({role.short})" if narrow else f"{role.name} ({role.short})"
            rows.append((rid, [Text(label, style="bold"),
                               seat_word(session.seats.get(rid, "human")), t, budget]))
        fill_table(self, [("role", "Role"), ("seat", "Seat"), ("score", "Score"), ("budget", "Budget")], rows)


def policies_markup(session: "Session") -> str:
    rules = session.rules
    s = rules.scenario
    pols = session.game.state.policies
    if not pols:
        return "[$text-muted]No policies in force.[/]"
    lines = []
    for p in pols:
        m = s.moves[p.move]
        tgt = f" → {escape(target_name(rules, p.target))}" if p.target else ""
        up = m.policy.upkeep if m.policy else 0
        lines.append(f"• [b]{escape(m.name)}[/b]{tgt}  [$text-muted]({escape(role_name(rules, p.role))}, since "
                     f"{s.round_label(p.since)}{f', upkeep {up}' if up else ''})[/]")
    return "\n".join(lines)


def news_markup(session: "Session") -> str:
    """Events fired last round, with their news; what the facilitator played is marked."""
    rules = session.rules
    s = rules.scenario
    traces = session.game.traces
    if not traces:
        first = s.summary.strip().split(". ")[0].rstrip(".") if s.summary.strip() else ""
        return f"[$text-muted]The game begins. {escape(first)}.[/]" if first else "[$text-muted]The game begins.[/]"
    last = traces[-1]
    rulings = rulings_markup(session, last.round)
    if not last.events:
        return "\n".join(["[$text-muted]No events last round.[/]", *rulings])
    lines = []
    for fe in last.events:
        ev = s.events.get(fe.event)
        if ev is None:
            continue
        how = {"inject": "played by the facilitator", "scheduled": "scheduled", "trigger": "triggered",
               "chance": "by chance"}.get(fe.how, fe.how)
        lines.append(f"» [b]{escape(ev.name)}[/b] [$text-muted]({how})[/]\n   {escape(ev.news)}")
    return "\n".join([*lines, *rulings])
