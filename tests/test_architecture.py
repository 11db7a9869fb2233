"""The package's rooms keep their order (import-linter contracts in pyproject.toml), and
each rule the issue found copied has one home."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "wargame"


def test_import_contracts_are_kept() -> None:
    from importlinter import cli  # noqa: F401 - the checker must be installed ("pip install -e .[dev]")

    done = subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
                           "sys.argv = ['lint-imports']; lint_imports_command()"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def _sources() -> list[tuple[Path, str]]:
    return [(p, p.read_text(encoding="utf-8")) for p in sorted(PACKAGE.rglob("*.py"))]


def test_no_code_cites_a_design_document_the_repository_does_not_have() -> None:
    cited = [str(p.relative_to(ROOT)) for p, text in _sources() if "DESIGN.md" in text]
    assert cited == []


@pytest.mark.parametrize("pattern, home", [
    # The budget rule: upkeep of policies in force, added up (its home defines upkeep()).
    (r"def upkeep\(|\.upkeep\s+for\s+\w+\s+in\b", "wargame/engine/budget.py"),
    # The bot loop: bots choosing orders round after round.
    (r"choose_orders\(", "wargame/play/flow.py"),
    # The evidence lookup: loading a seeds folder for a game.
    (r"load_evidence\(", "wargame/evidence/find.py"),
])
def test_one_home(pattern: str, home: str) -> None:
    where = sorted({str(p.relative_to(ROOT)) for p, text in _sources() if re.search(pattern, text)})
    allowed = {home, "wargame/engine/bots.py", "wargame/scenario/seeds.py", "wargame/scenario/loader.py",
               "wargame/cli.py"}
    assert home in where and set(where) <= allowed, where


def test_the_layers_have_no_exceptions() -> None:
    """A dependency that is right is a layer order, not an ignored import."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    assert contracts and all(not c.get("ignore_imports") for c in contracts)
