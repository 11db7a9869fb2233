"""Dialogs: small modal screens that return a typed result (ModalScreen[T])."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from wargame.fixed import to_float

# --- saves on disk ----------------------------------------------------------------------


# The listing lives in the domain (wargame.saves.catalog): it must never fail, and it is
# tested without the app.
from wargame.saves.catalog import SaveInfo, scan_saves  # noqa: E402,F401
from wargame.tui.screens import SCREENS_CSS


# --- dialogs ------------------------------------------------------------------------------


class Dialog(ModalScreen):
    """Base: a centred box; Escape cancels (dismisses with None)."""

    CSS_PATH = SCREENS_CSS

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def action_cancel(self) -> None:
        self.dismiss(None)


class ResumeDialog(Dialog):
    """Offered at start-up when an unfinished game is in the saves folder."""

    BINDINGS = [
        Binding("r,enter", "resume", "Resume", id="resume.resume"),
        Binding("n,escape", "new", "New game", id="resume.new"),
    ]

    def __init__(self, info: SaveInfo) -> None:
        super().__init__()
        self.info = info

    def compose(self) -> ComposeResult:
        i = self.info
        with Vertical(classes="dialog"):
            yield Label("An unfinished game was found", classes="dialog-title")
            yield Static(f"[b]{escape(i.title)}[/b]\n{i.rounds_played} of {i.rounds_total} rounds played\n"
                         f"[$text-muted]{escape(i.path.name)}[/]", classes="dialog-body")
            # The PIN is chosen on the title and never kept in a save: say how to have one.
            yield Static("[$text-muted]Resumed here it is a solo game (no PIN). For a facilitator's PIN: "
                         "N, then P on the title, then Load.[/]", classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Resume  \\[R]", id="resume", variant="primary")
                yield Button("New game  \\[N]", id="new")

    def action_resume(self) -> None:
        self.dismiss("resume")

    def action_new(self) -> None:
        self.dismiss("new")

    @on(Button.Pressed, "#resume")
    def _resume(self) -> None:
        self.action_resume()

    @on(Button.Pressed, "#new")
    def _new(self) -> None:
        self.action_new()


class PinDialog(Dialog):
    """The facilitator's PIN, asked before the facilitator's powers are shown. Returns True if right."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="pin.cancel")]

    def __init__(self, pin: str, why: str) -> None:
        super().__init__()
        self._pin, self._why = pin, why
        self.tries = 0

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Facilitator's PIN", classes="dialog-title")
            yield Static(escape(self._why) + " Teams: press Esc.", classes="dialog-body")
            yield Input(placeholder="PIN", password=True, id="pin")
            yield Static("Enter to confirm · Esc to cancel", classes="dialog-hint", id="pin-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value == self._pin:
            self.dismiss(True)
            return
        self.tries += 1
        event.input.value = ""
        self.query_one("#pin-hint", Static).update("[$text-error]✗ Wrong PIN.[/] Esc to cancel")
        if self.tries >= 3:
            self.dismiss(False)


class ConfirmDialog(Dialog):
    """A yes/no question. Enter confirms, Escape goes back."""

    BINDINGS = [
        Binding("enter,y", "yes", "Yes", id="confirm.yes"),
        Binding("escape,n", "no", "No", id="confirm.no"),
    ]

    def __init__(self, title: str, body: str, yes: str = "Yes", no: str = "Back") -> None:
        super().__init__()
        self._title, self._body, self._yes, self._no = title, body, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title")
            with VerticalScroll(classes="dialog-scroll"):
                yield Static(self._body, classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self._yes}  \\[Enter]", id="yes", variant="primary")
                yield Button(f"{self._no}  \\[Esc]", id="no")

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#yes")
    def _yes_pressed(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def _no_pressed(self) -> None:
        self.dismiss(False)


class QuitDialog(ConfirmDialog):
    """Ask before quitting, and say where the game is saved."""


class MessageDialog(Dialog):
    """Something the facilitator must read (an error, a new file name)."""

    BINDINGS = [Binding("enter,escape", "ok", "OK", id="message.ok")]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self._title, self._body = title, body

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title")
            with VerticalScroll(classes="dialog-scroll"):
                yield Static(self._body, classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK  \\[Enter]", id="ok", variant="primary")

    def action_ok(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.dismiss(True)


class SavePicker(Dialog):
    """Choose a save: file, scenario, rounds played, intact or damaged."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="saves.cancel")]

    def __init__(self, saves: list[SaveInfo], title: str, allow_damaged: bool = False) -> None:
        super().__init__()
        self.saves, self._title, self.allow_damaged = saves, title, allow_damaged

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(self._title, classes="dialog-title")
            if not self.saves:
                yield Static("No saves in this folder yet.", classes="dialog-body")
            else:
                table: DataTable = DataTable(id="save-table", cursor_type="row", zebra_stripes=True)
                yield table
                yield Static("↑↓ choose · Enter open · Esc cancel", classes="dialog-hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel  \\[Esc]", id="cancel")

    def on_mount(self) -> None:
        if not self.saves:
            return
        table = self.query_one(DataTable)
        table.add_columns("File", "Scenario", "Rounds", "State")
        for i, s in enumerate(self.saves):
            table.add_row(s.label, s.title, f"{s.rounds_played}/{s.rounds_total}", s.status, key=str(i))
        table.focus()

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        s = self.saves[int(str(event.row_key.value))]
        if not s.intact and not self.allow_damaged:
            self.notify(f"{s.path.name} is damaged ({s.problem}). Open it with Replay to see what survives.",
                        severity="error", timeout=8)
            return
        self.dismiss(s.path)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class ChoiceDialog(Dialog):
    """Pick one of a list (targets, events, indicators)."""

    def __init__(self, title: str, choices: list[tuple[str, str]], hint: str = "", body: str = "") -> None:
        super().__init__()
        self._title, self.choices, self._hint, self._body = title, choices, hint, body

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(self._title, classes="dialog-title")
            if self._body:
                yield Static(self._body, classes="dialog-body")
            yield OptionList(*[Option(label, id=key) for key, label in self.choices], id="choices")
            yield Static(self._hint or "↑↓ choose · Enter pick · Esc cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class TextDialog(Dialog):
    """Ask for one line of text (a note, minutes for the clock)."""

    def __init__(self, title: str, prompt: str, placeholder: str = "", value: str = "",
                 required: bool = True, number: bool = False) -> None:
        super().__init__()
        self._title, self._prompt, self._placeholder, self._value = title, prompt, placeholder, value
        self.required, self.number = required, number

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title")
            yield Static(self._prompt, classes="dialog-body")
            yield Input(value=self._value, placeholder=self._placeholder, id="text",
                        type="number" if self.number else "text")
            yield Static("Enter to confirm · Esc to cancel", classes="dialog-hint", id="text-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if self.required and not text:
            self.query_one("#text-hint", Static).update("[$text-error]✗ This cannot be empty.[/] Esc to cancel")
            return
        self.dismiss(text)


class OverrideDialog(Dialog):
    """Set an indicator by hand: which, the new value, and the reason (required)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="override.cancel"),
        Binding("ctrl+s", "apply", "Apply", id="override.apply"),
    ]

    def __init__(self, rules: Any, state: Any, indicator: str | None = None) -> None:
        super().__init__()
        self.rules, self.state, self.indicator = rules, state, indicator

    def compose(self) -> ComposeResult:
        from wargame.tui.widgets.dashboard import fmt, indicator_label

        rules = self.rules
        with Vertical(classes="dialog wide"):
            yield Label("Override an indicator", classes="dialog-title")
            yield Static("Every override is logged beside the value the rules produced, with your reason.",
                         classes="dialog-body")
            choices = []
            for ind in rules.ids:
                v = to_float(self.state.values[rules.index[ind]])
                choices.append(Option(f"{escape(indicator_label(rules, ind))}  = {fmt(v)}", id=ind))
            yield OptionList(*choices, id="ind-list")
            yield Static("", id="ind-chosen", classes="dialog-body")
            yield Label("New value")
            yield Input(placeholder="a number within the bounds", type="number", id="value")
            yield Label("Reason (required)")
            yield Input(placeholder="why the umpire departs from the model", id="reason")
            yield Static("Tab to move · Enter in the reason field applies · Esc cancels", classes="dialog-hint",
                         id="override-hint")

    def on_mount(self) -> None:
        ol = self.query_one("#ind-list", OptionList)
        if self.indicator and self.indicator in self.rules.index:
            ol.highlighted = self.rules.ids.index(self.indicator)
        else:
            ol.highlighted = 0
        ol.focus()
        self._show()

    def _current(self) -> str | None:
        ol = self.query_one("#ind-list", OptionList)
        opt = ol.highlighted_option
        return opt.id if opt else None

    def _show(self) -> None:
        from wargame.tui.widgets.dashboard import fmt, indicator_label

        ind = self._current()
        if ind is None:
            return
        meta = self.rules.indicator[ind]
        v = to_float(self.state.values[self.rules.index[ind]])
        self.query_one("#ind-chosen", Static).update(
            f"[b]{escape(indicator_label(self.rules, ind))}[/b]: now {fmt(v)} {escape(meta.unit)} "
            f"(bounds {fmt(meta.min)} to {fmt(meta.max)})")

    @on(OptionList.OptionHighlighted, "#ind-list")
    def _highlighted(self) -> None:
        self._show()

    @on(OptionList.OptionSelected, "#ind-list")
    def _selected(self) -> None:
        self.query_one("#value", Input).focus()

    @on(Input.Submitted, "#value")
    def _value_done(self) -> None:
        self.query_one("#reason", Input).focus()

    @on(Input.Submitted, "#reason")
    def _reason_done(self) -> None:
        self.action_apply()

    def action_apply(self) -> None:
        hint = self.query_one("#override-hint", Static)
        ind = self._current()
        raw = self.query_one("#value", Input).value.strip()
        reason = self.query_one("#reason", Input).value.strip()
        try:
            value = float(raw)
        except ValueError:
            hint.update("[$text-error]✗ Enter a number for the new value.[/]")
            self.query_one("#value", Input).focus()
            return
        meta = self.rules.indicator[ind] if ind else None
        if meta is not None and not meta.min <= value <= meta.max:
            hint.update(f"[$text-error]✗ {value:g} is out of range: {escape(ind or '')} runs from {meta.min:g} "
                        f"to {meta.max:g}.[/]")
            self.query_one("#value", Input).focus()
            return
        if not reason:
            hint.update("[$text-error]✗ A reason is required: it is logged beside the model's value.[/]")
            self.query_one("#reason", Input).focus()
            return
        self.dismiss((ind, value, reason))
