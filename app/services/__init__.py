"""Async operations. Each write owns its transaction and records an event in it."""
