"""Deprecation, the bin, permanent delete and version usage (DESIGN §6)."""
