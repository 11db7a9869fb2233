"""Secret orders stay secret: while one team enters its orders, nothing of another team's
pending orders is anywhere on screen.

Team A (the proposer of a deal) chooses distinctive moves. During B's hand-over and B's
order entry the whole screen (the SVG export, and the text of every widget, visible or
scrolled away) is scanned for A's move names and ids. B's order screen must also read
exactly the same whether or not A chose anything. (Deals are made at the negotiation
table, before the orders; what each team sees there is tested with the table.)
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from textual.widgets import Button, DataTable, OptionList, Static

from wargame.tui.app import WargameApp
from wargame.tui.clock import FrozenTime
from tests.conftest import settle

DATA = Path(__file__).resolve().parents[1] / "data"


def _load(which: str):
    from wargame.scenario.catalog import DEFAULT_ID, find_scenario
    from wargame.scenario.loader import load_scenario
    from wargame.scenario.yamlsafe import InputError

    if which == "mini":
        return load_scenario(DATA / "mini.yaml")
    try:
        return load_scenario(find_scenario(DEFAULT_ID))
    except (InputError, LookupError, OSError) as exc:  # pragma: no cover
        pytest.skip(f"the default scenario does not load: {exc}")


def svg_text(app) -> str:
    svg = app.export_screenshot()
    return html.unescape(" ".join(re.findall(r"<text[^>]*>(.*?)</text>", svg))).replace("\xa0", " ")


def dom_text(app) -> str:
    """The text of every widget on the active screen, whether or not it is scrolled into view."""
    out = []
    for w in app.screen.query("*"):
        if isinstance(w, Static):
            out.append(str(w.render()))
        elif isinstance(w, OptionList):
            out += [str(o.prompt) for o in w.options]
        elif isinstance(w, DataTable):
            for r in range(w.row_count):
                out += [str(c) for c in w.get_row_at(r)]
        elif isinstance(w, Button):
            out.append(str(w.label))
    out.append(app.phase + " " + app.phase_note)
    return "\n".join(out)


def pick_pair(loaded) -> tuple[str, str, str]:
    """(A, B, deal): a deal A may offer B, with A entering orders before B."""
    s = loaded.scenario
    rank = {r: i for i, r in enumerate(s.roles)}
    for mid, m in s.moves.items():
        if m.deal and rank[m.role] < rank[m.deal.counterparty]:
            return m.role, m.deal.counterparty, mid
    pytest.skip("no deal between two roles in turn order")


def a_choices(loaded, a: str, deal: str) -> list[str]:
    """A's legal moves at the start (no targets, no deals: those are made at the table), within A's budget."""
    from wargame.engine.bots import legal_plays
    from wargame.engine.game import Game
    from wargame.engine.rules import Rules

    rules = Rules(loaded)
    state = Game.new(rules).state
    s = loaded.scenario
    legal = [o.move for o in legal_plays(rules, state, a) if o.target is None and not s.moves[o.move].deal]
    budget = s.roles[a].budget
    chosen, spent = [], 0
    for mid in legal:
        m = s.moves[mid]
        cost = m.cost + (m.policy.upkeep if m.policy else 0)
        if spent + cost <= budget:
            chosen.append(mid)
            spent += cost
    assert len(chosen) >= 2
    return chosen


async def highlight(pilot, oid: str) -> None:
    ol = pilot.app.screen.query_one("#order-list", OptionList)
    await pilot.press("home")
    for _ in range(ol.option_count):
        if ol.highlighted_option is not None and ol.highlighted_option.id == oid:
            return
        await pilot.press("down")
    raise AssertionError(f"{oid} not reachable by keys")


async def b_screens(tmp_path: Path, loaded, a: str, b: str, choose: list[str]) -> list[tuple[str, str]]:
    """Play A's turn (choosing ``choose``), then capture every screen B goes through:
    (what is drawn, the text of every widget)."""
    seats = {r: ("human" if r in (a, b) else "bot") for r in loaded.scenario.roles}
    app = WargameApp(scenario=loaded, seed=11, seats=seats, saves_dir=tmp_path, time=FrozenTime())
    app.animation_level = "none"
    seen: list[tuple[str, str]] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "c")  # briefing -> the table, closed at once -> A's hand-over
        await settle(pilot)
        assert app.screen.role == a
        await pilot.press("enter")
        await settle(pilot)
        for mid in choose:
            await highlight(pilot, f"play:{mid}")
            await pilot.press("space")
        await settle(pilot)
        assert set(app.screen.plays) == set(choose)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert set(o.move for o in app.session.pending[a]) == set(choose)
        # B's hand-over.
        assert type(app.screen).__name__ == "HandoverScreen" and app.screen.role == b
        seen.append((svg_text(app), dom_text(app)))
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "OrdersScreen" and app.screen.role == b
        # Every entry of B's list, with its detail panel.
        ol = app.screen.query_one("#order-list", OptionList)
        await pilot.press("home")
        for _ in range(ol.option_count):
            await settle(pilot)
            seen.append((svg_text(app), dom_text(app)))
            await pilot.press("down")
        # The facilitator's console during B's turn keeps A's orders secret too.
        await pilot.press("f2")
        await settle(pilot)
        seen.append((svg_text(app), dom_text(app)))
    return seen


@pytest.mark.parametrize("which", ["default", "mini"])
async def test_no_trace_of_another_teams_pending_orders(tmp_path: Path, which: str) -> None:
    loaded = _load(which)
    s = loaded.scenario
    a, b, deal = pick_pair(loaded)
    chosen = a_choices(loaded, a, deal)
    with_orders = await b_screens(tmp_path / "one", loaded, a, b, chosen)
    # A's moves other than deals offered to B must not appear at all: by name or by id.
    offered_to_b = {mid for mid, m in s.moves.items() if m.deal and m.deal.counterparty == b}
    secret = [mid for mid in chosen if mid not in offered_to_b]
    assert secret, "the test needs at least one non-deal move of A"
    for drawn, widgets in with_orders:
        text = drawn + "\n" + widgets
        for mid in secret:
            assert s.moves[mid].name not in text, f"{s.moves[mid].name!r} of {a} visible during {b}'s turn"
            assert mid not in text, f"{mid!r} of {a} visible during {b}'s turn"
        assert "offered by" not in text.lower()
    # B's screens say the same whether or not A chose anything (the deal included).
    without = await b_screens(tmp_path / "two", loaded, a, b, [])
    assert [w for _, w in with_orders[:-1]] == [w for _, w in without[:-1]]
