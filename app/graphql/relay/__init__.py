"""Relay plumbing: global ids, the node/entity base every type shares, and keyset connections."""
