"""GraphQL types, queries and mutations for connector versions."""
