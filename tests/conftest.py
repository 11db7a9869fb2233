"""Helpers shared by the test files (they were copied into each before).

Fixtures: ``mini_loaded`` (tests/data/mini.yaml, loaded once), ``default_loaded``
(the default scenario), ``frozen_time``. Paths: ``ROOT``, ``DATA``, ``MINI``. For Pilot
tests: ``settle`` (``from tests.conftest import settle``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
MINI = DATA / "mini.yaml"


def load_mini():
    from wargame.scenario.loader import load_scenario

    return load_scenario(MINI)


def load_default():
    from wargame.scenario.catalog import DEFAULT_ID, find_scenario
    from wargame.scenario.loader import load_scenario

    return load_scenario(find_scenario(DEFAULT_ID))


@pytest.fixture(scope="session")
def mini_loaded():
    return load_mini()


@pytest.fixture(scope="session")
def default_loaded():
    return load_default()


@pytest.fixture
def frozen_time():
    from wargame.play.clock import FrozenTime

    return FrozenTime()


async def settle(pilot) -> None:
    """Let a Pilot-driven app finish what a key started: its workers, then a refresh."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
