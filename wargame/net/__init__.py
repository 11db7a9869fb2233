"""The exercise server: one game (a wargame.play.Flow) served to every seat over
WebSockets, and the client side of it. The wire protocol is in docs/protocol.md."""
