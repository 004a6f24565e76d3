"""GraphQL types, queries and mutations for accounts."""
