"""`connector-registry impact FILE`: ask the registry what pushing the file would do, without
pushing it (`Query.impact` with the `pushVersion` input the push would send)."""

from dataclasses import dataclass, field
from typing import Any

import httpx

from app.push.client import PUSH_ERRORS, TIMEOUT_SECONDS, PushError, Refused, data_of, refused, send
from app.push.files import PushFile

MOVES_SHOWN = 100

IMPACT = f"""
query Impact($change: ChangeInput!) {{
  impact(change: $change) {{
    refusal {{ __typename {PUSH_ERRORS} }}
    authConfigsChanged accountsMoving accountsNewlyNeedingReauthentication
    moves(first: {MOVES_SHOWN}) {{
      edges {{ node {{
        authConfig {{ name }}
        from {{ number rule }} to {{ number rule }}
        accountsMoving accountsNeedingReauthentication
      }} }}
    }}
  }}
}}
"""


@dataclass(frozen=True)
class Move:
    """An auth config whose accounts would run another version."""

    auth_config: str
    before: str
    after: str
    accounts: int
    needing_reauthentication: int


@dataclass(frozen=True)
class Preview:
    """What the push would do: the moves (the first `MOVES_SHOWN`), the totals, and the push's
    refusal when it would be refused."""

    auth_configs: int
    accounts: int
    newly_needing_reauthentication: int
    moves: list[Move] = field(default_factory=list)
    refusal: Refused | None = None


def preview(
    push_file: PushFile,
    *,
    url: str,
    api_key: str,
    force: bool = False,
    timeout: float = TIMEOUT_SECONDS,
    transport: httpx.BaseTransport | None = None,
) -> Preview:
    """The registry's impact preview of pushing `push_file`; `PushError` when there is none."""
    change = {"pushVersion": push_file.variables(force=force)["input"]}
    payload = {"query": IMPACT, "variables": {"change": change}}
    response = send(payload, url=url, api_key=api_key, timeout=timeout, transport=transport)
    answer = data_of(response, "impact")
    try:
        return _preview(answer)
    except (KeyError, TypeError, ValueError):
        raise PushError(f"the answer from {response.request.url} is not an impact") from None


def _preview(answer: dict[str, Any]) -> Preview:
    return Preview(
        auth_configs=int(answer["authConfigsChanged"]),
        accounts=int(answer["accountsMoving"]),
        newly_needing_reauthentication=int(answer["accountsNewlyNeedingReauthentication"]),
        moves=[_move(edge["node"]) for edge in answer["moves"]["edges"]],
        refusal=None if answer["refusal"] is None else refused(answer["refusal"]),
    )


def _move(node: dict[str, Any]) -> Move:
    return Move(
        auth_config=str(node["authConfig"]["name"]),
        before=_side(node["from"]),
        after=_side(node["to"]),
        accounts=int(node["accountsMoving"]),
        needing_reauthentication=int(node["accountsNeedingReauthentication"]),
    )


def _side(side: dict[str, Any]) -> str:
    number = side["number"] or "no version"
    return f"{number} ({side['rule']})"
