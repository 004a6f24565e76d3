"""GraphQL types, queries and mutations for connectors."""
