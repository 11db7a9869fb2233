"""The wire protocol of the exercise server: one JSON object per WebSocket text frame.

Every frame from a client is validated here the way a file is: a frame that is not
JSON, too large, of an unknown type, or with a field of the wrong shape is refused
with an ``error`` reply and changes nothing. docs/protocol.md describes the protocol
for someone writing another client.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

PROTOCOL = 1
# A frame larger than this is refused with an error (the transport accepts more, so
# that the refusal can be a reply rather than a dropped connection).
MAX_FRAME = 16 * 1024
TRANSPORT_MAX = 1024 * 1024
MAX_TEXT = 2000

Req = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Ident = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]


class _Msg(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Hello(_Msg):
    """The first frame on a connection: the seat's code and the last sequence number seen."""

    type: Literal["hello"]
    code: Annotated[str, Field(min_length=1, max_length=200)]
    last_seq: Annotated[int, Field(ge=0)] = 0
    protocol: int = PROTOCOL


class Submit(_Msg):
    """A team's orders for a round (replacing any earlier submission that round)."""

    type: Literal["submit"]
    req: Req
    round: Annotated[int, Field(ge=1)]
    # The role is implied by the seat; a client may name it, and naming another is refused.
    role: Ident | None = None
    orders: Annotated[list[str | dict[str, Any]], Field(max_length=64)]


OfferId = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z0-9-]+$")]


class Draft(_Msg):
    """A team's orders as they stand (not logged): what the clock's lock submits if time runs out."""

    type: Literal["draft"]
    req: Req
    orders: Annotated[list[str | dict[str, Any]], Field(max_length=64)]


class Offer(_Msg):
    """Put one of the team's deals on the table (negotiation); it goes to the deal's counterparty."""

    type: Literal["offer"]
    req: Req
    move: Ident
    target: Ident | None = None


class Answer(_Msg):
    """The counterparty's answer to an offer."""

    type: Literal["answer"]
    req: Req
    offer: OfferId
    answer: Literal["accept", "reject", "counter"]


class Reply(_Msg):
    """The proposer's reply to a counter-offer."""

    type: Literal["reply"]
    req: Req
    offer: OfferId
    reply: Literal["accept", "walk-away"]


class Withdraw(_Msg):
    type: Literal["withdraw"]
    req: Req
    offer: OfferId


class Message(_Msg):
    """A private message to another team or to the facilitator."""

    type: Literal["message"]
    req: Req
    to: Ident
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]


class Advance(_Msg):
    """Facilitator: move to the next phase (``expect`` guards against a double press)."""

    type: Literal["advance"]
    req: Req
    expect: str | None = None


class Clock(_Msg):
    """Facilitator: start a countdown for the current phase."""

    type: Literal["clock"]
    req: Req
    seconds: Annotated[int, Field(ge=0, le=24 * 3600)]


class Inject(_Msg):
    type: Literal["inject"]
    req: Req
    event: Ident


class Note(_Msg):
    """Facilitator: a note in the log (for the debrief); ``bookmark`` marks a moment to come back to."""

    type: Literal["note"]
    req: Req
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
    bookmark: Annotated[bool, Field(strict=True)] = False


IndicatorId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[a-z0-9_]+\.[a-z0-9_]+$")]


class Override(_Msg):
    """Facilitator: set an indicator by hand, with a reason (a ruling; the rules' value is kept beside it)."""

    type: Literal["override"]
    req: Req
    indicator: IndicatorId
    # Strict: a number, not a string that looks like one (a ruling is read back as sent).
    value: Annotated[float, Field(strict=True, allow_inf_nan=False)]
    reason: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]


class Reissue(_Msg):
    """Facilitator: revoke a seat's code and issue a new one (the old one stops working at once)."""

    type: Literal["reissue"]
    req: Req
    seat: Ident


class Ping(_Msg):
    type: Literal["ping"]
    req: Req | None = None


Request = Annotated[Submit | Draft | Offer | Answer | Reply | Withdraw | Message | Advance | Clock | Inject | Note
                    | Override | Reissue | Ping,
                    Field(discriminator="type")]
_request = TypeAdapter(Request)
_hello = TypeAdapter(Hello)

FACILITATOR_ONLY = frozenset({"advance", "clock", "inject", "note", "override", "reissue"})
TEAM_ONLY = frozenset({"submit", "draft", "offer", "answer", "reply", "withdraw"})


class ProtocolError(Exception):
    """A frame refused before it reached the game: ``code`` is machine-readable."""

    def __init__(self, code: str, message: str, req: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.req = code, message, req


def _decode(frame: str | bytes) -> dict[str, Any]:
    if isinstance(frame, bytes):
        raise ProtocolError("malformed", "frames are JSON text, not binary")
    if len(frame.encode("utf-8", "surrogatepass")) > MAX_FRAME:
        raise ProtocolError("too_large", f"a frame may hold at most {MAX_FRAME} bytes")
    try:
        obj = json.loads(frame)
    except (ValueError, RecursionError):
        raise ProtocolError("malformed", "not valid JSON") from None
    if not isinstance(obj, dict):
        raise ProtocolError("malformed", "a frame is a JSON object")
    return obj


def _req_of(obj: dict[str, Any]) -> str | None:
    req = obj.get("req")
    return req if isinstance(req, str) and len(req) <= 64 else None


def _explain(exc: ValidationError) -> str:
    e = exc.errors()[0]
    where = ".".join(str(x) for x in e["loc"]) or "frame"
    return f"{where}: {e['msg']}"


def parse_hello(frame: str | bytes) -> Hello:
    obj = _decode(frame)
    try:
        return _hello.validate_python(obj)
    except ValidationError as exc:
        raise ProtocolError("malformed", "the first frame must be a hello: " + _explain(exc)) from None


def parse_request(frame: str | bytes) -> Any:
    obj = _decode(frame)
    try:
        return _request.validate_python(obj)
    except ValidationError as exc:
        raise ProtocolError("malformed", _explain(exc), _req_of(obj)) from None


def dumps(obj: dict[str, Any]) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
