"""Serving the schema: the `/graphql` endpoint over HTTP and websockets, and the GraphiQL page."""
