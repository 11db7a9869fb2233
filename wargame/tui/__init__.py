"""The Textual app: renders what the engine returns and dispatches the user's actions."""
