"""Saved games: the hash-chained event log, replay, undo, fork and reports."""
