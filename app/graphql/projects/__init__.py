"""GraphQL types, queries and mutations for projects."""
