"""GraphQL types, queries and mutations for auth configs."""
