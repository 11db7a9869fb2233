"""Widgets of the wargame app."""
