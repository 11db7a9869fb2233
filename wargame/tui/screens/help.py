"""Help: the phases of a round, the keys, and how to use the facilitator's console."""

from __future__ import annotations

import re

from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from wargame.tui.widgets.keybar import KeyBar
from wargame.tui.screens import SCREENS_CSS


HELP = """\
## A round, phase by phase

The top bar always shows the round and date, the phase, the clock (if set) and the seat.

1. **Briefing**: where every sector stands (China's innovation, the effect on the world
   sector, the quadrant), the roles' scores and budgets, policies in force, last round's news.
   *Enter* goes to the negotiation table.
2. **Negotiation**: the room sees only which team has answers waiting. *Enter* on a team gives
   it the keyboard (after a hand-over); at its seat it sees the offers made to it with their
   terms and what each side pays, and answers *A* accept, *R* reject or *C* counter; *O* puts one
   of its deals on the table, *W* withdraws it, *T*/*K* take or walk away from a counter, *M*
   sends a private message; *Esc* leaves the table. *C* in the room closes the table: offers
   not answered are unanswered. A deal costs either side only if it is made.
3. **Hand-over**: between two teams. It shows nothing of anyone's orders. Pass the keyboard;
   the team presses *Enter* when only it can see the screen.
4. **Orders**: one team's secret orders: its moves (cost, what each does and why, with sources),
   policies it may revoke, and the deals it made at the table. A move that cannot be played
   says why. The total must fit the budget.
   *↑ ↓* move · *Space* choose · *T* target · *E* evidence · *S* submit.
5. **Reveal**: every role's orders at once, ✓ accepted or ✗ rejected with the reason, and
   each deal's true outcome. Bots' orders appear here. *Enter* resolves the round.
6. **Resolution**: each indicator that changed: before, after, change, and any ruling. The
   **why** below it lists every cause, summing exactly to the change. *↑ ↓* select ·
   *Home End PgUp PgDn* jump · *Tab* between the list and the why · *E* opens a cause's
   source · *Enter* goes on to the debrief.
7. **Debrief**: the four-quadrant map (◇ marks where the sources place a sector), the scores
   and what drove them, charts over the rounds. *Enter* starts the next round.

After the last round comes the **final debrief**: *N* new game, *Q* quit, and the command
for the after-action report (`wargame report SAVE`).

## Keys that always work

- *F1* or *?*: this help
- *F2*: the facilitator's console (on a team's screen or in the observer view, it asks for
  the facilitator's PIN, if one was chosen on the title screen)
- *F3*: observer view on or off (sees what is public, controls nothing)
- *Ctrl+P*: the command palette, every game command by name
- *Esc*: close a dialog, the console or this help
- *Ctrl+Q*: quit, after asking (the game is saved after every step; it says where)

## The facilitator's console (F2)

- **Clock**: *M* sets minutes for the current phase (kept for that phase in later rounds),
  *P* pauses or resumes, *+* adds a minute, *5* adds five. The countdown is in the top bar,
  with warnings at a minute and ten seconds. At zero the phase locks: the negotiation table
  closes; in the orders, late teams' drafts are submitted, or dropped (*D* chooses). Every
  setting is logged and survives a resume.
- **Play an event now**: select it and press *Enter* (or *I*). It fires when the current
  round resolves.
- **Override** (*O*): set an indicator by hand, within its bounds. A reason is required; the
  log keeps the rules' value beside yours (however many rulings came before), and the
  resolution screen and the next briefing's news show the ruling to the room.
- **Undo** (*U*): removes the last resolved round. A new save file is written (the old one
  is kept) and the game continues in it.
- **Bookmark** (*B*) and **note** (*A*): written into the save for the after-action report.
- **Observer view** (*V*): for a projected screen that no stray key may change.

## Seats

A team sees only its own orders, offers and messages. The facilitator sees everything and
controls the game. An observer sees what is public and controls nothing.

Colours follow the Textual theme (command palette: *Toggle dark mode*), and every colour is
doubled by a word or a symbol: ▲ up, ▼ down, ✓ accepted, ✗ rejected.
"""

REPLAY_HELP = """\
## The replay viewer

A saved game, event by event: each team's orders, each inject, each resolution, each
override and note, in the order they happened. The top lines say where you are: the event,
its line in the save, the round, and how many rounds are resolved at that point.

## Moving

- *← →* (or *P* *N*): the previous or next event
- *[ ]* (or *Shift+← →*): back or on to a round's resolution
- *Home* *End*: the first or the last event
- *G*: jump to a round (0 is before the first round)
- *B*: the next bookmark (the facilitator's marks; it cycles back to the first)

## What you see at each event

- *S* **State**: every sector's two axes and quadrant, each role's score and change, and
  the policies in force, as they stood after the event.
- *O* **Orders**: the round's orders. Once the round is resolved, each is ✓ accepted or
  REJECTED with the reason; before that, what each team had submitted so far.
- *T* **Trace**: every indicator that changed in the last resolved round. *↑ ↓* choose one;
  the **why** below lists every cause, summing exactly to the change. *Enter* on the list
  moves into the why, where *Enter* or *E* opens a cause's source and *C* steps through its
  cites.

The tabs can also be clicked.

## Other keys

- *E*: the evidence browser (the facts behind the rules)
- *F*: fork: a new game from this round on, with the seats you choose (human or bot),
  in a new save; the replayed save is not changed
- *C*: compare from here: choose a round and alternative moves, play both branches many
  times, and see how the outcomes differ and why
- *F1* or *?*: this help · *Esc* or *Q*: leave the replay
"""


# The help is a small, fixed subset of Markdown (## headings, paragraphs, numbered and
# bulleted lists, **bold**, *keys*, `code`). It is drawn as one Rich renderable in a
# Static: Textual's Markdown widget builds a widget per block, and took 200+ ms to open.
_INLINE = re.compile(r"\*\*(.+?)\*\*|\*(.+?)\*|`(.+?)`")
_ITEM = re.compile(r"^(\d+\.|-) ")


def _inline(text: str, key: Style, code: Style) -> Text:
    out = Text()
    pos = 0
    for m in _INLINE.finditer(text):
        out.append(text[pos:m.start()])
        bold, k, c = m.groups()
        if bold is not None:
            out.append(bold, Style(bold=True))
        elif k is not None:
            out.append(k, key)
        else:
            out.append(c, code)
        pos = m.end()
    out.append(text[pos:])
    return out


def help_renderable(source: str, colors: dict[str, str]) -> RenderableType:
    """``source`` (the Markdown subset above) as Rich text, coloured from the Textual theme."""
    heading = Style(bold=True, color=colors.get("text-accent"))
    key = Style(bold=True, color=colors.get("text-accent"))
    code = Style(color=colors.get("text-primary") or colors.get("primary"), italic=True)
    blocks: list[list[str]] = []
    for line in source.splitlines():
        if not line.strip():
            blocks.append([])
        elif line.startswith("## ") or _ITEM.match(line) or not blocks or not blocks[-1]:
            blocks.append([line])
        else:  # a continuation line: part of the paragraph or list item above
            blocks[-1].append(line.strip())
    parts: list[RenderableType] = []
    table: Table | None = None
    gap = False  # a blank line is due before the next paragraph or list

    def start_block() -> None:
        nonlocal gap
        if gap:
            parts.append(Text(""))
        gap = False

    for block in blocks:
        if not block:
            table, gap = None, bool(parts) and parts[-1] != Text("")
            continue
        text = " ".join(block)
        if text.startswith("## "):
            if parts:
                parts.append(Text(""))
            parts.extend([Text(text[3:], heading), Text("")])
            table, gap = None, False
        elif m := _ITEM.match(text):
            if table is None:
                start_block()
                table = Table.grid(padding=(0, 1))
                table.add_column(no_wrap=True, justify="right")
                table.add_column()
                parts.append(table)
            marker = m.group(1) if m.group(1) != "-" else "•"
            table.add_row(Text(marker, key), _inline(text[m.end():], key, code))
        else:
            start_block()
            parts.append(_inline(text, key, code))
            table = None
    return Group(*parts)


class HelpScreen(ModalScreen[None]):
    """What each phase is, the keys, and the console; or another screen's own help text."""

    CSS_PATH = SCREENS_CSS

    BINDINGS = [Binding("escape,f1,question_mark,q", "close", "Close help", id="help.close")]

    def __init__(self, source: str = HELP, title: str = "Help") -> None:
        super().__init__()
        self.source, self.title_text = source, title

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Label(f"{self.title_text} · Esc to close", classes="dialog-title")
            with VerticalScroll(id="help-scroll"):
                yield Static(id="help-text")
        yield KeyBar()

    def on_mount(self) -> None:
        self._draw()
        # Colours come from the theme: redraw on a change. (A signal, not watch(app, "theme"),
        # so that a closed help screen is not kept alive by the app's watcher list.)
        self.app.theme_changed_signal.subscribe(self, self._draw)
        self.query_one("#help-scroll").focus()

    def on_unmount(self) -> None:
        self.app.theme_changed_signal.unsubscribe(self)

    def _draw(self, _: object = None) -> None:
        self.query_one("#help-text", Static).update(help_renderable(self.source, self.app.theme_variables))

    def action_close(self) -> None:
        self.dismiss(None)
