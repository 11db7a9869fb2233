"""Find scenarios by id or path, in ./scenarios and in the project's own scenarios/."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from wargame.safeio import UnsafeInput, read_head

DEFAULT_ID = "tech-contest"
_ID_LINE = re.compile(r"^id:\s*['\"]?([a-z][a-z0-9-]*)['\"]?\s*(#.*)?$", re.M)
_TITLE_LINE = re.compile(r"^title:\s*(.+?)\s*$", re.M)


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    path: Path


def scenario_dirs() -> list[Path]:
    here = Path.cwd() / "scenarios"
    own = Path(__file__).resolve().parents[2] / "scenarios"
    dirs = [here] if here.is_dir() else []
    if own.is_dir() and own.resolve() not in [d.resolve() for d in dirs]:
        dirs.append(own)
    return dirs


def list_scenarios() -> list[Entry]:
    """Scenario files found, by a quick scan of their id and title (no full load)."""
    seen: dict[str, Entry] = {}
    for d in scenario_dirs():
        for p in sorted(d.glob("*.yaml")):
            try:
                # Only regular files, and only their start: a FIFO named *.yaml in the folder
                # would otherwise hang the title screen.
                text = read_head(p, 80_000).decode("utf-8", errors="replace")[:20000]
            except (OSError, UnsafeInput):
                continue
            m = _ID_LINE.search(text)
            if not m or m.group(1) in seen:
                continue
            t = _TITLE_LINE.search(text)
            title = t.group(1).strip("'\"") if t else m.group(1)
            seen[m.group(1)] = Entry(m.group(1), title, p)
    return sorted(seen.values(), key=lambda e: (e.id != DEFAULT_ID, e.id))


class NotFound(LookupError):
    pass


def find_scenario(ref: str | None) -> Path:
    """A scenario path from a path or an id (None means the default scenario)."""
    ref = ref or DEFAULT_ID
    p = Path(ref)
    if p.suffix in (".yaml", ".yml") or p.exists():
        if not p.exists():
            raise NotFound(f"{ref}: no such file")
        return p
    entries = list_scenarios()
    for e in entries:
        if e.id == ref:
            return e.path
    from wargame.scenario.suggest import did_you_mean

    known = ", ".join(e.id for e in entries) or "none found"
    raise NotFound(f"{ref}: no scenario with that id{did_you_mean(ref, [e.id for e in entries])} (known: {known})")
