"""Domain code never imports Textual: each domain module, imported alone in a fresh
interpreter, leaves 'textual' out of sys.modules.

Modules are discovered, so a new module under a domain package is covered the
day it is added.
"""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

DOMAIN_PACKAGES = ["wargame.scenario", "wargame.engine", "wargame.evidence", "wargame.saves", "wargame.play",
                   "wargame.report", "wargame.numbers", "wargame.net"]
NOT_DOMAIN = ("wargame.tui", "wargame.cli")


def domain_modules() -> list[str]:
    found: list[str] = []
    for name in DOMAIN_PACKAGES:
        try:
            pkg = importlib.import_module(name)
        except ModuleNotFoundError:  # a package not written yet
            continue
        found.append(name)
        path = getattr(pkg, "__path__", None)
        if path is None:
            continue
        for info in pkgutil.walk_packages(path, prefix=name + "."):
            if not info.name.startswith(NOT_DOMAIN):
                found.append(info.name)
    return sorted(set(found))


MODULES = domain_modules()

PROBE = """
import importlib, sys
importlib.import_module(sys.argv[1])
bad = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
print(",".join(bad))
"""


def test_the_domain_packages_are_found() -> None:
    assert {"wargame.scenario.loader", "wargame.scenario.formula", "wargame.engine.resolve"} <= set(MODULES)
    assert not [m for m in MODULES if m.startswith(NOT_DOMAIN)]


@pytest.mark.parametrize("module", MODULES)
def test_domain_module_does_not_import_textual(module: str) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, module], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.returncode == 0, f"importing {module} failed:\n{done.stderr}"
    assert done.stdout.strip() == "", f"{module} imports Textual: {done.stdout.strip()}"
