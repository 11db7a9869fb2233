"""Where games are saved: one answer, wherever ``wargame`` is started.

In order: a folder given on the command line (``--saves DIR``) or in ``WARGAME_SAVES``;
the ``saves/`` folder of the project the current folder is in (a folder holding
``saves/`` beside ``scenarios/`` or ``pyproject.toml``, here or above); otherwise the
platform's user data folder (platformdirs), e.g. ``~/.local/share/wargame/saves``.
"""

from __future__ import annotations

import os
from pathlib import Path


def project_saves(start: Path | None = None) -> Path | None:
    """The saves/ folder of the project ``start`` (default: the current folder) is in."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        saves = folder / "saves"
        if saves.is_dir() and ((folder / "scenarios").is_dir() or (folder / "pyproject.toml").is_file()):
            return saves
    return None


def user_saves() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("wargame", appauthor=False)) / "saves"


def saves_dir(explicit: Path | str | None = None, start: Path | None = None) -> Path:
    """The folder games are saved in (see the module docstring for the order)."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("WARGAME_SAVES")
    if env:
        return Path(env).expanduser()
    return project_saves(start) or user_saves()
