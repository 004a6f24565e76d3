"""Contract checks: tests that read the code and fail when a seam is left open."""
