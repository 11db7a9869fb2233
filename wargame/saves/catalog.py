"""The saves folder, listed: what each save is, whether it is finished, and whether it is damaged.

The app lists every save at start-up. A save is anybody's file: truncated, edited
with a recomputed hash chain, emptied by a kill, or not a save at all. Reading
one must never stop the listing, let alone the app: every field used here has
been type-checked by the log reader (``wargame.saves.schema``), a save that fails
is listed as damaged with the reason, and anything unforeseen while reading one
file is caught for that file alone.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from wargame.saves.log import LogRead, SaveError, read_log


@dataclass(frozen=True)
class SaveInfo:
    path: Path
    scenario_id: str
    title: str
    rounds_played: int
    rounds_total: int
    intact: bool
    problem: str = ""
    mtime: float = 0.0
    ended: bool = False  # the save's end line says the game was finished
    parent: str | None = None  # the file this one was written from (undo, fork, recovery)
    how: str = ""  # "undo", "fork at round N", "recovered"
    superseded: bool = False  # an undo continued this game in another file
    depth: int = 0  # 0 for a game; 1 and more for the copies grouped under it

    @property
    def finished(self) -> bool:
        if self.ended:
            return True
        return self.rounds_total > 0 and self.rounds_played >= self.rounds_total

    @property
    def status(self) -> str:
        if not self.intact:
            return "✗ damaged"
        if self.superseded:
            return "↺ undone (continued below)"
        return "✓ finished" if self.finished else "▶ unfinished"

    @property
    def label(self) -> str:
        """The file name, indented under its game, with how it was made."""
        if not self.depth:
            return self.path.name
        return "  " * (self.depth - 1) + "↳ " + self.path.name + (f" ({self.how})" if self.how else "")


def _how(parent: dict[str, Any]) -> str:
    if "undo" in parent:
        return "undo"
    if "round" in parent:
        return f"fork at round {parent['round']}"
    if "recovered" in parent:
        return "recovered"
    return ""


def group_saves(saves: list[SaveInfo]) -> list[SaveInfo]:
    """Each game first (newest first), with its undo, fork and recovery copies under it.

    An undo continues its game in a new file, so the file it was written from is marked
    superseded rather than listed as another unfinished game.
    """
    undone = {s.parent for s in saves if s.parent and s.how == "undo"}
    saves = [replace(s, superseded=s.path.name in undone) for s in saves]
    by_name = {s.path.name: s for s in saves}
    children: dict[str, list[SaveInfo]] = {}
    roots = []
    for s in saves:
        if s.parent and s.parent in by_name and s.parent != s.path.name:
            children.setdefault(s.parent, []).append(s)
        else:
            roots.append(s)
    out: list[SaveInfo] = []

    def walk(s: SaveInfo, depth: int, seen: set[str]) -> None:
        if s.path.name in seen:
            return
        seen.add(s.path.name)
        out.append(replace(s, depth=depth))
        for c in children.get(s.path.name, []):
            walk(c, depth + 1, seen)

    seen: set[str] = set()
    for r in roots:
        walk(r, 0, seen)
    for s in saves:  # a cycle of parents (an edited header): list them anyway
        if s.path.name not in seen:
            walk(s, 0, seen)
    return out


def scan_saves(folder: Path) -> list[SaveInfo]:
    """Every regular ``*.jsonl`` file in ``folder``, newest first, with what its header and events say."""
    out: list[SaveInfo] = []
    try:
        paths = list(Path(folder).glob("*.jsonl"))
    except OSError:
        return out
    for p in paths:
        try:
            st = os.stat(p)  # follows a link: what it points at must be a regular file
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode):
            continue  # a FIFO or a device named *.jsonl is not a save (and must not be read)
        out.append(save_info(p, st.st_mtime))
    out.sort(key=lambda s: (-s.mtime, s.path.name))
    return group_saves(out)


def save_info(p: Path, mtime: float = 0.0) -> SaveInfo:
    """One save's listing entry. Never raises: a save that cannot be read is listed as damaged."""
    try:
        read = read_log(p)
    except SaveError as exc:
        msg = str(exc)
        title = "(empty: never started)" if "0 bytes" in msg else "(unreadable)"
        return SaveInfo(p, "?", title, 0, 0, False, msg, mtime)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one bad file, not a dead app
        return SaveInfo(p, "?", "(unreadable)", 0, 0, False, f"{p}: unexpected error while reading it: {type(exc).__name__}: {exc}", mtime)
    try:
        return _info(p, read, mtime)
    except Exception as exc:  # noqa: BLE001 - as above
        return SaveInfo(p, "?", "(unreadable)", 0, 0, False, f"{p}: unexpected error while listing it: {type(exc).__name__}: {exc}", mtime)


def _info(p: Path, read: LogRead, mtime: float) -> SaveInfo:
    h = read.header
    sid = h["scenario_id"]  # a str: checked by the reader
    title, total = sid, read.rounds or 0
    text = h.get("scenario")
    if isinstance(text, str):
        title = _title(text) or sid
    played = max((e["round"] for e in read.events if e["type"] == "resolve"), default=0)
    problem = read.scenario_damage or read.damage
    if read.scenario_damage and read.damage:
        problem = f"{read.scenario_damage}; {read.damage}"
    parent = h.get("parent")  # a dict with a str 'file', or None: checked by the reader
    return SaveInfo(p, sid, title, played, total, not problem, problem, mtime, read.ended,
                    parent["file"] if parent else None, _how(parent) if parent else "")


def _title(text: str) -> str:
    """The scenario's title, from the stored canonical JSON (its key order puts it near the start)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return ""
    title = data.get("title") if isinstance(data, dict) else None
    return title if isinstance(title, str) else ""
