"""The key bar at the foot of every screen: the keys that work here, drawn by one widget.

Textual's ``Footer`` mounts a widget per key and rebuilds them all whenever focus or
bindings change. On our screens that was 20-40 ms of every screen change and several
extra frames. This bar reads the same bindings (``Screen.active_bindings``) but draws
them as one line of text, so a change is one repaint. Drawing it ourselves also lets it
fit: when the keys don't fit the width, the least important go first (the screen's own
keys are listed first, the app's last), Help and Esc always stay, and the command palette key
keeps its place on the right, so 80 columns never shows half a key.

Clicking a key presses it, as in Textual's footer.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget

from wargame.tui.widgets.phasebar import is_narrow

# Never dropped when the bar is too narrow: the way to help (which lists every key) and
# the way back (Esc).
KEEP = frozenset({"help", "app.help"})
KEEP_KEYS = frozenset({"escape"})


@dataclass(frozen=True, slots=True)
class Key:
    key: str  # the key to press when clicked
    display: str  # how it is shown ("esc", "^p", "F1")
    enabled: bool


@dataclass(frozen=True, slots=True)
class KeyItem:
    """One entry in the bar: a key and what it does, or a group's keys and the group's name."""

    keys: tuple[Key, ...]
    description: str
    keep: bool = False

    @property
    def width(self) -> int:
        keys = sum(cell_len(k.display) for k in self.keys) + len(self.keys) - 1
        return keys + (1 + cell_len(self.description) if self.description else 0)


def key_items(screen: Screen) -> tuple[list[KeyItem], KeyItem | None]:
    """The bindings to show, one per action (the first key bound to it), bindings of one
    group (``Binding.Group``) merged as Textual's footer does, and the palette's key."""
    app = screen.app
    items: list[KeyItem] = []
    seen: set[str] = set()
    palette: KeyItem | None = None
    last_group: object = None  # the group of the item last added
    for key, (_node, binding, enabled, _tip) in screen.active_bindings.items():
        k = Key(binding.key, app.get_key_display(binding), enabled)
        if key == app.COMMAND_PALETTE_BINDING and app.ENABLE_COMMAND_PALETTE:
            palette = KeyItem((k,), binding.description, True)
            continue
        if not binding.show or binding.action in seen:
            continue
        seen.add(binding.action)
        group = binding.group
        if group is not None and group is last_group:
            last = items[-1]
            items[-1] = KeyItem(last.keys + (k,), group.description, last.keep)
            continue
        items.append(KeyItem((k,), binding.description, binding.action in KEEP or binding.key in KEEP_KEYS))
        last_group = group
    return items, palette


def fit(items: list[KeyItem], width: int, gap: int) -> list[KeyItem]:
    """Drop items from the end (keeping the ones marked ``keep``) until the rest fit ``width``."""

    def size(shown: list[KeyItem]) -> int:
        return sum(i.width for i in shown) + gap * max(len(shown) - 1, 0)

    shown = list(items)
    while shown and size(shown) > width:
        drop = next((k for k in range(len(shown) - 1, -1, -1) if not shown[k].keep), None)
        if drop is None:
            break
        del shown[drop]
    return shown


class KeyBar(Widget, can_focus=False):
    """One line of keys, docked at the bottom; compact on a narrow terminal."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"keybar--key", "keybar--description", "keybar--hover"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom; height: 1; width: 1fr;
        background: $footer-background; color: $footer-foreground;
        & > .keybar--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
        & > .keybar--description { color: $footer-description-foreground; background: $footer-description-background; }
        & > .keybar--hover { background: $block-hover-background; }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._spans: list[tuple[int, int, Key]] = []  # clickable columns of the last render
        self._hover: int | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen:
            self.refresh()

    def render(self) -> Text:
        width = self.size.width
        gap, pad = (1, 0) if is_narrow(self) else (2, 1)
        items, palette = key_items(self.screen)
        right = palette.width + 2 * pad + 2 if palette else 0  # a space, the "▏" and the key
        shown = fit(items, max(width - right - pad, 0), gap)
        key_style = self.get_component_rich_style("keybar--key")
        desc_style = self.get_component_rich_style("keybar--description")
        hover_style = self.get_component_rich_style("keybar--hover")
        dim = Style(dim=True)
        text = Text(no_wrap=True, overflow="crop", end="")
        self._spans = []

        def add(item: KeyItem) -> None:
            for n, k in enumerate(item.keys):
                if n:
                    text.append(" ", desc_style)
                start = text.cell_len
                extra = hover_style if len(self._spans) == self._hover else Style()
                text.append(k.display, key_style + extra + (Style() if k.enabled else dim))
                if len(item.keys) == 1 and item.description:  # a single key: its words are clickable too
                    text.append(" " + item.description, desc_style + extra + (Style() if k.enabled else dim))
                self._spans.append((start, text.cell_len, k))
            if len(item.keys) > 1 and item.description:
                text.append(" " + item.description, desc_style)

        text.append(" " * pad)
        for n, item in enumerate(shown):
            if n:
                text.append(" " * gap)
            add(item)
        if palette:
            fill = width - text.cell_len - right + 1
            text.append(" " * max(fill, 1) + "▏" + " " * pad)
            add(palette)
        return text

    def _item_at(self, x: int) -> int | None:
        return next((n for n, (a, b, _) in enumerate(self._spans) if a <= x < b), None)

    def on_click(self, event: events.Click) -> None:
        n = self._item_at(event.x)
        if n is None:
            return
        key = self._spans[n][2]
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        n = self._item_at(event.x)
        if n != self._hover:
            self._hover = n
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.refresh()
