"""Screens of the wargame app: one per phase, plus the console, help and dialogs."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.screen import Screen


class PhaseScreen(Screen):
    """A phase of the round. Its control actions vanish in the observer view."""

    CONTROL_ACTIONS: ClassVar[frozenset[str]] = frozenset()

    @property
    def game_app(self) -> Any:  # WargameApp (not imported: avoid a cycle)
        return self.app

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.CONTROL_ACTIONS and getattr(self.app, "observer", False):
            return False
        return True
