"""Sources and facts, read from ``seeds/sources.yaml`` and ``seeds/facts.yaml``.

The seeds are an input file format beside the scenario's own, and the scenario loader
checks every citation against them while it loads; so they are read in this layer.
Looking facts up for a game (which seeds go with a save, indexes by indicator) is
:mod:`wargame.evidence`, a layer above.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wargame.scenario.yamlsafe import Diagnostic, InputError, parse, read_text


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9]+$")]
    file: str
    author: str
    title: str
    publisher: str
    date: str
    address: str
    summary: str = ""


class Figure(_Strict):
    value: float
    unit: str
    of: str
    year: int | None = None


class Fact(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9]+(\.[a-z0-9_]+)+$")]
    source: str
    locator: str
    statement: str
    figures: list[Figure] = []


class _SourcesFile(_Strict):
    sources: list[Source]


class _FactsFile(_Strict):
    facts: list[Fact]


@dataclass(frozen=True)
class Evidence:
    folder: Path
    sources: dict[str, Source]
    facts: dict[str, Fact]

    def cite(self, fact_id: str) -> str:
        """A short human citation: 'CSIS ch. 8 (Hammer), ...' with the source title."""
        fact = self.facts.get(fact_id)
        if fact is None:
            return f"[{fact_id}: unknown fact]"
        return f"{fact.locator}"


def default_seeds_dir() -> Path:
    """The project's own seeds/ (beside the package in a checkout or editable install)."""
    return Path(__file__).resolve().parents[2] / "seeds"


def _read(path: Path, model: type[BaseModel]):  # -> model instance
    doc = parse(read_text(path), str(path))
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        diags = [doc.diag(tuple(e["loc"]), e["msg"]) for e in exc.errors()]
        raise InputError(diags) from None


@lru_cache(maxsize=8)
def load_evidence(folder: Path) -> Evidence:
    """Load and cross-check one seeds folder. Raises :class:`InputError`."""
    folder = folder.resolve()
    sources_path, facts_path = folder / "sources.yaml", folder / "facts.yaml"
    for p in (sources_path, facts_path):
        if not p.is_file():
            raise InputError([Diagnostic(str(p), 1, 1, "", "evidence file not found")])
    sources = _read(sources_path, _SourcesFile).sources
    facts_file = _read(facts_path, _FactsFile)
    by_source = {s.id: s for s in sources}
    facts: dict[str, Fact] = {}
    problems: list[Diagnostic] = []
    for i, fact in enumerate(facts_file.facts):
        if fact.id in facts:
            problems.append(Diagnostic(str(facts_path), 1, 1, f"facts[{i}].id", f"duplicate fact id {fact.id!r}"))
        if fact.source not in by_source:
            problems.append(Diagnostic(str(facts_path), 1, 1, f"facts[{i}].source", f"unknown source {fact.source!r}"))
        facts[fact.id] = fact
    if problems:
        raise InputError(problems)
    return Evidence(folder, by_source, facts)
