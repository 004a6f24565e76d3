"""Site assignments of versions (DESIGN §10)."""
