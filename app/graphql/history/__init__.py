"""History: what an account or an auth config ran at a past instant, and its timeline (§15)."""
