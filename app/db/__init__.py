"""Persistence: the engine, sessions and table models."""
