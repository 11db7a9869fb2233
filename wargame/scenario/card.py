"""The title card: what the title screen shows of a scenario, cached so that the first
frame can show it without loading the scenario.

Loading a scenario means importing pydantic and yaml and validating ~175 KiB of YAML
(~0.1 s, and the imports as much again). The title screen needs only a few lines of
it: the title, the rounds, the roles (the seats) and a summary. So, whenever a scenario
has been loaded, its card is written to a small JSON file, and the next start-up shows
the card on its first frame while the full load goes on in a worker.

A card is found by its key: the BLAKE2b hash of the scenario file's bytes, of the evidence
files it was validated against (sources.yaml and facts.yaml, with their folder), of the
engine version and of this card format. A changed scenario, evidence or engine gives
another key, so a stale card is never found; a card file whose content does not carry
its own key, or does not parse, is ignored. The full load still decides whether the
scenario validates; the card only names it.

Where: the user's cache folder (platformdirs' user_cache_dir, or ``WARGAME_CACHE``), in
``title-cards/``, not beside the scenario: the scenarios folder may be read-only (an
installed package) or under version control, and a cache is per user and disposable.

This module imports neither pydantic nor yaml (tests/test_title_card.py checks).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, NamedTuple

try:  # hashlib's own BLAKE2, imported without hashlib: loading OpenSSL (hashlib) took ~3 ms of the first frame
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter built without it
    from hashlib import blake2b

FORMAT = 2  # 2: BLAKE2b keys (1: SHA-256)


# Named tuples, not frozen dataclasses: this module is on the first frame's path, and a
# frozen dataclass costs ~0.5 ms to define (it compiles its methods), a named tuple ~0.1 ms.
class RoleCard(NamedTuple):
    id: str
    name: str
    short: str


class TitleCard(NamedTuple):
    title: str
    summary: str
    rounds: int
    round_months: int
    first_label: str  # "2016 H1"
    last_label: str
    seed: int
    roles: tuple[RoleCard, ...]
    sectors: tuple[str, ...]  # names
    moves: int
    events: int


def cache_dir() -> Path:
    env = os.environ.get("WARGAME_CACHE")
    if env:
        return Path(env) / "title-cards"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("wargame")) / "title-cards"


def _engine_version() -> str:
    from wargame import __version__

    return __version__


def card_key(scenario_path: Path, evidence_folder: Path | None) -> str | None:
    """The key of a scenario's card, or None if its files cannot be read."""
    h = blake2b(f"wargame-title-card:{FORMAT}:{_engine_version()}\n".encode(), digest_size=32)
    try:
        h.update(scenario_path.read_bytes())
        h.update(f"\nevidence:{evidence_folder}\n".encode())
        if evidence_folder is not None:
            for name in ("sources.yaml", "facts.yaml"):
                h.update((evidence_folder / name).read_bytes())
                h.update(b"\n")
    except OSError:
        return None
    return h.hexdigest()


def _pointer(scenario_path: Path) -> Path:
    """Where the evidence folder of a scenario's last card is noted (by the scenario's path)."""
    name = blake2b(str(scenario_path.resolve()).encode(), digest_size=16).hexdigest()
    return cache_dir() / f"{name}.where"


def read_card(scenario_path: Path) -> TitleCard | None:
    """The cached card of a scenario, if there is one for exactly these files; else None."""
    try:
        where = json.loads(_pointer(scenario_path).read_text(encoding="utf-8"))
        folder = Path(where["evidence"]) if where.get("evidence") else None
        key = card_key(scenario_path, folder)
        if key is None:
            return None
        data = json.loads((cache_dir() / f"{key}.json").read_text(encoding="utf-8"))
        if data.get("key") != key:
            return None
        c = data["card"]
        return TitleCard(str(c["title"]), str(c["summary"]), int(c["rounds"]), int(c["round_months"]),
                         str(c["first_label"]), str(c["last_label"]), int(c["seed"]),
                         tuple(RoleCard(str(r["id"]), str(r["name"]), str(r["short"])) for r in c["roles"]),
                         tuple(str(x) for x in c["sectors"]), int(c["moves"]), int(c["events"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def card_of(loaded: Any) -> TitleCard:
    """The card of a loaded scenario (a wargame.scenario.loader.LoadedScenario)."""
    s = loaded.scenario
    return TitleCard(s.title, s.summary, s.rounds, s.round_months, s.round_label(1), s.round_label(s.rounds), s.seed,
                     tuple(RoleCard(rid, r.name, r.short) for rid, r in s.roles.items()),
                     tuple(sec.name for sec in s.sectors.values()), len(s.moves), len(s.events))


def _as_json(card: TitleCard) -> dict[str, Any]:
    return {**card._asdict(), "roles": [r._asdict() for r in card.roles], "sectors": list(card.sectors)}


def write_card(loaded: Any) -> TitleCard | None:
    """Cache the card of a scenario loaded from a file (best effort: a cache that cannot be
    written is no error)."""
    path = getattr(loaded, "path", None)
    if path is None:
        return None
    evidence = loaded.evidence.folder if loaded.evidence is not None else None
    key = card_key(Path(path), evidence)
    if key is None:
        return None
    card = card_of(loaded)
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for target, data in ((folder / f"{key}.json", {"key": key, "card": _as_json(card)}),
                             (_pointer(Path(path)), {"evidence": str(evidence) if evidence else None})):
            tmp = target.with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, target)  # whole or not at all
    except OSError:
        return None
    return card
