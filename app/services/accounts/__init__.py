"""Auth configs and the linked accounts under them: creating, pinning, editing, rollouts."""
