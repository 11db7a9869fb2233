"""The replay viewer: step, jump, bookmarks, why, fork, and a damaged save."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import DataTable, Input, Static

from wargame.cli import main as cli_main
from wargame.engine.explain import changed
from wargame.saves.session import load
from wargame.tui.replaynav import Timeline
from wargame.tui.screens.evidence import EvidenceScreen
from wargame.tui.screens.replay import ForkDialog, JumpDialog, ReplayScreen
from wargame.tui.widgets.why import WhyPanel

from .hosts import ScreenHost, bookmarked_save, bots_save, mini, settle


def _host(path: Path, saves_dir: Path | None = None) -> ScreenHost:
    evidence = mini().evidence
    return ScreenHost(lambda: ReplayScreen(path, saves_dir, evidence=evidence))


def _text(screen, wid: str) -> str:
    return str(screen.query_one(wid, Static).render())


# --- the timeline (no Textual) --------------------------------------------------------------


def test_timeline_moves_by_event_round_and_bookmark(tmp_path: Path) -> None:
    tl = Timeline(load(bookmarked_save(tmp_path / "game.jsonl")))
    types = [s.event["type"] for s in tl.steps]
    assert tl.resolves == [i for i, t in enumerate(types) if t == "resolve"] and len(tl.resolves) == 4
    assert tl.next_round(0) == tl.resolves[0] and tl.next_round(tl.resolves[0]) == tl.resolves[1]
    assert tl.prev_round(tl.resolves[1]) == tl.resolves[0] and tl.prev_round(tl.resolves[0]) == 0
    assert tl.round_at(0) == 0 and tl.round_at(3) == tl.resolves[2] and tl.round_at(99) == tl.resolves[-1]
    assert len(tl.bookmarks) == 2
    assert tl.next_bookmark(0) == tl.bookmarks[0]
    assert tl.next_bookmark(tl.bookmarks[0]) == tl.bookmarks[1]
    assert tl.next_bookmark(tl.bookmarks[1]) == tl.bookmarks[0]  # cycles


def test_state_before_an_override_is_the_models(tmp_path: Path) -> None:
    tl = Timeline(load(bookmarked_save(tmp_path / "game.jsonl")))
    ov = next(i for i, s in enumerate(tl.steps) if s.event["type"] == "override")
    ev = tl.steps[ov].event
    slot = tl.rules.index["eu.revenue"]
    assert tl.state(ov).values[slot] == 550_000
    assert tl.state(ov - 1).values[slot] == round(ev["model_value"] * 10_000)
    lines = [ln.text for ln in tl.describe(ov)]
    assert any("set to 55" in t and "the model had" in t for t in lines)
    assert any("Umpire" in t for t in lines)


def test_orders_before_and_after_resolution(tmp_path: Path) -> None:
    tl = Timeline(load(bots_save(tmp_path / "game.jsonl")))
    rnd, rows = tl.orders(0)  # the first orders event of round 1
    assert rnd == 1 and rows and all(status.startswith("submitted") for _, _, status in rows)
    rnd, rows = tl.orders(tl.resolves[0])
    assert rnd == 1 and all(status == "accepted" or status.startswith("REJECTED") for _, _, status in rows)


# --- the screen -----------------------------------------------------------------------------


async def test_step_by_event_and_by_round(tmp_path: Path) -> None:
    path = bots_save(tmp_path / "game.jsonl")
    app = _host(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        tl = screen.timeline
        assert tl is not None and 0 < len(tl) == len([s for s in tl.replay.steps if s.event["type"] != "phase"])
        assert screen.k == 0
        assert f"Event 1 of {len(tl)}" in _text(screen, "#rp-position")
        assert f"line {tl.steps[0].line}" in _text(screen, "#rp-position")
        assert "Orders of" in _text(screen, "#rp-event")
        await pilot.press("right", "n")
        assert screen.k == 2
        await pilot.press("left")
        assert screen.k == 1
        await pilot.press("right_square_bracket")
        assert screen.k == tl.resolves[0]
        assert "Round 1 resolved" in _text(screen, "#rp-event")
        await pilot.press("shift+right")
        assert screen.k == tl.resolves[1]
        await pilot.press("left_square_bracket")
        assert screen.k == tl.resolves[0]
        await pilot.press("end")
        assert screen.k == len(tl) - 1
        await pilot.press("right")  # already at the end: stays
        assert screen.k == len(tl) - 1
        await pilot.press("home")
        assert screen.k == 0


async def test_jump_to_a_round(tmp_path: Path) -> None:
    path = bots_save(tmp_path / "game.jsonl")
    app = _host(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, JumpDialog)
        await pilot.press("ctrl+a", "backspace", "9", "enter")  # out of range: stays open
        await pilot.pause()
        assert isinstance(app.screen, JumpDialog)
        assert "choose 0 to 4" in str(app.screen.query_one("#jump-error", Static).render())
        app.screen.query_one(Input).value = "3"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert screen.k == screen.timeline.resolves[2]
        assert "3 of 4 resolved" in _text(screen, "#rp-position")
        await pilot.press("g", "escape")
        await pilot.pause()
        assert app.screen is screen and screen.k == screen.timeline.resolves[2]


async def test_jump_to_bookmarks(tmp_path: Path) -> None:
    path = bookmarked_save(tmp_path / "game.jsonl")
    app = _host(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        marks = screen.timeline.bookmarks
        await pilot.press("b")
        assert screen.k == marks[0]
        assert "bookmark 1 of 2" in _text(screen, "#rp-position")
        assert "Controls in force" in _text(screen, "#rp-event")
        await pilot.press("b")
        assert screen.k == marks[1]
        assert "Second bookmark" in _text(screen, "#rp-event")
        await pilot.press("b")
        assert screen.k == marks[0]


async def test_bookmark_key_without_bookmarks_warns(tmp_path: Path) -> None:
    app = _host(bots_save(tmp_path / "game.jsonl"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await pilot.pause()
        assert app.screen.k == 0


async def test_state_orders_and_trace_at_a_position(tmp_path: Path) -> None:
    path = bookmarked_save(tmp_path / "game.jsonl")
    app = _host(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        tl = screen.timeline
        await pilot.press("right_square_bracket", "right_square_bracket")
        sectors = screen.query_one("#rp-sectors", DataTable)
        assert sectors.row_count == 2
        quad = tl.quadrants(screen.k)
        assert str(sectors.get_row_at(0)[3]) == quad["chips"]
        roles = screen.query_one("#rp-roles", DataTable)
        assert roles.row_count == 3
        orders = screen.query_one("#rp-orders-table", DataTable)
        assert orders.row_count == len(tl.replay.game.traces[1].orders)
        assert "Orders of round 2" in _text(screen, "#rp-orders-caption")
        await pilot.press("t")
        await pilot.pause()
        changed_table = screen.query_one("#rp-changed", DataTable)
        trace = tl.replay.game.traces[1]
        ids = changed(tl.rules, trace)
        assert changed_table.row_count == len(ids)
        why = screen.query_one(WhyPanel)
        assert why.why is not None and why.why.indicator == ids[0]
        changed_table.focus()
        await pilot.press("down")
        await pilot.pause()
        assert why.why.indicator == ids[1]
        assert why.table.row_count == len(trace.why(ids[1]))
        assert why.total_table.row_count == 1


async def test_fact_selected_opens_the_evidence_browser(tmp_path: Path) -> None:
    app = _host(bots_save(tmp_path / "game.jsonl"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("end", "t")
        await pilot.pause()
        why = screen.query_one(WhyPanel)
        row = next(i for i, r in enumerate(why.rows) if r.cites)
        why.table.focus()
        why.table.move_cursor(row=row)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, EvidenceScreen)
        assert app.screen.fact_id == why.rows[row].cites[0]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_fork_at_a_round_with_seats(tmp_path: Path) -> None:
    path = bots_save(tmp_path / "game.jsonl")
    forks = tmp_path / "forks"
    forks.mkdir()
    app = _host(path, saves_dir=forks)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("g")
        await pilot.pause()
        app.screen.query_one(Input).value = "2"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("f")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ForkDialog) and dialog.at_round == 2
        assert dialog.seats == {"us": "bot", "cn": "bot", "eu": "bot"}
        await pilot.press("enter")  # the first role (US) becomes human
        await pilot.press("down", "down", "space")  # and the EU
        await pilot.pause()
        assert dialog.seats == {"us": "human", "cn": "bot", "eu": "human"}
        await pilot.press("f")
        await pilot.pause()
        await pilot.pause()
        assert app.screen is screen
        new = screen.forked
        assert new is not None and new.exists() and new.parent == forks
        assert [type(m).__name__ for m in app.seen] == ["ForkRequested"]
        assert app.seen[0].new_path == new
        assert str(new) in _text(screen, "#rp-notice")
    header = json.loads(new.read_text().splitlines()[0])
    assert header["parent"]["file"] == path.name and header["parent"]["round"] == 2
    assert header["seats"] == {"us": "human", "cn": "bot", "eu": "human"}
    assert cli_main(["replay", str(new), "--verify"]) == 0
    assert load(new).game.state.round == 2


async def test_fork_cancel_and_fork_beside_the_save(tmp_path: Path) -> None:
    path = bots_save(tmp_path / "game.jsonl")
    app = _host(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("f", "escape")
        await pilot.pause()
        assert app.screen is screen and screen.forked is None
        await pilot.press("f", "a", "f")  # round 0, all bots
        await pilot.pause()
        assert screen.forked == tmp_path / "game-fork-r0.jsonl"
    assert cli_main(["replay", str(screen.forked), "--verify"]) == 0
    assert load(screen.forked).game.state.round == 0


async def test_no_fork_at_the_end_of_the_game(tmp_path: Path) -> None:
    app = _host(bots_save(tmp_path / "game.jsonl"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("end", "f")
        await pilot.pause()
        assert isinstance(app.screen, ReplayScreen)


async def test_damaged_save_shows_the_damage_and_the_recovered_events(tmp_path: Path) -> None:
    path = bots_save(tmp_path / "game.jsonl")
    raw = path.read_bytes()
    lines = raw.splitlines(keepends=True)
    # Cut in half the line after round 2's resolution (the round flow logs its phases too).
    resolves = [i for i, ln in enumerate(lines) if b'"type":"resolve"' in ln]
    cut = resolves[1] + 1
    keep = b"".join(lines[:cut]) + lines[cut][: len(lines[cut]) // 2]
    path.write_bytes(keep)
    # line 2 holds the scenario (save format 2); the viewer skips phase changes
    shown = sum(1 for ln in lines[2:cut] if b'"type":"phase"' not in ln)
    app = _host(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.has_class("-damaged")
        banner = _text(screen, "#rp-problems")
        assert "DAMAGED SAVE" in banner and f"damaged at line {cut + 1}" in banner
        tl = screen.timeline
        assert len(tl) == shown
        assert f"Event 1 of {len(tl)}" in _text(screen, "#rp-position")
        await pilot.press("end")
        assert screen.k == shown - 1
        assert tl.rounds == 2


async def test_unreadable_save_says_so(tmp_path: Path) -> None:
    path = tmp_path / "junk.jsonl"
    path.write_text("this is not a save\n")
    app = _host(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.has_class("-damaged") and screen.error
        assert "cannot be opened" in _text(screen, "#rp-problems")
        await pilot.press("right", "f", "g")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ReplayScreen)


async def test_a_save_with_no_events_yet(tmp_path: Path) -> None:
    from wargame.saves.session import Session

    path = tmp_path / "new.jsonl"
    Session.new(mini(), 7, None, path).close()
    app = _host(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert "no events yet" in _text(screen, "#rp-position")
        await pilot.press("right", "right_square_bracket", "b", "g")
        await pilot.pause()
        assert app.screen is screen and screen.k == 0
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, ForkDialog) and app.screen.at_round == 0
        await pilot.press("escape")


# --- the viewer's chrome: its keys shown, its own help, a header that fits ------------------


def test_bookmark_note_wording(tmp_path: Path) -> None:
    tl = Timeline(load(bookmarked_save(tmp_path / "game.jsonl")))
    first, second = tl.bookmarks
    assert tl.bookmark_note(0) == ("2 bookmarks (b goes to the next)", False)
    assert tl.bookmark_note(first) == ("* bookmark 1 of 2 (b: next)", True)
    assert tl.bookmark_note(second) == ("* bookmark 2 of 2 (b: next)", True)
    tl.bookmarks = [first]
    assert tl.bookmark_note(0) == ("1 bookmark (b goes to it)", False)
    assert tl.bookmark_note(first) == ("* bookmark 1 of 1", True)
    tl.bookmarks = []
    assert tl.bookmark_note(0) == ("", False)


def _replay_app(path: Path, tmp_path: Path):
    from wargame.tui.app import WargameApp
    from wargame.tui.clock import FrozenTime

    app = WargameApp(replay_path=path, saves_dir=tmp_path / "saves", time=FrozenTime())
    app.animation_level = "none"
    return app


async def test_view_keys_are_in_the_key_bar_and_tabs_click(tmp_path: Path) -> None:
    from textual.widgets import TabbedContent

    from wargame.tui.widgets.keybar import KeyBar

    app = _replay_app(bookmarked_save(tmp_path / "game.jsonl"), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        bar = str(screen.query_one(KeyBar).render())
        assert "s o t State/Orders/Trace" in bar
        labels = [str(t.label) for t in screen.query("Tab")]
        assert labels == ["State (s)", "Orders (o)", "Trace (t)"]
        tabs = screen.query_one(TabbedContent)
        await pilot.click("#--content-tab-rp-tab-trace")
        await pilot.pause()
        assert tabs.active == "rp-tab-trace"
        await pilot.click("#--content-tab-rp-tab-orders")
        await pilot.pause()
        assert tabs.active == "rp-tab-orders"
        await pilot.press("s")
        assert tabs.active == "rp-tab-state"
        # Clicking the key bar's words works too.
        await pilot.press("t")
        assert tabs.active == "rp-tab-trace"


async def test_f1_shows_the_replay_help_not_the_games(tmp_path: Path) -> None:
    from wargame.tui.screens.help import HELP, REPLAY_HELP, HelpScreen

    app = _replay_app(bookmarked_save(tmp_path / "game.jsonl"), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert app.screen.source == REPLAY_HELP and app.screen.source != HELP
        from textual.widgets import Label

        assert str(app.screen.query_one(".dialog-title", Label).render()).startswith("Replay help")
        assert "## The replay viewer" in REPLAY_HELP and "facilitator's console" not in REPLAY_HELP
        # Every key the viewer binds is explained in its help.
        for key in ("*← →*", "*[ ]*", "*Home*", "*G*", "*B*", "*S*", "*O*", "*T*", "*E*", "*F*", "*Esc*"):
            assert key in REPLAY_HELP, key
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReplayScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen) and app.screen.source == REPLAY_HELP


async def test_a_forks_header_is_not_cut_at_120_columns(tmp_path: Path) -> None:
    from wargame.saves.session import fork

    base = bookmarked_save(tmp_path / "a-rather-long-save-name-2016-2020.jsonl")
    new = fork(base, 2, out=tmp_path / "a-rather-long-save-name-2016-2020-fork-r2.jsonl",
               seats={"us": "bot", "cn": "bot", "eu": "bot"})
    app = _replay_app(new, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        title = screen.query_one("#rp-title", Static)
        words = str(title.render())
        assert new.name in words and "Mini contest" in words and "Forked from" in words and "round 2" in words
        # Every line of the header is on screen in full: it wraps instead of running off.
        assert title.region.height >= 2 and title.region.right <= 120
        assert title.virtual_size.width <= title.region.width
        await pilot.press("b")
        await pilot.pause()
        pos = screen.query_one("#rp-position", Static)
        assert pos.virtual_size.width <= pos.region.width
