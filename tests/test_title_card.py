"""The title card: cached per scenario, evidence and engine, never trusted if they change,
and shown on the title screen's first frame without importing pydantic or yaml."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wargame.scenario.card import cache_dir, card_of, read_card, write_card
from wargame.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scenario with its own seeds folder, and a cache folder of its own."""
    monkeypatch.setenv("WARGAME_CACHE", str(tmp_path / "cache"))
    shutil.copytree(ROOT / "tests" / "data" / "seeds", tmp_path / "seeds")
    shutil.copy(ROOT / "tests" / "data" / "mini.yaml", tmp_path / "mini.yaml")
    return tmp_path


def test_a_card_is_read_back_for_the_same_files(work: Path) -> None:
    assert read_card(work / "mini.yaml") is None  # nothing cached yet
    loaded = load_scenario(work / "mini.yaml")
    written = write_card(loaded)
    assert written is not None and written == card_of(loaded)
    card = read_card(work / "mini.yaml")
    assert card == written
    assert [r.id for r in card.roles] == list(loaded.scenario.roles)


@pytest.mark.parametrize("change", ["scenario", "facts", "engine"])
def test_a_card_is_not_trusted_after_a_change(work: Path, change: str, monkeypatch: pytest.MonkeyPatch) -> None:
    write_card(load_scenario(work / "mini.yaml"))
    if change == "scenario":
        p = work / "mini.yaml"
        p.write_text(p.read_text() + "\n# edited\n")
    elif change == "facts":
        p = work / "seeds" / "facts.yaml"
        p.write_text(p.read_text() + "\n# edited\n")
    else:
        import wargame

        monkeypatch.setattr(wargame, "__version__", wargame.__version__ + ".1")
    assert read_card(work / "mini.yaml") is None


def test_a_tampered_card_is_ignored(work: Path) -> None:
    write_card(load_scenario(work / "mini.yaml"))
    (card_file,) = cache_dir().glob("*.json")
    data = json.loads(card_file.read_text())
    data["key"] = "0" * 64
    card_file.write_text(json.dumps(data))
    assert read_card(work / "mini.yaml") is None
    card_file.write_text("{not json")
    assert read_card(work / "mini.yaml") is None


def test_reading_a_card_imports_neither_pydantic_nor_yaml(work: Path) -> None:
    write_card(load_scenario(work / "mini.yaml"))
    code = ("import sys; from pathlib import Path; from wargame.scenario.card import read_card; "
            f"c = read_card(Path({str(work / 'mini.yaml')!r})); "
            "print(c is not None, 'pydantic' in sys.modules, 'yaml' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "WARGAME_CACHE": str(work / "cache")}).stdout.split()
    assert out == ["True", "False", "False"]


FIRST_FRAME = """
import gc
import sys
from pathlib import Path
from wargame.tui.gcpause import pause_for_start_up
pause_for_start_up()  # as `wargame` does before importing Textual
from textual.app import App
from textual.widgets import OptionList
from wargame.tui.app import WargameApp
from wargame.tui.screens import SCREENS_CSS
seen = []
original = App._display
def display(self, screen, renderable):
    if renderable is not None and not seen:
        table = self.screen.query("#seats")
        rows = table.first(OptionList).option_count if table else 0
        # a frame drawn inside Textual's start-up batch is dropped, not shown: the first
        # frame drawn must be one that reaches the terminal
        seed = str(self.screen.query_one("#seed-info").content) if table else ""
        seen.append((rows, "pydantic" in sys.modules, "yaml" in sys.modules, self._batch_count == 0,
                     gc.isenabled(), "(the scenario's default)" in seed and f"[b]{sys.argv[2]}[/b]" in seed,
                     self.stylesheet.has_source(SCREENS_CSS), "textual.widgets._data_table" in sys.modules))
    return original(self, screen, renderable)
App._display = display
async def ready(pilot):
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    print(*seen[0], gc.isenabled(), pilot.app.stylesheet.has_source(SCREENS_CSS))
    pilot.app.exit()
WargameApp(saves_dir=Path(sys.argv[1])).run(headless=True, size=(120, 40), auto_pilot=ready)
"""


def test_the_first_frame_shows_the_seats_from_the_card(tmp_path: Path) -> None:
    env = {**os.environ, "WARGAME_CACHE": str(tmp_path / "cache"), "TEXTUAL_ANIMATIONS": "none"}
    scenario = load_scenario(ROOT / "scenarios" / "tech-contest.yaml").scenario
    run = lambda: subprocess.run([sys.executable, "-c", FIRST_FRAME, str(tmp_path / "saves"), str(scenario.seed)], cwd=ROOT, env=env,
                                 capture_output=True, text=True, check=True, timeout=120).stdout.split()
    cold = run()  # no card yet: the first frame says "Loading…", the full load writes the card
    assert cold[0] == "0"
    warm = run()
    n_roles = len(scenario.roles)
    # roles on the first frame, no pydantic or yaml, the frame not dropped, the garbage
    # collector paused until then, the card's seed on the seed line, neither the other
    # screens' CSS nor DataTable yet; afterwards the collector running again and that CSS read
    assert warm == [str(n_roles), "False", "False", "True", "False", "True", "False", "False", "True", "True"]


def test_the_start_up_pause_ends_and_leaves_a_disabled_collector_alone() -> None:
    import gc

    from wargame.tui.gcpause import end_start_up_pause, pause_for_start_up

    assert gc.isenabled()
    try:
        pause_for_start_up()
        assert not gc.isenabled()
        end_start_up_pause()  # as the CLI does when the app ends, whether or not it drew a frame
        assert gc.isenabled()
        gc.disable()  # someone else's choice: not ours to undo
        end_start_up_pause()
        assert not gc.isenabled()
    finally:
        gc.enable()
