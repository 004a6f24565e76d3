"""Contract checks: rules about where code lives, checked rather than remembered."""
