"""Screens of the wargame app: one per phase, plus the console, help and dialogs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from textual.screen import Screen

if TYPE_CHECKING:
    from wargame.play import Flow, Seat, SeatView
    from wargame.tui.app import WargameApp

# The CSS of every screen but the title (app.tcss holds the shared rules and the title's). Each
# of those screens names it, so Textual reads it when the first of them opens; the app reads it
# just after the title's first frame (WargameApp.read_screens_css), so that no screen change pays
# for the parse. The title, the first frame, is drawn without it: a smaller sheet to parse and
# fewer rules to match against its widgets.
SCREENS_CSS = str(Path(__file__).resolve().parent.parent / "screens.tcss")


class PhaseScreen(Screen):
    """A phase of the round. Its control actions vanish in the observer view."""

    CSS_PATH = SCREENS_CSS

    CONTROL_ACTIONS: ClassVar[frozenset[str]] = frozenset()
    # The facilitator's own screen (the console): its seat is the facilitator's, PIN or not.
    FACILITATOR_SCREEN: ClassVar[bool] = False
    # The team this screen belongs to (its orders, its place at the table, its hand-over);
    # None for a screen the whole room sees.
    team: str | None = None

    @property
    def seat(self) -> Seat:
        """Who is at the keyboard while this screen shows: what :func:`wargame.play.view` is asked
        for, so that one terminal keeps the same secrets as the server (see WargameApp.seat_for)."""
        return self.game_app.seat_for(self)

    def seat_view(self) -> SeatView:
        """The game as this screen's seat may see it: the only way a screen reads the flow's secrets."""
        from wargame.play.view import view

        return view(self.flow, self.seat)

    @property
    def game_app(self) -> WargameApp:
        return cast("WargameApp", self.app)

    @property
    def flow(self) -> Flow:
        """The game in progress (a phase screen exists only while there is one)."""
        flow = self.game_app.flow
        assert flow is not None, "a phase screen without a game"
        return flow

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.CONTROL_ACTIONS and self.game_app.observer:
            return False
        return True

    def refresh_view(self) -> None:
        """Redraw from the flow (after the facilitator acts, or the view changes)."""
