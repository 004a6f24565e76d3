"""Persisted-query requests as Apollo clients send them, for the tests."""

from typing import Any

import httpx

from app.domain.persisted_documents import document_hash


def persisted_query(sha256_hash: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256_hash}}


async def post(
    http: httpx.AsyncClient,
    key: str,
    *,
    sha256_hash: str | None = None,
    query: str | None = None,
    variables: dict[str, Any] | None = None,
) -> httpx.Response:
    """A POST with the id (`sha256_hash`, the query's own by default), the query, or both."""
    body: dict[str, Any] = {"variables": variables or {}}
    if query is not None:
        body["query"] = query
    if sha256_hash is not None or query is None:
        assert sha256_hash is not None, "send an id or a query"
    body["extensions"] = persisted_query(sha256_hash) if sha256_hash else None
    return await http.post("/graphql", json=body, headers={"Authorization": f"Bearer {key}"})


async def get(http: httpx.AsyncClient, key: str, *, sha256_hash: str) -> httpx.Response:
    """A GET with the id alone, as `useGETForHashedQueries` sends it (with a browser's Accept)."""
    import json

    return await http.get(
        "/graphql",
        params={"extensions": json.dumps(persisted_query(sha256_hash))},
        headers={"Authorization": f"Bearer {key}", "Accept": "*/*"},
    )


def code_of(response: httpx.Response) -> str:
    (error,) = response.json()["errors"]
    return str(error["extensions"]["code"])


__all__ = ["code_of", "document_hash", "get", "persisted_query", "post"]
