"""The round's flow without any screen: a table of small cases, each set up, played and checked.

Uses tests/data/mini.yaml: China (cn) may offer the European Union (eu) the deal
``cn_deal`` (cn pays 1 if it is made, eu pays 1; eu may counter with other terms).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from wargame.engine.orders import Order, script_from_data
from wargame.play import FACILITATOR, OBSERVER, Flow, FlowError, Phase, Seat, Status, view
from wargame.play.clock import FrozenTime
from wargame.play.headless import play_session
from wargame.scenario.loader import LoadedScenario

HUMANS = {"us": "human", "cn": "human", "eu": "human"}


@pytest.fixture
def mini(mini_loaded: LoadedScenario) -> LoadedScenario:
    return mini_loaded


def at_negotiation(loaded: LoadedScenario, controls: dict | None = None, path: Path | None = None,
                   time: FrozenTime | None = None) -> Flow:
    flow = Flow.new(loaded, 7, controls or HUMANS, path, time=time)
    assert flow.phase == Phase.BRIEFING
    flow.advance()
    assert flow.phase == Phase.NEGOTIATION
    return flow


def finish_round(flow: Flow) -> None:
    """Close the table, give empty orders for everyone left, resolve."""
    if flow.phase == Phase.NEGOTIATION:
        flow.advance()
    for role in flow.turns():
        flow.submit(role, [])
    flow.play_bots()
    flow.advance()  # reveal
    flow.advance()  # resolution
    assert flow.phase == Phase.RESOLUTION


# --- every phase transition ----------------------------------------------------------------

def test_every_phase_in_order_and_what_blocks_it(mini: LoadedScenario) -> None:
    flow = Flow.new(mini, 7, HUMANS)
    seen = [(flow.round, flow.phase)]
    flow.advance()
    seen.append((flow.round, flow.phase))
    flow.advance()
    seen.append((flow.round, flow.phase))
    assert flow.turns() == ["us", "cn", "eu"]
    with pytest.raises(FlowError, match="waiting for the orders of United States, China, European Union"):
        flow.advance()
    for role in ["us", "cn", "eu"]:
        flow.submit(role, [])
    with pytest.raises(FlowError, match="already given"):
        flow.submit("us", [])
    for _ in range(4):
        flow.advance()
        seen.append((flow.round, flow.phase))
    assert seen == [(1, Phase.BRIEFING), (1, Phase.NEGOTIATION), (1, Phase.ORDERS), (1, Phase.REVEAL),
                    (1, Phase.RESOLUTION), (1, Phase.DEBRIEF), (2, Phase.BRIEFING)]
    phases = [(e["round"], e["phase"]) for e in flow.session.events if e["type"] == "phase"]
    assert phases == [(r, p.value) for r, p in seen]


def test_the_last_debrief_ends_the_game(mini: LoadedScenario) -> None:
    flow = Flow.new(mini, 7, {r: "bot" for r in mini.scenario.roles})
    from wargame.play.headless import run

    run(flow)
    assert flow.finished and flow.phase == Phase.DEBRIEF and flow.round == mini.scenario.rounds
    assert flow.blocked() == "the game is over"
    with pytest.raises(FlowError, match="over"):
        flow.advance()


def test_actions_out_of_their_phase_are_refused(mini: LoadedScenario) -> None:
    flow = Flow.new(mini, 7, HUMANS)
    with pytest.raises(FlowError, match="only in the negotiation phase"):
        flow.propose("cn", "cn_deal")
    with pytest.raises(FlowError, match="only in the orders phase"):
        flow.submit("us", [])
    flow.advance()
    offer = flow.propose("cn", "cn_deal")
    flow.advance()
    with pytest.raises(FlowError, match="only in the negotiation phase"):
        flow.answer("eu", offer.id, "accept")
    with pytest.raises(FlowError, match="negotiation table"):
        flow.submit("cn", [Order("cn", "cn_deal")])


# --- negotiation outcomes --------------------------------------------------------------------

@dataclass
class Deal:
    name: str
    steps: list[tuple[str, str]]  # (role, action): offer | accept | reject | counter | take | walk | withdraw
    status: Status
    engine: str | None  # the engine's outcome at resolution (None: it never reached the engine)
    spent: dict[str, int] = field(default_factory=dict)  # of the deal alone, at resolution


DEALS = [
    Deal("made", [("cn", "offer"), ("eu", "accept")], Status.MADE, "made", {"cn": 1, "eu": 1}),
    Deal("refused", [("cn", "offer"), ("eu", "reject")], Status.REFUSED, "refused", {"cn": 0, "eu": 0}),
    Deal("countered_then_accepted", [("cn", "offer"), ("eu", "counter"), ("cn", "take")], Status.RENEGOTIATED,
         "renegotiated", {"cn": 1, "eu": 1}),
    Deal("countered_then_walked_away", [("cn", "offer"), ("eu", "counter"), ("cn", "walk")], Status.WALKED_AWAY,
         "walked-away", {"cn": 0, "eu": 0}),
    Deal("countered_and_left", [("cn", "offer"), ("eu", "counter")], Status.COUNTERED, "walked-away",
         {"cn": 0, "eu": 0}),
    Deal("withdrawn", [("cn", "offer"), ("cn", "withdraw")], Status.WITHDRAWN, None, {"cn": 0, "eu": 0}),
    Deal("unanswered", [("cn", "offer")], Status.UNANSWERED, "unanswered", {"cn": 0, "eu": 0}),
]


@pytest.mark.parametrize("case", DEALS, ids=[d.name for d in DEALS])
def test_negotiation_outcome(mini: LoadedScenario, case: Deal) -> None:
    flow = at_negotiation(mini)
    offer = None
    for role, action in case.steps:
        if action == "offer":
            offer = flow.propose(role, "cn_deal")
        elif action in ("accept", "reject", "counter"):
            flow.answer(role, offer.id, action)
        elif action == "take":
            flow.reply(role, offer.id, "accept")
        elif action == "walk":
            flow.reply(role, offer.id, "walk-away")
        elif action == "withdraw":
            flow.withdraw(role, offer.id)
    flow.advance()  # the table closes
    assert offer.status == case.status
    # Budget in the orders phase: only a deal made is held against each side.
    made = case.status.made
    assert flow.budget("cn").deals == (1 if made else 0)
    assert flow.budget("eu").deals == (1 if made else 0)
    finish_round(flow)
    trace = flow.last_trace
    outcomes = [(d.move, d.outcome) for d in trace.deals]
    assert outcomes == ([] if case.engine is None else [("cn_deal", case.engine)])
    assert {r: trace.spent[r] for r in case.spent} == case.spent
    # The log tells the table's story truthfully, and a resumed flow tells the same one.
    assert [e["type"] for e in flow.session.events if e["type"] in ("offer", "answer", "reply", "withdraw")] == \
           ["offer"] + [{"accept": "answer", "reject": "answer", "counter": "answer", "take": "reply",
                         "walk": "reply", "withdraw": "withdraw"}[a] for _, a in case.steps[1:]]


def test_only_the_right_team_may_answer_and_only_once(mini: LoadedScenario) -> None:
    flow = at_negotiation(mini)
    offer = flow.propose("cn", "cn_deal")
    with pytest.raises(FlowError, match="only the team an offer is addressed to"):
        flow.answer("us", offer.id, "accept")
    with pytest.raises(FlowError, match="only the team that made an offer"):
        flow.withdraw("eu", offer.id)
    with pytest.raises(FlowError, match="already on the table"):
        flow.propose("cn", "cn_deal")
    flow.answer("eu", offer.id, "reject")
    with pytest.raises(FlowError, match="refused: there is nothing to answer"):
        flow.answer("eu", offer.id, "accept")


def test_an_offer_must_be_affordable_if_made(mini: LoadedScenario) -> None:
    flow = at_negotiation(mini)
    offer = flow.propose("cn", "cn_deal")
    assert flow.budget("cn").deals == 1  # held while it is open
    flow.withdraw("cn", offer.id)
    assert flow.budget("cn").deals == 0
    assert flow.budget("eu").left == 3


def test_a_bot_answers_an_offer_at_once_by_its_own_objectives(mini: LoadedScenario) -> None:
    flow = at_negotiation(mini, {"us": "human", "cn": "human", "eu": "bot"})
    offer = flow.propose("cn", "cn_deal")
    assert offer.status != Status.OPEN
    answers = [e for e in flow.session.events if e["type"] == "answer"]
    assert len(answers) == 1 and answers[0]["by"] == "bot" and answers[0]["role"] == "eu"
    from wargame.engine.bots import best_answer

    best = best_answer(flow.rules, flow.game.state, "eu", Order("cn", "cn_deal"), flow._bot_seed("eu", "answer", "cn_deal"))
    assert answers[0]["answer"] == {"renegotiate": "counter"}.get(best, best)


def test_bots_make_offers_and_answer_each_other(default_loaded: LoadedScenario) -> None:
    loaded = default_loaded
    flow = Flow.new(loaded, 7, {r: "bot" for r in loaded.scenario.roles})
    flow.advance()
    offers = [e for e in flow.session.events if e["type"] == "offer"]
    assert offers and {e["by"] for e in offers} == {"bot"}
    # every bot-to-bot offer is settled at the table before the orders phase
    assert all(not o.status.live or o.status == Status.OPEN and flow.control(o.counterparty) == "human"
               for o in flow.offers())
    made = [o for o in flow.offers() if o.status.made]
    assert made, [(o.move, o.status) for o in flow.offers()]
    flow.advance()
    flow.play_bots()
    flow.advance()
    flow.advance()
    resolved = {d.move: d.outcome for d in flow.last_trace.deals}
    for o in made:
        assert resolved[o.move] in ("made", "renegotiated")


def test_a_bot_takes_the_counter_terms_it_made_its_offer_for(default_loaded: LoadedScenario) -> None:
    """A bot offers a deal the counterparty would renegotiate only if it would take the new terms
    (bots.choose_offers), so at the table it takes them. It once judged the countered offer's
    walk-away order, which made taking and leaving the same game: it walked away from all of
    them (203 of 203 counters in 15 games)."""
    from wargame.engine.bots import answer_counter

    loaded = default_loaded
    replies: list[str] = []
    for seed in range(1, 6):
        flow = Flow.new(loaded, seed, {r: "bot" for r in loaded.scenario.roles})
        flow.advance()  # to the table: bots offer, answer and reply
        for o in flow.offers():
            if o.status == Status.COUNTERED or any(e["type"] == "reply" and e["id"] == o.id for e in flow.session.events):
                reply = next(e["reply"] for e in flow.session.events if e["type"] == "reply" and e["id"] == o.id)
                replies.append(reply)
                seed_ = flow._bot_seed(o.proposer, "counter", o.move)
                take = answer_counter(flow.rules, flow.game.state, o.proposer, o.offered_order(), seed_)
                assert reply == ("accept" if take else "walk-away")
    assert "accept" in replies, replies


# --- scripted orders files --------------------------------------------------------------------

def test_a_scripted_answer_in_the_same_round_answers_the_offer(mini: LoadedScenario) -> None:
    script = script_from_data(mini.scenario, {1: {"cn": ["cn_deal"], "eu": [{"respond": "cn_deal", "answer": "accept"}],
                                                  "us": []}})
    session = play_session(mini, 7, script)
    assert [(d.move, d.outcome) for d in session.game.traces[0].deals] == [("cn_deal", "made")]
    assert session.game.traces[0].spent["cn"] >= 1


def test_a_scripted_counter_and_walk_away(mini: LoadedScenario) -> None:
    script = script_from_data(mini.scenario, {
        1: {"cn": [{"move": "cn_deal", "walk_away": True}], "eu": [{"respond": "cn_deal", "answer": "renegotiate"}]},
        2: {"cn": ["cn_deal"], "eu": [{"respond": "cn_deal", "answer": "renegotiate"}]}})
    game = play_session(mini, 7, script).game
    assert [(d.move, d.outcome) for d in game.traces[0].deals] == [("cn_deal", "walked-away")]
    assert [(d.move, d.outcome) for d in game.traces[1].deals] == [("cn_deal", "renegotiated")]


# --- the clock ------------------------------------------------------------------------------------

@pytest.mark.parametrize("policy", ["submit", "drop"])
def test_the_deadline_locks_the_orders_phase(mini: LoadedScenario, policy: str) -> None:
    time = FrozenTime()
    flow = at_negotiation(mini, time=time)
    flow.set_timeout_policy(policy)
    flow.set_clock(Phase.ORDERS, 2)
    flow.advance()
    assert flow.clock.text() == "CLOCK 02:00"
    flow.submit("us", [])
    flow.draft("cn", [Order("cn", "cn_fund")])
    time.advance(61)
    notes = flow.tick()
    assert [n.kind for n in notes] == ["warning"] and "60 seconds" in notes[0].text
    time.advance(60)
    notes = flow.tick()
    assert [n.kind for n in notes] == ["lock"]
    assert flow.locked and flow.turns() == []
    assert flow.pending_orders()["cn"] == ((Order("cn", "cn_fund"),) if policy == "submit" else ())
    assert flow.pending_orders()["eu"] == ()
    assert flow.session.pending_by["cn"] == "lock"
    with pytest.raises(FlowError, match="locked"):
        flow.submit("eu", [])
    lock = [e for e in flow.session.events if e["type"] == "clock" and e["action"] == "lock"]
    assert lock == [{"type": "clock", "round": 1, "phase": "orders", "action": "lock", "policy": policy,
                     "late": ["cn", "eu"]}]
    flow.advance()
    assert flow.phase == Phase.REVEAL


def test_the_deadline_closes_the_negotiation_table(mini: LoadedScenario) -> None:
    time = FrozenTime()
    flow = Flow.new(mini, 7, HUMANS, time=time)
    flow.set_clock(Phase.NEGOTIATION, 1)
    flow.advance()
    offer = flow.propose("cn", "cn_deal")
    time.advance(61)
    assert [n.kind for n in flow.tick()] == ["lock"]
    assert offer.status == Status.UNANSWERED
    with pytest.raises(FlowError, match="locked"):
        flow.answer("eu", offer.id, "accept")


def test_clock_settings_survive_resume(mini: LoadedScenario, tmp_path: Path) -> None:
    time = FrozenTime()
    path = tmp_path / "g.jsonl"
    flow = Flow.new(mini, 7, HUMANS, path, time=time)
    flow.set_clock(Phase.BRIEFING, 5)
    flow.set_timeout_policy("drop")
    time.advance(90)
    flow.pause_clock()
    flow.extend_clock(1)
    flow.close()
    again = Flow.resume(path, time=time)
    assert again.minutes == {Phase.BRIEFING: 5}
    assert again.on_timeout == "drop"
    assert again.clock.text() == "PAUSED 04:30"
    actions = [e["action"] for e in again.session.events if e["type"] == "clock"]
    assert actions == ["set", "policy", "pause", "extend"]


# --- the facilitator ------------------------------------------------------------------------------

def test_two_overrides_on_one_indicator_record_the_rules_value(mini: LoadedScenario) -> None:
    flow = at_negotiation(mini)
    finish_round(flow)
    ind = "chips.china_innovation"
    rules_value = flow.game.value(ind)
    first = flow.override(ind, 90, "the room thinks more")
    second = flow.override(ind, 75, "on reflection, less")
    assert first.model_value == second.model_value == rules_value
    assert flow.game.value(ind) == 75
    logged = [e for e in flow.session.events if e["type"] == "override"]
    assert [e["model_value"] for e in logged] == [rules_value, rules_value]
    with pytest.raises(FlowError, match="runs from 0 to 100: 150 is out of range"):
        flow.override(ind, 150, "too much")
    assert flow.game.value(ind) == 75


def test_undo_after_an_override(mini: LoadedScenario, tmp_path: Path) -> None:
    flow = at_negotiation(mini, path=tmp_path / "g.jsonl")
    finish_round(flow)
    before = flow.game.states[0].digest()
    flow.override("chips.china_innovation", 90, "a ruling")
    flow.note("a note")
    back = flow.undo("round")
    assert back.path != flow.path and flow.path.exists()
    assert back.game.state.round == 0 and back.game.state.digest() == before
    assert back.game.overrides == []
    assert back.phase == Phase.BRIEFING and back.round == 1
    # and undoing just the last event takes the override back, keeping the round
    flow2 = Flow.resume(flow.path)
    flow2.override("chips.china_innovation", 90, "another")
    undone = flow2.undo("event")
    assert undone.game.state.round == 1 and undone.game.value("chips.china_innovation") != 90 or \
        undone.game.overrides[-1].reason != "another"


def test_resume_mid_negotiation(mini: LoadedScenario, tmp_path: Path) -> None:
    path = tmp_path / "g.jsonl"
    flow = at_negotiation(mini, path=path)
    offer = flow.propose("cn", "cn_deal")
    flow.send("cn", "eu", "Roads for metal: a fair price.")
    flow.close()
    again = Flow.resume(path)
    assert again.phase == Phase.NEGOTIATION and again.round == 1
    [o] = again.offers()
    assert (o.id, o.status) == (offer.id, Status.OPEN)
    assert [m.text for m in again.messages()] == ["Roads for metal: a fair price."]
    assert [x.id for x in again.awaiting("eu")] == [offer.id]
    again.answer("eu", offer.id, "accept")
    again.advance()
    assert again.budget("cn").deals == 1
    finish_round(again)
    assert [(d.move, d.outcome) for d in again.last_trace.deals] == [("cn_deal", "made")]
    again.close()
    from wargame.cli import main

    assert main(["replay", str(path), "--verify"]) == 0


def test_scripted_facilitator_actions(mini: LoadedScenario) -> None:
    script = script_from_data(mini.scenario, {1: {"us": [], "facilitator": [
        {"inject": "shock"},
        {"override": "chips.china_innovation", "value": 90, "reason": "first"},
        {"override": "chips.china_innovation", "value": 70, "reason": "second"},
        {"note": "round one ruled on"}]}})
    game = play_session(mini, 7, script).game
    assert [e.event for e in game.traces[0].events if e.how == "inject"] == ["shock"]
    first, second = game.overrides
    assert first.model_value == second.model_value and (first.value, second.value) == (90, 70)


# --- who sees what -----------------------------------------------------------------------------------

def test_each_seat_sees_its_own(mini: LoadedScenario) -> None:
    flow = at_negotiation(mini)
    offer = flow.propose("cn", "cn_deal")
    flow.send("cn", "eu", "psst")
    flow.send("us", "facilitator", "a question")
    eu, us, obs, fac = (view(flow, s) for s in (Seat.team("eu"), Seat.team("us"), OBSERVER, FACILITATOR))
    assert [o.id for o in eu.offers] == [offer.id] and eu.awaiting == (offer.id,)
    assert eu.offers[0].terms.counterparty_cost == 1 and eu.offers[0].terms.proposer_cost == 1
    assert us.offers == () and obs.offers == ()
    assert [m.text for m in eu.messages] == ["psst"] and [m.text for m in us.messages] == ["a question"]
    assert obs.messages == () and len(fac.messages) == 2 and len(fac.offers) == 1
    flow.advance()
    flow.submit("us", [])
    us, cn, obs = view(flow, Seat.team("us")), view(flow, Seat.team("cn")), view(flow, OBSERVER)
    assert set(us.orders) == {"us"} and cn.orders == {} and obs.orders == {}
    assert obs.submitted == ("us",)
    assert set(view(flow, FACILITATOR).orders) == {"us"}
    assert obs.to_json()["phase"] == "orders"
    for role in flow.turns():
        flow.submit(role, [])
    flow.advance()
    # at the reveal the round's offers and orders are public
    obs = view(flow, OBSERVER)
    assert [o.id for o in obs.offers] == [offer.id] and set(obs.orders) == {"us", "cn", "eu"}


def test_a_deadline_passes_once(mini: LoadedScenario) -> None:
    """In a phase with nothing to lock the room is told once, and the log says so once;
    extending the clock gives a new deadline."""
    time = FrozenTime()
    flow = Flow.new(mini, 7, HUMANS, time=time)
    flow.set_clock(Phase.BRIEFING, 1)
    time.advance(61)
    assert [n.kind for n in flow.tick()] == ["time-up"]
    for _ in range(5):
        time.advance(1)
        assert flow.tick() == []
    flow.extend_clock(1)
    time.advance(61)
    assert [n.kind for n in flow.tick()] == ["time-up"]
    actions = [e["action"] for e in flow.session.events if e["type"] == "clock"]
    assert actions == ["set", "lock", "extend", "lock"]


# --- a game played on from a mid-game state (a compared branch of a save) ----------------------

def test_a_flow_from_a_mid_game_state_follows_its_schedule_and_negotiates(mini: LoadedScenario) -> None:
    played = play_session(mini, 7)  # all bots, four rounds
    start = played.game.states[2]  # the end of round 2
    script = script_from_data(mini.scenario, {3: {"cn": ["cn_deal"]}})
    schedule = {3: {"cn": "script", "us": "bot", "eu": "bot"}}
    flow = Flow.from_state(mini, start, 7, {r: "bot" for r in mini.scenario.roles}, script, schedule=schedule)
    assert flow.phase == Phase.BRIEFING and flow.round == 3 and flow.path is None
    assert flow.control("cn") == "script"
    from wargame.play.headless import run

    run(flow)
    game = flow.game
    assert [t.round for t in game.traces] == [3, 4] and game.states[0] is start
    ev = flow.session.events
    # round 3: the scripted deal went on the table and the bot counterparty answered it there
    offer = next(e for e in ev if e["type"] == "offer" and e["round"] == 3)
    assert offer["role"] == "cn" and offer["by"] == "script"
    assert any(e["type"] == "answer" and e["id"] == offer["id"] and e["by"] == "bot" for e in ev)
    by = {(e["round"], e["role"]): e["by"] for e in ev if e["type"] == "orders"}
    assert by[(3, "cn")] == "script" and by[(3, "eu")] == "bot"
    # round 4 is not in the schedule: the seats (bots) play it
    assert by[(4, "cn")] == "bot"


def test_a_flow_from_a_mid_game_state_is_not_saved(mini: LoadedScenario, tmp_path: Path) -> None:
    from wargame.saves.session import Session

    start = play_session(mini, 7).game.states[1]
    with pytest.raises(ValueError, match="not saved"):
        Session.new(mini, 7, None, tmp_path / "x.jsonl", start=start)
