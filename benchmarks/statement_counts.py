"""The statements figure: how many statements a warm lookup sends to PostgreSQL.

A server of its own (one worker) talks to PostgreSQL through the counting relay
(`benchmarks.wire`); after a few lookups to warm it (its pool's connections open, its statements
prepared, whatever it caches filled), the relay's counts are cleared and `LOOKUPS` more lookups
are sent one after the other over one connection. Statements per lookup = what the relay saw
divided by the lookups; transaction control (BEGIN, COMMIT, ROLLBACK) is counted apart, and each
statement is listed with its count per lookup. The plain endpoint is counted the same way, as a
yardstick. Whatever else the server sends meanwhile (its listener's health probe, the key's
last-use bookkeeping) is in the count too, and shows in the list under its own text.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import URL

from benchmarks import servers
from benchmarks.databases import asyncpg_dsn
from benchmarks.load import Request
from benchmarks.queries import LOOKUP, graphql_request, plain_request
from benchmarks.wire import StatementCounter, Tally, counting

WARM_UP = 20
LOOKUPS = 200


@dataclass(frozen=True)
class StatementCount:
    """What `lookups` warm lookups of one server sent."""

    server: str
    lookups: int
    tally: Tally

    @property
    def per_lookup(self) -> float:
        return sum(self.tally.statements.values()) / self.lookups

    @property
    def transaction_control_per_lookup(self) -> float:
        return sum(self.tally.transaction_control.values()) / self.lookups

    def as_json(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "lookups": self.lookups,
            "statements_per_lookup": self.per_lookup,
            "transaction_control_per_lookup": self.transaction_control_per_lookup,
            "statements": dict(self.tally.statements.most_common()),
            "transaction_control": dict(self.tally.transaction_control.most_common()),
        }


def count_statements(
    url: URL,
    *,
    viewer_key: str,
    auth_config_id: str,
    logs: Path,
    with_plain: bool,
    lookups: int = LOOKUPS,
) -> list[StatementCount]:
    """The GraphQL server's statements per warm lookup, and the plain endpoint's if asked."""
    counts = []
    with counting(url.host or "127.0.0.1", url.port or 5432) as counter:
        relayed = url.set(host="127.0.0.1", port=counter.port)
        with servers.registry(
            relayed, workers=1, pool_size=2, log=logs / "statements-graphql.log"
        ) as graphql:
            request = graphql_request(graphql.base_url, viewer_key, LOOKUP, id=auth_config_id)
            counts.append(_count(counter, "GraphQL", request, lookups))
        if with_plain:
            with servers.plain(
                url,
                workers=1,
                pool_size=2,
                log=logs / "statements-plain.log",
                environment={"PLAIN_DATABASE_URL": asyncpg_dsn(relayed)},
            ) as plain:
                request = plain_request(plain.base_url, viewer_key, auth_config_id)
                counts.append(_count(counter, "plain", request, lookups))
    return counts


def _count(counter: StatementCounter, name: str, request: Request, lookups: int) -> StatementCount:
    with httpx.Client(headers=request.headers, timeout=60) as client:

        def send() -> None:
            response = client.post(request.url, content=request.body)
            if response.status_code != 200 or "errors" in response.json():
                raise RuntimeError(f"statements ({name}): {response.status_code} {response.text}")

        for _ in range(WARM_UP):
            send()
        counter.reset()
        for _ in range(lookups):
            send()
        return StatementCount(server=name, lookups=lookups, tally=counter.snapshot())
