"""The one place that finds a game's evidence base.

In order: the evidence the scenario was loaded with; the seeds folder the installed
scenario of that id names; the folder the scenario names, beside the save; the
project's own seeds. A folder that is missing or does not load is passed over (and
why is kept in ``skipped``); only that, not any other error, is swallowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from wargame.scenario.seeds import Evidence, default_seeds_dir, load_evidence
from wargame.scenario.loader import LoadedScenario
from wargame.scenario.yamlsafe import InputError


@dataclass
class Found:
    evidence: Evidence | None
    skipped: list[str] = field(default_factory=list)  # folders passed over, and why


def find_evidence(loaded: LoadedScenario, near: Path | None = None) -> Found:
    """The evidence for ``loaded`` (a game's scenario); ``near`` is a save file, if any."""
    if loaded.evidence is not None:
        return Found(loaded.evidence)
    scenario = loaded.scenario
    candidates: list[Path] = []
    if scenario.evidence:
        from wargame.scenario.catalog import find_scenario

        try:
            candidates.append(find_scenario(scenario.id).parent / scenario.evidence)
        except (LookupError, OSError):
            pass  # not installed here: the other places may still hold it
        if near is not None:
            candidates.append(near.parent / scenario.evidence)
    candidates.append(default_seeds_dir())
    found = Found(None)
    for c in candidates:
        if not (c / "facts.yaml").is_file():
            found.skipped.append(f"{c}: no facts.yaml")
            continue
        try:
            found.evidence = load_evidence(c.resolve())
            return found
        except (InputError, OSError) as exc:
            found.skipped.append(f"{c}: {exc}")
    return found


def project_evidence() -> Evidence | None:
    """The project's own seeds, when no scenario is at hand (None if they do not load)."""
    try:
        return load_evidence(default_seeds_dir().resolve())
    except (InputError, OSError):
        return None
