"""Rollouts: a target version for a percentage of an auth config's accounts."""
