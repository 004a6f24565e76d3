"""The GraphQL documents the benchmark sends, and the requests built from them."""

import json
from typing import Any

from benchmarks.load import Request

LOOKUP = (
    "query Lookup($id: ID!) { node(id: $id) { ... on AuthConfig { "
    "effectiveVersion { version { version } rule source } } } }"
)
PAGES = (
    "query Pages($key: String!, $k: Int!, $n: Int!) { authConfigs(first: $k, connectorKey: $key) "
    "{ edges { node { linkedAccounts(first: $n) { edges { node { "
    "effectiveVersion { version { version } } } } } } } } }"
)
# The pages figure's document with the rule too, so an answer shows which accounts roll out.
ROLLOUT_PAGES = (
    "query RolloutPages($key: String!, $k: Int!, $n: Int!) { authConfigs(first: $k, "
    "connectorKey: $key) { edges { node { linkedAccounts(first: $n) { edges { node { "
    "effectiveVersion { version { version } rule } } } } } } } }"
)
ACCOUNTS = (
    "query Accounts($id: ID!, $after: String) { node(id: $id) { ... on AuthConfig { "
    "linkedAccounts(first: 20, after: $after) { edges { node { id externalId } } } } } }"
)
ACCOUNTS_COUNTED = (
    "query AccountsCounted($id: ID!) { node(id: $id) { ... on AuthConfig { "
    "linkedAccounts(first: 20) { totalCount edges { node { id externalId } } } } } }"
)
EVENTS = (
    "query Events($kind: EventKind) { events(first: 20, kind: $kind) "
    "{ totalCount edges { node { id kind } } } }"
)
PUSH = (
    "mutation Push($input: PushVersionInput!) { pushVersion(input: $input) { __typename "
    "... on PushVersionSuccess { changed } ... on Error { code message } } }"
)

IMPACT = (
    "query Impact($change: ChangeInput!) { impact(change: $change) { "
    "refusal { __typename } authConfigsChanged accountsMoving accountsNewlyNeedingReauthentication "
    "moves(first: 20) { edges { node { authConfig { name } from { number } to { number } "
    "accountsMoving accountsNeedingReauthentication } } } "
    "movingAccounts(first: 20) { edges { node { externalId } } } } }"
)


def graphql_request(base_url: str, key: str, document: str, /, **variables: Any) -> Request:
    body = json.dumps({"query": document, "variables": variables}).encode()
    return Request(url=f"{base_url}/graphql", body=body, headers=_headers(key))


def plain_request(base_url: str, key: str, auth_config_global_id: str) -> Request:
    body = json.dumps({"id": auth_config_global_id}).encode()
    return Request(url=f"{base_url}/resolve", body=body, headers=_headers(key))


def _headers(key: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
