"""HTTP-level concerns around the GraphQL endpoint: request limits and refusals in JSON."""
