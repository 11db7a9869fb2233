"""The rules engine: pure functions from (rules, state, orders, rng) to (state, trace).

Import from the submodules: ``wargame.engine.resolve``, ``.game``, ``.bots``.
"""
