"""The app starts with hostile files in its saves folder and lists the damaged saves as damaged.

Every kind of damage found in issue 15 is put in the folder at once: forged fields with a
recomputed chain ("round": [1], "round": "10"), a 0-byte save left by a kill, a cut, a
flipped byte in the scenario, a FIFO and a symlink to /dev/zero named *.jsonl, a save
of a format from the future, garbage. The title screen must come up, say how many saves
there are, and the Load and Replay pickers must mark each bad one "damaged". And when
the app does fail, ``run_app`` says so with a non-zero exit code.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import pytest

from wargame.saves.log import encode
from wargame.scenario.loader import load_scenario
from savegen import bot_game
from wargame.tui.app import WargameApp, run_app
from wargame.tui.clock import FrozenTime
from tests.conftest import settle

DATA = Path(__file__).resolve().parent / "data"


def _rechain(objs: list[dict]) -> bytes:
    out, prev = [], ""
    head, h1 = encode(objs[0], "")
    out.append(head)
    for i, o in enumerate(objs[1:], 1):
        data, prev = encode(o, h1 if i <= 2 else prev)
        out.append(data)
    return b"".join(out)


@pytest.fixture
def saves(tmp_path: Path) -> Path:
    folder = tmp_path / "saves"
    folder.mkdir()
    good = folder / "good.jsonl"
    bot_game(load_scenario(DATA / "mini.yaml"), 3, good)
    raw = good.read_bytes()
    objs = [json.loads(x) for x in raw.split(b"\n")[:-1]]

    forged = json.loads(json.dumps(objs))
    next(o for o in forged if o["type"] == "orders")["round"] = [1]
    (folder / "round-list.jsonl").write_bytes(_rechain(forged))
    forged = json.loads(json.dumps(objs))
    [o for o in forged if o["type"] == "resolve"][-1]["round"] = "10"
    (folder / "round-text.jsonl").write_bytes(_rechain(forged))
    forged = json.loads(json.dumps(objs))
    forged[0]["format"] = 99
    (folder / "future.jsonl").write_bytes(_rechain(forged))
    (folder / "empty.jsonl").write_bytes(b"")
    (folder / "cut.jsonl").write_bytes(raw[: len(raw) // 2])
    i = raw.index(b"Mini contest")
    (folder / "flipped.jsonl").write_bytes(raw[:i] + b"X" + raw[i + 1:])
    (folder / "garbage.jsonl").write_bytes(os.urandom(3000))
    os.mkfifo(folder / "fifo.jsonl")
    (folder / "zero.jsonl").symlink_to("/dev/zero")
    return folder


DAMAGED = {"round-list.jsonl", "round-text.jsonl", "future.jsonl", "empty.jsonl", "cut.jsonl", "flipped.jsonl",
           "garbage.jsonl"}


def make_app(saves: Path) -> WargameApp:
    app = WargameApp(saves_dir=saves, time=FrozenTime(), offer_resume=False)
    app.animation_level = "none"
    return app


@pytest.mark.parametrize("key", ["l", "r"])
async def test_the_app_starts_and_lists_damaged_saves_as_damaged(saves: Path, key: str) -> None:
    app = make_app(saves)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert type(app.screen).__name__ == "TitleScreen"
        note = str(app.screen.query_one("#saves-note").render())
        assert "8 games" in note  # the FIFO and the device are not saves, and are not read
        await pilot.press(key)
        await settle(pilot)
        picker = app.screen
        assert type(picker).__name__ == "SavePicker"
        status = {s.path.name: s.status for s in picker.saves}
        assert status.pop("good.jsonl") == "✓ finished"
        assert status == {name: "✗ damaged" for name in DAMAGED}
        table = picker.query_one("#save-table")
        assert table.row_count == 8
    assert app.return_code in (None, 0)


def test_run_app_exits_non_zero_when_the_app_fails(saves: Path, monkeypatch) -> None:
    """A bug while scanning (simulated here) must not look like success to the shell."""
    import wargame.saves.catalog as catalog

    def broken(folder: Path):
        raise RuntimeError("simulated failure in the saves scan")

    monkeypatch.setattr(catalog, "scan_saves", broken)
    monkeypatch.setattr("wargame.tui.screens.dialogs.scan_saves", broken)
    monkeypatch.setattr(WargameApp, "run", lambda self: asyncio.run(self.run_async(headless=True, size=(80, 24))))
    code = run_app(saves_dir=saves)
    assert code != 0
