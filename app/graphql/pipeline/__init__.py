"""The deployment pipeline of IMAGE versions (DESIGN §3)."""
