"""The chrome on every screen: the phase bar, and the narrow-terminal test and clipping it uses.

Apart from the dashboard (wargame.tui.widgets.dashboard) so that the title screen, the first
frame, imports neither DataTable nor the dashboard's helpers.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widget import Widget


def clip(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    return text[: width - 1].rstrip() + "…" if width > 1 else ""


# Under this many columns the app lays out for a narrow terminal (the app's -narrow class,
# clipped names, a compact key bar).
NARROW = 110


def is_narrow(widget: Widget) -> bool:
    try:
        return widget.app.size.width < NARROW
    except Exception:  # pragma: no cover
        return False


class PhaseBar(Widget):
    """One line, always on top: round and date, the phase, the clock, the seat.

    Drawn as one line of text rather than four widgets: it sits on every screen, and
    fewer widgets make every screen change cheaper.
    """

    COMPONENT_CLASSES = {"phasebar--phase", "phasebar--clock", "phasebar--expired", "phasebar--seat",
                         "phasebar--observer"}
    DEFAULT_CSS = """
    PhaseBar {
        dock: top; height: 1; width: 1fr; background: $primary; color: $text; text-style: bold;
        & > .phasebar--phase { background: $accent; color: $text; text-style: bold; }
        & > .phasebar--clock { text-style: bold; }
        & > .phasebar--expired { background: $error; color: $text; text-style: bold reverse; }
        & > .phasebar--seat { text-style: bold; }
        & > .phasebar--observer { background: $warning; color: $text; text-style: bold; }
    }
    """

    # The app publishes ``bar_changed`` when any of these change. A signal rather than
    # ``watch(app, ...)``: Textual drops a removed widget's watchers only when that attribute
    # next changes, so every bar on every screen ever shown stayed alive.

    def on_mount(self) -> None:
        signal = getattr(self.app, "bar_changed", None)
        if signal is not None:
            signal.subscribe(self, self._changed, immediate=True)

    def on_unmount(self) -> None:
        signal = getattr(self.app, "bar_changed", None)
        if signal is not None:
            signal.unsubscribe(self)

    def _changed(self, _: object = None) -> None:
        self.refresh()

    def render(self) -> Text:
        app: Any = self.app
        phase, note = getattr(app, "phase", ""), getattr(app, "phase_note", "")
        clock = getattr(app, "clock_text", "")
        observer = bool(getattr(app, "observer", False))
        style = self.get_component_rich_style
        # The seat at the keyboard for this bar's screen (a team's own screen names the team).
        label = app.seat_label(self.screen) if hasattr(app, "seat_label") else (
            "OBSERVER" if observer else "FACILITATOR")
        if note.upper() == label:
            note = ""  # "ORDERS: China  CHINA" says it twice
        right = Text(no_wrap=True, end="")
        right.append(f" {phase}: {note} " if note else f" {phase} ", style("phasebar--phase"))
        if clock:
            right.append(f" {clock} ", style("phasebar--expired" if clock.startswith("TIME!") else "phasebar--clock"))
        right.append(f" {label} ", style("phasebar--observer" if observer else "phasebar--seat"))
        room = max(self.size.width - right.cell_len - 2, 0)
        left = Text(" " + clip(getattr(app, "round_text", "") or "wargame", room), no_wrap=True, end="")
        left.pad_right(max(self.size.width - left.cell_len - right.cell_len, 0))
        return Text.assemble(left, right, no_wrap=True, overflow="crop", end="")
