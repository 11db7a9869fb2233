"""Collect bench_*.py here, so `pytest tests/benchmarks` runs the benchmarks.

The project's pytest options skip this folder by default (addopts ignores
tests/benchmarks); see README.md in this folder for the command.
"""

from __future__ import annotations

import pytest


def pytest_collect_file(file_path, parent):  # type: ignore[no-untyped-def]
    if file_path.suffix == ".py" and file_path.name.startswith("bench_") and not parent.session.isinitpath(file_path):
        return pytest.Module.from_parent(parent, path=file_path)
    return None
