"""The resolution screen, driven by keys: Enter always moves on, E opens a source, the
cursor never rests on a group heading, Home/End/PageUp/PageDown work, and at 80x24 the
list and the why (with its TOTAL) both show."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable

from wargame.tui.app import WargameApp
from wargame.tui.clock import FrozenTime
from wargame.tui.widgets.why import WhyPanel

DATA = Path(__file__).resolve().parents[1] / "data"
TECH = Path(__file__).resolve().parents[2] / "scenarios" / "tech-contest.yaml"


def _app(tmp_path: Path, scenario: Path, seats: dict[str, str]) -> WargameApp:
    from wargame.scenario.loader import load_scenario

    app = WargameApp(scenario=load_scenario(scenario), seed=7, seats=seats, saves_dir=tmp_path / "saves",
                     time=FrozenTime())
    app.animation_level = "none"
    return app


def mini_app(tmp_path: Path) -> WargameApp:
    return _app(tmp_path, DATA / "mini.yaml", {"us": "human", "cn": "bot", "eu": "bot"})


def tech_app(tmp_path: Path) -> WargameApp:
    if not TECH.is_file():
        pytest.skip("no tech-contest scenario")
    return _app(tmp_path, TECH, {"us": "human", "cn": "bot", "eu": "bot", "drc": "bot"})


async def keys(pilot, *names: str) -> None:
    for k in names:
        await pilot.press(k)
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def to_resolution(pilot) -> None:
    # briefing -> the table (closed) -> hand-over -> US orders (first move) -> submit -> reveal (bots) -> resolution
    await keys(pilot, "enter", "c", "enter", "space", "s", "enter", "enter")
    assert type(pilot.app.screen).__name__ == "ResolutionScreen"


def shown(screen) -> tuple[str, str | None]:
    """(the key of the list's cursor row, the indicator the why panel shows)."""
    table = screen.query_one("#changes", DataTable)
    key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
    panel = screen.query_one(WhyPanel)
    return str(key), (panel._shown[1] if panel._shown else None)


async def test_enter_moves_on_even_from_the_why_and_e_opens_the_source(tmp_path: Path) -> None:
    app = mini_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_resolution(pilot)
        screen = app.screen
        panel = screen.query_one(WhyPanel)
        # Into the why, onto a cause that cites a fact: e opens that fact in the browser.
        await keys(pilot, "tab")
        assert app.focused is panel.table
        fact = panel.current_cite()
        for _ in range(len(panel.rows)):
            if fact is not None:
                break
            await keys(pilot, "down")
            fact = panel.current_cite()
        assert fact is not None
        await keys(pilot, "e")
        assert type(app.screen).__name__ == "EvidenceScreen"
        assert app.screen.focus_fact == fact
        await keys(pilot, "escape")
        assert app.screen is screen
        # Enter with the why focused goes on to the debrief, as the banner says.
        if app.focused is not panel.table:
            panel.table.focus()
            await pilot.pause()
        hint = str(screen.query_one(".next-hint").render())
        assert "Enter" in hint and "DEBRIEF" in hint and "E: open" in hint
        await keys(pilot, "enter")
        assert type(app.screen).__name__ == "DebriefScreen"


async def test_e_from_the_list_opens_the_highlighted_cause(tmp_path: Path) -> None:
    app = mini_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_resolution(pilot)
        screen = app.screen
        assert app.focused is screen.query_one("#changes")
        want = screen.query_one(WhyPanel).current_cite()
        assert want is not None
        await keys(pilot, "e")
        assert type(app.screen).__name__ == "EvidenceScreen"
        assert app.screen.focus_fact == want


async def test_cursor_skips_headings_both_ways_and_the_why_follows(tmp_path: Path) -> None:
    app = mini_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_resolution(pilot)
        screen = app.screen
        table = screen.query_one("#changes", DataTable)
        headings = table.headings
        assert len(headings) >= 2, "the mini game should change indicators in two groups or more"
        rows = table.row_count
        seen = [shown(screen)]
        for _ in range(rows + 2):
            await keys(pilot, "down")
            seen.append(shown(screen))
        for _ in range(rows + 2):
            await keys(pilot, "up")
            seen.append(shown(screen))
        for key, why in seen:
            assert not key.startswith("h:")
            assert why == key  # the why shows the row under the cursor, never the one before
        visited = {k for k, _ in seen}
        assert visited == {str(table.coordinate_to_cell_key((r, 0)).row_key.value)
                           for r in range(rows) if r not in headings}
        assert table.cursor_row == 1  # back at the first change (row 0 is its heading)


async def test_home_end_page_keys(tmp_path: Path) -> None:
    app = tech_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_resolution(pilot)
        screen = app.screen
        table = screen.query_one("#changes", DataTable)
        last = table.row_count - 1
        assert last not in table.headings
        await keys(pilot, "end")
        assert table.cursor_row == last and shown(screen)[1] == shown(screen)[0]
        assert table.scroll_y == table.max_scroll_y
        await keys(pilot, "home")
        assert table.cursor_row == 1 and table.scroll_y == 0
        await keys(pilot, "pagedown")
        down = table.cursor_row
        assert down > 5 and down not in table.headings and shown(screen)[1] == shown(screen)[0]
        await keys(pilot, "pagedown", "pageup")
        assert table.cursor_row not in table.headings and table.cursor_row < last
        await keys(pilot, "pageup", "pageup")
        assert table.cursor_row == 1


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_list_and_total_readable(tmp_path: Path, size: tuple[int, int]) -> None:
    app = tech_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await to_resolution(pilot)
        screen = app.screen
        table = screen.query_one("#changes", DataTable)
        panel = screen.query_one(WhyPanel)
        # Walk to the change with the most causes: the why is at its fullest there.
        best, most = 0, -1
        for _ in range(table.row_count):
            if len(panel.rows) > most:
                best, most = table.cursor_row, len(panel.rows)
            await keys(pilot, "down")
        table.move_cursor(row=best)
        await pilot.pause()
        await pilot.pause()
        assert most >= 4
        whole = screen.region
        # The list: its header and at least six changes in view.
        assert table.region.height >= 7, table.region
        # The why: its title, at least three causes, the TOTAL and the detail all in view.
        assert panel.table.region.height >= 4, panel.table.region
        for part in (panel.query_one("#why-title"), panel.total_table, panel.query_one("#why-detail")):
            assert part.region.height >= 1 and whole.contains_region(part.region), part
        assert str(panel.total_table.get_cell("total", "source")) == "TOTAL"
        keybar_y = whole.bottom - 1
        assert panel.total_table.region.bottom <= keybar_y


async def test_enter_in_the_why_opens_nothing_for_the_observer(tmp_path: Path) -> None:
    app = mini_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_resolution(pilot)
        screen = app.screen
        await keys(pilot, "f3", "tab")  # the observer view; into the why
        assert app.observer and app.focused is screen.query_one(WhyPanel).table
        await keys(pilot, "enter")
        assert app.screen is screen  # neither the debrief nor the evidence browser
