"""The commented template written by ``wargame new-scenario``. It validates as written."""

from __future__ import annotations

import re
import shlex


def slug(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if s and not s[0].isalpha():
        s = "s-" + s
    return s[:64]


# The template's summary, a placeholder: `wargame validate` warns while it is left in.
PLACEHOLDER_SUMMARY = "One or two sentences the title screen shows: what the scenario is about."

TEMPLATE = """\
# yaml-language-server: $schema=wargame.schema.json
# A new wargame scenario. Check it with:  wargame validate {path}
# The authoring guide (scenarios/README.md) explains every field.
# Every number cites facts from seeds/facts.yaml by id; say why in 'note' or 'rationale'.
format: 1
id: {id}
title: "{title}"
summary: >-
  {placeholder}
start: 2016-07-01          # the date round 1 begins
round_months: 6            # half-year rounds
rounds: 6
seed: 1                    # default random seed; `wargame play --seed N` overrides it

# Sectors: each has the two CSIS ch. 1 axes (China's innovation outcome and the
# effect on the global sector); a sector's quadrant comes from which side of
# each threshold (default 50) it is on.
sectors:
  semis:
    name: Semiconductors
    summary: China's chip industry and the world's.
    documented: {{quadrant: lose-lose, cites: [frame.semis_lose_lose]}}
    indicators:
      china_innovation:
        name: China's innovation outcome
        start: 35
        cites: [frame.two_axes, semi.china_self_sufficiency]
        note: A judgement on a 0-100 index; low because China makes little of what it uses.
      global_effect:
        name: Effect on the global sector
        start: 45
        cites: [frame.semis_lose_lose]
        note: A judgement; below 50 because import substitution distorts the sector.
      self_sufficiency:
        name: Chips made in China, share of use
        unit: "%"
        start: 9
        cites: [semi.china_self_sufficiency]

# Roles: who plays. Indicators here carry each role's own stakes.
roles:
  us:
    name: United States
    short: US
    briefing: Keep the technology lead without losing allies or sales.
    budget: 4              # points per round; unspent points do not carry over
    indicators:
      tech_lead:
        name: Technology lead
        start: 70
        cites: [semi.china_demand_share]
        note: A judgement on a 0-100 index.
    objectives:
      - {{indicator: us.tech_lead, weight: 2, goal: max}}
      - {{indicator: semis.china_innovation, weight: 1, goal: min}}
  cn:
    name: China
    short: CN
    briefing: Make more of the chips China uses.
    budget: 4
    indicators:
      debt:
        name: Debt from state-directed investment
        start: 20
        cites: [semi.ic_fund_2015]
        higher_is: worse
    objectives:
      - {{indicator: semis.self_sufficiency, weight: 2}}
      - {{indicator: cn.debt, goal: min}}

# Moves: what a role may order in a round. A 'policy' stays in force until
# revoked; a 'deal' needs its counterparty to accept in the same round.
moves:
  us_export_controls:
    role: us
    name: Export controls on chip-making equipment
    cost: 2
    tags: [export_control]
    cites: [policy.unilateral_meaningless]
    policy:
      upkeep: 1
      ongoing:
        - indicator: semis.china_innovation
          change: -2
          # Controls bite more when others join: acting() counts roles with the tag.
          scale: '0.3 + 0.7 * (acting("export_control") - 1)'
          cites: [policy.unilateral_meaningless]
          rationale: Unilateral controls achieve little; a judgement on the size.
          # basis: what the size stands on: {{figure: FACT, how: ...}}, {{outcome: EXPECTATION_ID, how: ...}}
          # or {{assumption: why this size}}. Once one magnitude has a basis, validate wants all of them to.
          basis: {{assumption: "two points a round, twice the one-off gain to the U.S. lead: controls work while in force"}}
    effects:
      - indicator: us.tech_lead
        change: 1
        cites: [semi.china_demand_share]
        rationale: The lead is protected for a while; a judgement.
        basis: {{assumption: "one point, half a round of the controls' effect on China"}}
  cn_ic_fund:
    role: cn
    name: National IC Fund
    cost: 2
    cites: [semi.ic_fund_2015]
    effects:
      - indicator: semis.self_sufficiency
        change: 1
        delay: 2           # capability lags investment
        duration: 3        # applied in three rounds
        spread: 0.5        # uncertainty: a draw in [-0.5, +0.5]
        cites: [semi.ic_fund_2015, semi.china_self_sufficiency]
        rationale: Money buys capacity slowly; calibrated so share stays low.
        basis: {{assumption: "a point a round for three rounds, so the share stays far below independence"}}
      - indicator: cn.debt
        change: 3
        cites: [semi.ic_fund_2015]
        rationale: State-directed money is borrowed; a judgement.
        basis: {{assumption: "three points of debt, more than the capacity it buys in any one round"}}

# Events (injects): scheduled ('at'), triggered ('trigger'), by chance
# ('chance'); the facilitator can play any of them by hand.
events:
  denial_order:
    name: A denial order hits a champion
    news: Washington bars U.S. suppliers from selling to a Chinese champion.
    trigger: active("us_export_controls")
    chance: 0.3
    cites: [semi.zte_denial_2018]
    effects:
      - indicator: semis.china_innovation
        change: -5
        cites: [semi.zte_denial_2018]
        rationale: A champion nearly collapses without U.S. parts.
        basis: {{assumption: "five points, more than two rounds of the controls themselves: a sudden stop"}}

# Dynamics: per-round formulas (see the guide for the language).
dynamics:
  innovation_reversion:
    indicator: semis.china_innovation
    delta: "0.1 * (start(semis.china_innovation) - semis.china_innovation)"
    cites: [frame.two_axes]
    rationale: Shocks fade; a judgement on the rate.
    basis: {{assumption: "a tenth of the gap a round: half a shock fades in about seven rounds"}}

# Expectations: this scenario's own test suite, run by `wargame validate`.
expectations:
  - name: the IC fund raises self-sufficiency only slowly
    cites: [semi.china_self_sufficiency]
    rounds: 4
    orders: {{1: {{cn: [cn_ic_fund]}}}}
    check:
      - {{indicator: semis.self_sufficiency, value: [9.5, 13]}}
"""


def render_template(name: str, path: str | None = None) -> str:
    """The template for ``name``; its comments name ``path`` (where it is written)."""
    sid = slug(name)
    title = name.strip().replace('"', "'")
    shown = path if path is not None else f"scenarios/{sid}.yaml"
    if any(c in shown for c in "\r\n"):  # a comment is one line
        shown = repr(shown)
    return TEMPLATE.format(id=sid, title=title, path=shlex.quote(shown), placeholder=PLACEHOLDER_SUMMARY)
