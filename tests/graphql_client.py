"""A small GraphQL client for tests over any httpx client (in-process or a real server)."""

from typing import Any

import httpx


class GraphQLError(AssertionError):
    pass


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient, path: str = "/graphql") -> None:
        self.http = http
        self.path = path

    async def raw(
        self, query: str, variables: dict[str, Any] | None = None, *, key: str | None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return await self.http.post(
            self.path, json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, *, key: str
    ) -> dict[str, Any]:
        """The `data` of a successful operation; fails the test on any top-level error."""
        response = await self.raw(query, variables, key=key)
        assert response.status_code == 200, response.text
        body = response.json()
        if body.get("errors"):
            raise GraphQLError(body["errors"])
        return body["data"]  # type: ignore[no-any-return]

    async def errors(
        self, query: str, variables: dict[str, Any] | None = None, *, key: str
    ) -> list[dict[str, Any]]:
        """The top-level errors of an operation that must fail."""
        response = await self.raw(query, variables, key=key)
        body = response.json()
        assert body.get("errors"), body
        return body["errors"]  # type: ignore[no-any-return]
