"""The scenario format and its loader (no UI imports here)."""
