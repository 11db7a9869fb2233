"""The written form of an order: what a role asks for in a round, as scenario files
(expectations), orders files and saves write it, in one of four shapes::

    us_section_301                          # play a move
    {move: us_entity_list, target: cn}      # play a move aimed at a target
    {respond: cn_rfi_deal, answer: accept}  # answer a deal (accept / reject / renegotiate)
    {revoke: us_entity_list}                # end a policy in force

Checking that shape and its ids needs only the scenario, and the scenario loader checks
the orders written in expectations while it loads, so it lives in this layer; orders
files (:mod:`wargame.engine.orders`) and resolution build on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from wargame.scenario.model import Scenario
from wargame.scenario.suggest import did_you_mean

Kind = Literal["play", "respond", "revoke"]
Answer = Literal["accept", "reject", "renegotiate"]


@dataclass(frozen=True, order=True, slots=True)
class Order:
    role: str
    move: str
    kind: Kind = "play"
    target: str | None = None
    answer: Answer | None = None
    walk_away: bool = False

    def to_json(self) -> Any:
        """The shortest YAML/JSON form, as a person would write it."""
        if self.kind == "play":
            if self.target is None and not self.walk_away:
                return self.move
            out: dict[str, Any] = {"move": self.move}
            if self.target is not None:
                out["target"] = self.target
            if self.walk_away:
                out["walk_away"] = True
            return out
        if self.kind == "respond":
            return {"respond": self.move, "answer": self.answer}
        return {"revoke": self.move}


class OrderSpecError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_order(s: Scenario, role: str, spec: Any) -> Order:
    """Turn one written order into an :class:`Order`, checking ids and shape."""
    if isinstance(spec, str):
        return _play(s, role, spec, None, False)
    if not isinstance(spec, dict):
        raise OrderSpecError(f"an order is a move id or a mapping, not {type(spec).__name__}")
    keys = set(spec)
    if "move" in keys:
        extra = keys - {"move", "target", "walk_away"}
        if extra:
            raise OrderSpecError(f"unknown field {sorted(extra)[0]!r} in a move order (allowed: move, target, walk_away)")
        walk_away = spec.get("walk_away", False)
        if not isinstance(walk_away, bool):
            # Strict: a quoted "false" is text, and bool("false") is True.
            shown = repr(walk_away) if not isinstance(walk_away, str) else f"the text {walk_away[:20]!r}"
            raise OrderSpecError(f"walk_away must be true or false (unquoted), not {shown}")
        return _play(s, role, _text(spec["move"], "move"), spec.get("target"), walk_away)
    if "respond" in keys:
        extra = keys - {"respond", "answer"}
        if extra:
            raise OrderSpecError(f"unknown field {sorted(extra)[0]!r} in an answer (allowed: respond, answer)")
        mid = _text(spec["respond"], "respond")
        move = _move(s, mid)
        if move.deal is None:
            raise OrderSpecError(f"{mid!r} is not a deal, so it cannot be answered")
        if move.deal.counterparty != role:
            raise OrderSpecError(f"{mid!r} is offered to {move.deal.counterparty!r}, not to {role!r}")
        answer = spec.get("answer", "accept")
        if answer not in ("accept", "reject", "renegotiate"):
            raise OrderSpecError(f"answer must be accept, reject or renegotiate, not {answer!r}")
        if answer == "renegotiate" and not move.deal.renegotiated:
            raise OrderSpecError(f"{mid!r} has no renegotiated terms to ask for")
        return Order(role, mid, "respond", answer=answer)
    if "revoke" in keys:
        if keys != {"revoke"}:
            raise OrderSpecError("a revoke order has only the field 'revoke'")
        mid = _text(spec["revoke"], "revoke")
        move = _move(s, mid)
        if move.role != role:
            raise OrderSpecError(f"{mid!r} belongs to {move.role!r}, not {role!r}")
        if move.policy is None:
            raise OrderSpecError(f"{mid!r} is not a policy, so there is nothing to revoke")
        return Order(role, mid, "revoke")
    raise OrderSpecError("an order mapping needs 'move', 'respond' or 'revoke'")


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise OrderSpecError(f"{field} must be a move id, not {value!r}")
    return value


def _move(s: Scenario, mid: str):  # -> Move
    move = s.moves.get(mid)
    if move is None:
        raise OrderSpecError(f"unknown move {mid!r}{did_you_mean(mid, s.moves)}")
    return move


def _play(s: Scenario, role: str, mid: str, target: Any, walk_away: bool) -> Order:
    move = _move(s, mid)
    if move.role != role:
        raise OrderSpecError(f"{mid!r} is a move of {move.role!r}, not of {role!r}")
    if move.targets:
        if target is None:
            raise OrderSpecError(f"{mid!r} needs a target: one of {', '.join(move.targets)}")
        if target not in move.targets:
            raise OrderSpecError(f"{target!r} is not a target of {mid!r}{did_you_mean(str(target), move.targets)}"
                                 f" (targets: {', '.join(move.targets)})")
    elif target is not None:
        raise OrderSpecError(f"{mid!r} takes no target")
    if walk_away and move.deal is None:
        raise OrderSpecError("walk_away only applies to a deal")
    return Order(role, mid, "play", target=target, walk_away=walk_away)
