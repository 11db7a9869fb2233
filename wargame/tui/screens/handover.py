"""The hand-over between teams: shows nothing of anyone's orders."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Middle, Vertical
from textual.markup import escape
from textual.widgets import Button, Static

from wargame.tui.messages import HandoverDone
from wargame.tui.screens import PhaseScreen
from wargame.tui.widgets.keybar import KeyBar
from wargame.tui.widgets.phasebar import PhaseBar


def team_turn(roles: Iterable[str], seats: Mapping[str, str], role: str) -> tuple[int, int]:
    """(position, count) of ``role`` among all the human teams of the round, in role order.

    Counted over every human seat, not over the teams still to enter orders: after a
    resume, with two of four teams' orders already in, the third team is "3 of 4".
    """
    humans = [r for r in roles if seats.get(r) == "human"]
    if role not in humans:
        return 1, max(len(humans), 1)
    return humans.index(role) + 1, len(humans)


class HandoverScreen(PhaseScreen):
    """"Pass the keyboard to <Team>": a blank screen between two teams' secret orders."""

    # This screen's look, loaded when it is first shown (not at start-up). Not scoped:
    # some rules hang off the app's -narrow class.
    SCOPED_CSS = False
    DEFAULT_CSS = """
        #handover-body {
            height: 1fr;
        }

        #handover-box {
            width: 72;
            max-width: 96%;
            height: auto;
            border: heavy $accent;
            padding: 1 2;
        }

        #handover-team {
            text-style: bold;
            color: $text-accent;
            text-align: center;
            width: 100%;
            padding: 1 0;
        }

        .handover-small {
            text-align: center;
            width: 100%;
        }

        .handover-note {
            text-align: center;
            width: 100%;
            color: $text-muted;
            margin-top: 1;
        }
    """

    BINDINGS = [Binding("enter", "ready", "Team is ready", priority=True, id="handover.ready")]
    CONTROL_ACTIONS = frozenset({"ready"})

    def __init__(self, role: str, team_name: str, position: int, count: int, purpose: str = "orders") -> None:
        super().__init__()
        self.role, self.team_name, self.position, self.count = role, team_name, position, count
        self.team = role
        self.purpose = purpose  # "orders" (secret orders) or "negotiation" (its seat at the table)

    def compose(self) -> ComposeResult:
        name = escape(self.team_name)
        yield PhaseBar()
        with Middle(id="handover-body"):
            with Center():
                with Vertical(id="handover-box"):
                    yield Static("Pass the keyboard to", classes="handover-small")
                    yield Static(name.upper(), id="handover-team")
                    yield Static(f"Press [b]Enter[/b] when only {name} can see the screen.", classes="handover-small")
                    if self.purpose == "orders":
                        note = f"Team {self.position} of {self.count} giving orders this round. Other teams: look away."
                        button = f"We are {name}: show our orders  \\[Enter]"
                    else:
                        note = "Its offers, answers and messages are private. Other teams: look away."
                        button = f"We are {name}: show our table  \\[Enter]"
                    yield Static(note, classes="handover-note")
                    with Center():
                        yield Button(button, id="ready", variant="primary", classes="control")
        yield KeyBar()

    def action_ready(self) -> None:
        self.post_message(HandoverDone(self.role))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ready":
            self.action_ready()
