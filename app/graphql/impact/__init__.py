"""The impact preview (DESIGN §12)."""
