"""Where games are saved, whatever folder wargame starts in; and how the title groups copies."""

from __future__ import annotations

from pathlib import Path

import pytest

from wargame.saves.location import project_saves, saves_dir, user_saves


def test_a_project_folder_with_saves_is_used_from_anywhere_inside_it(tmp_path: Path) -> None:
    (tmp_path / "saves").mkdir()
    (tmp_path / "scenarios").mkdir()
    inner = tmp_path / "scenarios" / "deep"
    inner.mkdir()
    assert project_saves(inner) == (tmp_path / "saves").resolve()


def test_elsewhere_the_user_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WARGAME_SAVES", raising=False)
    (tmp_path / "saves").mkdir()  # a saves/ folder alone does not make a project
    assert project_saves(tmp_path) is None
    assert saves_dir(start=tmp_path) == user_saves()
    assert user_saves().name == "saves" and "wargame" in str(user_saves())


def test_an_explicit_folder_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARGAME_SAVES", str(tmp_path / "env"))
    assert saves_dir(tmp_path / "cli") == tmp_path / "cli"
    assert saves_dir() == tmp_path / "env"


def test_undo_and_fork_copies_are_grouped_under_their_game(tmp_path: Path, mini_loaded) -> None:
    from wargame.play import Flow
    from wargame.play.headless import run
    from wargame.saves.session import fork
    from wargame.saves.catalog import scan_saves

    flow = Flow.new(mini_loaded, 7, {r: "bot" for r in mini_loaded.scenario.roles}, tmp_path / "game.jsonl")
    for _ in range(12):  # two rounds
        if flow.phase.value == "orders":
            flow.play_bots()
        flow.advance()
    undone = flow.undo("round")
    undone.close()
    fork(tmp_path / "game.jsonl", 1)
    other = Flow.new(mini_loaded, 8, {r: "bot" for r in mini_loaded.scenario.roles}, tmp_path / "other.jsonl")
    run(other)
    other.close()
    saves = scan_saves(tmp_path)
    listing = [(s.label, s.depth, s.superseded) for s in saves]
    games = [s for s in saves if s.depth == 0]
    assert sorted(s.path.name for s in games) == ["game.jsonl", "other.jsonl"]
    original = next(s for s in saves if s.path.name == "game.jsonl")
    assert original.superseded and original.status.startswith("↺"), listing
    i = [s.path.name for s in saves].index("game.jsonl")
    children = saves[i + 1:i + 3]
    assert sorted(c.how for c in children) == ["fork at round 1", "undo"], listing
    assert all(c.depth == 1 and c.label.startswith("↳ ") for c in children)
    # what the title counts as unfinished: the undo copy, not the game it replaced
    unfinished = [s.path.name for s in saves if s.intact and not s.finished and not s.superseded]
    assert "game.jsonl" not in unfinished
