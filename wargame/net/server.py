"""The exercise server: one asyncio process that owns the game and its seats.

Each connection says ``hello`` with its seat's code and the last sequence number it
holds; it gets a ``welcome``, then every event it may see (see :mod:`views`) with a
higher number, then live events as they happen. Requests are answered with ``ack``
(after the event is on disk) or ``error`` (nothing changed).

Each connection has one outgoing queue, filled synchronously by the game loop, so
the backlog and live events reach a client in order and exactly once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from wargame.net import protocol as p
from wargame.net.room import Logged, Room, RoomError
from wargame.net.seats import FACILITATOR, OBSERVER, Codes, Throttle
from wargame.net.views import seat_kind, view_for

log = logging.getLogger("wargame.net")

HELLO_TIMEOUT = 10.0
CLOSE_REPLACED, CLOSE_REVOKED, CLOSE_REFUSED, CLOSE_STOPPING = 4001, 4002, 4003, 1001


@dataclass(eq=False)
class Conn:
    ws: ServerConnection
    seat: str
    kind: str
    queue: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)
    last_seq: int = 0

    def push(self, obj: dict[str, Any]) -> None:
        self.queue.put_nowait(p.dumps(obj))

    def close(self, code: int, reason: str) -> None:
        self.queue.put_nowait(None)
        asyncio.ensure_future(self.ws.close(code, reason))


class Server:
    def __init__(self, room: Room, codes: Codes, host: str = "127.0.0.1", port: int = 0,
                 throttle: Throttle | None = None) -> None:
        self.room, self.codes, self.host, self.port = room, codes, host, port
        self.throttle = throttle or Throttle()
        self.conns: set[Conn] = set()
        # Per seat, the answers to the last requests, so that a resend gets the same answer.
        self._answers: dict[str, OrderedDict[str, dict[str, Any]]] = {}
        self._server: Any = None
        self._flushed = room.seq
        self._ticker: asyncio.Task[None] | None = None

    @property
    def seats(self) -> list[str]:
        return [*self.room.humans, FACILITATOR, OBSERVER]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"ws://{host}:{self.port}/"

    async def start(self) -> None:
        self._server = await serve(self._handle, self.host, self.port, max_size=p.TRANSPORT_MAX,
                                   ping_interval=20, ping_timeout=20)
        self.port = self._server.sockets[0].getsockname()[1]
        self._ticker = asyncio.create_task(self.ticker())

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        for c in list(self.conns):
            c.close(CLOSE_STOPPING, "the server is stopping")
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    # --- a connection ---------------------------------------------------------------

    async def _handle(self, ws: ServerConnection) -> None:
        addr = str(ws.remote_address[0]) if ws.remote_address else "?"
        try:
            frame = await asyncio.wait_for(ws.recv(), HELLO_TIMEOUT)
        except (TimeoutError, ConnectionClosed):
            return
        try:
            hello = p.parse_hello(frame)
        except p.ProtocolError as exc:
            await self._refuse(ws, exc.code, exc.message)
            return
        if hello.protocol != p.PROTOCOL:
            await self._refuse(ws, "protocol", f"this server speaks protocol {p.PROTOCOL}, not {hello.protocol}")
            return
        delay = self.throttle.delay(addr)
        seat = self.codes.seat_for(hello.code)
        if seat is None or seat not in self.seats:
            self.throttle.failed(addr)
            await asyncio.sleep(delay)  # repeated failures from one address wait longer and longer
            await self._refuse(ws, "bad_code", "that code opens no seat")
            return
        self.throttle.succeeded(addr)
        conn = Conn(ws, seat, seat_kind(seat))
        if conn.kind != "observer":  # several people may share the projector's seat; one device per team
            for old in [c for c in self.conns if c.seat == seat]:
                old.push({"type": "error", "code": "replaced", "message": "this seat was opened elsewhere"})
                old.close(CLOSE_REPLACED, "seat opened elsewhere")
                self.conns.discard(old)
        # Welcome and backlog are queued before the connection joins the broadcast set,
        # with no await in between: nothing can be missed or sent twice.
        conn.push(self._welcome(conn))
        for item in self.room.log:
            if item.seq > hello.last_seq:
                self._send_event(conn, item)
        self.conns.add(conn)
        self._presence()
        writer = asyncio.create_task(self._writer(conn))
        try:
            async for frame in ws:
                self._on_frame(conn, frame)
        except ConnectionClosed:
            pass
        finally:
            self.conns.discard(conn)
            conn.queue.put_nowait(None)
            self._presence()
            await writer

    def _presence(self) -> None:
        """Tell the facilitator which seats are connected (not logged: it is not part of the game)."""
        counts = {s: sum(1 for c in self.conns if c.seat == s) for s in self.seats}
        for c in self.conns:
            if c.kind == "facilitator":
                c.push({"type": "presence", "seats": counts})

    async def _refuse(self, ws: ServerConnection, code: str, message: str) -> None:
        try:
            await ws.send(p.dumps({"type": "error", "code": code, "message": message}))
            await ws.close(CLOSE_REFUSED, code)
        except ConnectionClosed:
            pass

    async def _writer(self, conn: Conn) -> None:
        while True:
            text = await conn.queue.get()
            if text is None:
                return
            try:
                await conn.ws.send(text)
            except ConnectionClosed:
                return

    def _welcome(self, conn: Conn) -> dict[str, Any]:
        r = self.room
        out: dict[str, Any] = {"type": "welcome", "protocol": p.PROTOCOL, "seat": conn.seat, "kind": conn.kind,
                               "seq": r.seq, "now": _now(), "scenario": r.public_info(),
                               "phase": r.phase, "round": r.round, "seats": self.seats}
        if conn.kind == "facilitator":
            out["events"] = {eid: ev.name for eid, ev in r.rules.scenario.events.items()}
            out["indicators"] = r.indicators()
        if conn.kind == "team":
            out["team"] = r.team_info(conn.seat)
            out["offerable"] = r.offerable(conn.seat)
        return out

    def _send_event(self, conn: Conn, item: Logged) -> None:
        v = view_for(conn.seat, conn.kind, item.event, item.parties, item.extra)
        if v is not None:
            conn.push({"type": "event", "seq": item.seq, "at": item.at, "event": v})
            conn.last_seq = item.seq

    def broadcast(self, items: list[Logged]) -> None:
        for conn in list(self.conns):
            for item in items:
                self._send_event(conn, item)

    # --- requests -------------------------------------------------------------------

    def flush(self) -> None:
        """Send every event not yet sent, each through the seat's view."""
        items = self.room.log[self._flushed:]
        self._flushed = self.room.seq
        if items:
            self.broadcast(items)

    def _on_frame(self, conn: Conn, frame: str | bytes) -> None:
        try:
            req = p.parse_request(frame)
        except p.ProtocolError as exc:
            conn.push({"type": "error", "req": exc.req, "code": exc.code, "message": exc.message})
            return
        if isinstance(req, p.Ping):
            conn.push({"type": "pong", "req": req.req, "seq": self.room.seq})
            return
        answers = self._answers.setdefault(conn.seat, OrderedDict())
        if req.req in answers:  # a resend: the same answer, nothing done twice
            conn.push({**answers[req.req], "repeat": True})
            return
        if (conn.seat, req.req) in self.room.requests:  # done before a restart
            conn.push({"type": "ack", "req": req.req, "seq": self.room.requests[(conn.seat, req.req)], "repeat": True})
            return
        try:
            items, extra = self._dispatch(conn, req)
        except RoomError as exc:
            self.flush()  # whatever the flow logged before refusing (nothing, as a rule)
            conn.push({"type": "error", "req": req.req, "code": exc.code, "message": exc.message, **exc.detail})
            return
        self.flush()
        ack = {"type": "ack", "req": req.req, "seq": items[-1].seq if items else None, **extra}
        if "code" not in extra:  # a reissued code is not kept for replay
            answers[req.req] = ack
            while len(answers) > 256:
                answers.popitem(last=False)
        conn.push(ack)

    def _dispatch(self, conn: Conn, req: Any) -> tuple[list[Logged], dict[str, Any]]:
        r, kind, seat = self.room, conn.kind, conn.seat
        if req.type in p.FACILITATOR_ONLY and kind != "facilitator":
            raise RoomError("forbidden", f"only the facilitator may {req.type}")
        if req.type in p.TEAM_ONLY and kind != "team":
            raise RoomError("forbidden", f"only a team may {req.type}")
        if req.type == "submit":
            if req.role is not None and req.role != seat:
                raise RoomError("not_your_seat", f"this seat is {seat}; it cannot give orders for {req.role}")
            seq = r.already_submitted(seat, list(req.orders)) if req.round == r.round else None
            if seq is not None:  # a resend after a restart: the orders are already in
                return [r.log[seq - 1]], {"repeat": True}
            return r.submit(seat, req.round, list(req.orders)), {}
        if req.type == "draft":
            r.draft(seat, list(req.orders))
            return [], {}
        if req.type == "offer":
            return r.propose(seat, req.move, req.target), {}
        if req.type == "answer":
            return r.answer(seat, req.offer, req.answer), {}
        if req.type == "reply":
            return r.reply(seat, req.offer, req.reply), {}
        if req.type == "withdraw":
            return r.withdraw(seat, req.offer), {}
        if req.type == "message":
            if kind == "observer":
                raise RoomError("forbidden", "the observer seat sends no messages")
            return r.message(seat, req.to, req.text, req.req), {}
        if req.type == "advance":
            return r.advance(req.expect), {}
        if req.type == "clock":
            return r.set_clock(req.seconds), {}
        if req.type == "inject":
            return r.inject(req.event), {}
        if req.type == "note":
            return r.note(req.text, req.bookmark, req.req), {}
        if req.type == "override":
            return r.override(req.indicator, req.value, req.reason, req.req), {}
        if req.type == "reissue":
            if req.seat not in self.seats or req.seat == FACILITATOR:
                raise RoomError("invalid", f"no seat {req.seat!r} to reissue (the facilitator's own code stays)")
            items = r.seat_reissued(req.seat, req.req)
            code = self.codes.reissue(req.seat)
            for c in [c for c in self.conns if c.seat == req.seat]:
                c.push({"type": "error", "code": "revoked", "message": "this seat's code was revoked"})
                c.close(CLOSE_REVOKED, "code revoked")
                self.conns.discard(c)
            return items, {"seat": req.seat, "code": code}
        raise RoomError("malformed", f"unknown request {req.type!r}")

    async def ticker(self) -> None:
        """The phase clock: warnings go to every seat, and at time-up the flow locks the phase."""
        while True:
            await asyncio.sleep(0.25)
            try:
                _, notices = self.room.tick()
            except Exception:  # noqa: BLE001 - the clock must not take the server down
                log.exception("clock tick failed")
                continue
            self.flush()
            for text in notices:
                for c in list(self.conns):
                    c.push({"type": "notice", "text": text})


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")
