"""The impact preview's answer."""

from collections.abc import Mapping, Sequence
from typing import Annotated
from uuid import UUID

import strawberry
from strawberry import relay

from app.graphql.accounts.types import LinkedAccount, LinkedAccountConnection
from app.graphql.auth_configs.types import AuthConfig
from app.graphql.context import Info
from app.graphql.enums import ResolutionRule, VersionSource
from app.graphql.errors import (
    ConflictError,
    ForbiddenError,
    InsufficientVersionBumpError,
    InvalidDefinitionError,
    InvalidInputError,
    InvalidPinError,
    InvalidTransitionError,
    InvalidVersionError,
    NoRolloutInProgressError,
    NotFoundError,
    PinnedVersionNotFoundError,
    RolloutInProgressError,
    VersionExistsError,
    VersionImmutableError,
    VersionInUseError,
    VersionNumberRetiredError,
)
from app.graphql.relay.cursor_values import ROW_ID, TIMESTAMP
from app.graphql.relay.pagination import (
    CREATED_ORDER,
    DEFAULT_PAGE_SIZE,
    After,
    Counted,
    CursorShape,
    First,
    page_request,
    selects_total_count,
    to_connection,
)
from app.graphql.versions.types import ConnectorVersion
from app.services.impact import accounts as impact_accounts
from app.services.impact import preview as impact
from app.services.pages import page_of

ImpactRefusal = Annotated[
    NotFoundError
    | ForbiddenError
    | InvalidInputError
    | InvalidVersionError
    | InvalidDefinitionError
    | VersionExistsError
    | VersionImmutableError
    | VersionNumberRetiredError
    | InsufficientVersionBumpError
    | InvalidTransitionError
    | VersionInUseError
    | InvalidPinError
    | PinnedVersionNotFoundError
    | RolloutInProgressError
    | NoRolloutInProgressError
    | ConflictError,
    strawberry.union(
        "ImpactRefusal", description="Why the mutation would refuse the change: its own error."
    ),
]

MOVING_ACCOUNT_ORDER = CursorShape("moving-account", (ROW_ID, TIMESTAMP, ROW_ID))
"""By auth config, then oldest first."""


@strawberry.type(description="One side of a move: the version an auth config would run, and why.")
class ImpactVersion:
    number: str | None = strawberry.field(description="The version's number; null when none.")
    source: VersionSource | None = strawberry.field(description="Where the version comes from.")
    rule: ResolutionRule = strawberry.field(description="The rule that chose it.")
    reason: str = strawberry.field(description="The answer in a sentence.")
    version: ConnectorVersion | None = strawberry.field(
        description="The version; null when none, or when only the change would create it."
    )

    @classmethod
    def of(cls, end: impact.VersionEnd, version: ConnectorVersion | None) -> "ImpactVersion":
        return cls(
            number=end.number, source=end.source, rule=end.rule, reason=end.reason, version=version
        )


@strawberry.type(
    description="A rollout on one side of a move: the accounts whose bucket (a stable hash of "
    "the rollout's and the account's ids) is below percent * 100 run its target instead of "
    "the auth config's own version."
)
class ImpactRollout:
    rollout_id: strawberry.ID = strawberry.field(
        description="The rollout's id; a start's is the id the real start gives it (derived "
        "from the auth config and the revision), so the same accounts are in it."
    )
    percent: int = strawberry.field(description="The percentage of accounts in it, 0..100.")
    target_version_number: str = strawberry.field(description="The target's version number.")
    target_source: VersionSource = strawberry.field(description="The target's source.")
    target_version: ConnectorVersion | None = strawberry.field(
        description="The target; null should it be gone."
    )

    @classmethod
    def of(
        cls, end: impact.RolloutEnd | None, nodes: Mapping[UUID, ConnectorVersion]
    ) -> "ImpactRollout | None":
        if end is None:
            return None
        return cls(
            rollout_id=strawberry.ID(str(end.rollout_id)),
            percent=end.percent,
            target_version_number=end.target_number,
            target_source=end.target_source,
            target_version=nodes.get(end.target_version_id),
        )


@strawberry.type(
    description="An auth config whose effective version would change, or some of whose "
    "accounts would run another version (a rollout's start, percentage or end), and its "
    "accounts'."
)
class AuthConfigMove:
    auth_config: AuthConfig = strawberry.field(description="The auth config, as it is now.")
    active: bool = strawberry.field(
        description="Whether the auth config is active. An inactive one's accounts move too, "
        "but none needs re-authentication while it is inactive."
    )
    from_: ImpactVersion = strawberry.field(
        name="from",
        description="What it runs now (its own resolution: during a rollout, what the "
        "accounts outside it run).",
    )
    to: ImpactVersion = strawberry.field(
        description="What it would run after the change (its own resolution, as `from`)."
    )
    rollout_before: ImpactRollout | None = strawberry.field(
        description="Its running rollout now; null when none runs."
    )
    rollout_after: ImpactRollout | None = strawberry.field(
        description="Its running rollout after the change; null when none would run (an "
        "abort, or a completion: then `to` is the exact pin on the target)."
    )
    accounts_moving: int = strawberry.field(
        description="Its linked accounts that would run other content: all of them without a "
        "rollout; with one, an account runs the target when its bucket is below the "
        "percentage and `from`/`to` otherwise, before and after."
    )
    accounts_needing_reauthentication: int = strawberry.field(
        description="Of those, how many would need re-authentication after the change."
    )
    accounts_newly_needing_reauthentication: int = strawberry.field(
        description="Of those, how many do not need it now."
    )


@strawberry.type(description="A page of auth config moves.")
class AuthConfigMoveConnection(relay.Connection[AuthConfigMove], Counted):  # type: ignore[type-var]
    pass


async def _version_nodes(
    info: Info, moves: Sequence[impact.AuthConfigMove]
) -> dict[UUID, ConnectorVersion]:
    """The versions a page of moves shows, loaded together (one statement for the page): both
    sides' versions that exist outside the preview, and the rollouts' targets."""
    wanted: list[UUID] = []
    for move in moves:
        for end in (move.before, move.after):
            if end.version_id is not None and end.exists:
                wanted.append(end.version_id)
        for rollout in (move.rollout_before, move.rollout_after):
            if rollout is not None:
                wanted.append(rollout.target_version_id)
    ids = list(dict.fromkeys(wanted))
    headers = await info.context.loaders.version_by_id.load_many(ids)
    return {
        header.id: ConnectorVersion.from_header(header) for header in headers if header is not None
    }


def _version_node(
    end: impact.VersionEnd, nodes: Mapping[UUID, ConnectorVersion]
) -> ConnectorVersion | None:
    if end.version_id is None or not end.exists:
        return None
    return nodes.get(end.version_id)


@strawberry.type(
    description="What one change would do, found by making it and undoing it: nothing is "
    "written. Only the caller's project's auth configs are shown (a platform key's: all)."
)
class Impact:
    result: strawberry.Private[impact.Impact]
    refusal: ImpactRefusal | None = strawberry.field(
        description="The error the mutation would return; null when it would go through. With "
        "FORBIDDEN the moves are those the change would make by a key that may make it."
    )

    @strawberry.field(description="How many auth configs would run another version.")
    def auth_configs_changed(self) -> int:
        return len(self.result.moves)

    @strawberry.field(description="How many linked accounts would run another version.")
    def accounts_moving(self) -> int:
        return self.result.accounts_moving

    @strawberry.field(
        description="How many of those would need re-authentication and do not need it now."
    )
    def accounts_newly_needing_reauthentication(self) -> int:
        return self.result.accounts_newly_needing_reauthentication

    @strawberry.field(description="The auth configs whose effective version would change.")
    async def moves(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None
    ) -> AuthConfigMoveConnection:
        return await _moves_page(info, self.result.moves, first, after)

    @strawberry.field(description="The auth configs that would be left with no version.")
    async def left_without_version(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None
    ) -> AuthConfigMoveConnection:
        return await _moves_page(info, self.result.left_without_version, first, after)

    @strawberry.field(
        description="The linked accounts that would run other content (during a rollout, "
        "those whose bucket puts them where the content changes), by auth config then oldest "
        "first."
    )
    async def moving_accounts(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None
    ) -> LinkedAccountConnection:
        page = page_request(first, after, MOVING_ACCOUNT_ORDER, count=selects_total_count(info))
        sides = [move.sides for move in self.result.moves]
        async with info.context.session() as session:
            found = await impact_accounts.moving_accounts(
                session, sides=sides, page=page, total=self.result.accounts_moving
            )
        return to_connection(
            LinkedAccountConnection, found, LinkedAccount.from_row, MOVING_ACCOUNT_ORDER
        )


async def _moves_page(
    info: Info, moves: list[impact.AuthConfigMove], first: int, after: str | None
) -> AuthConfigMoveConnection:
    """A page of moves, held in memory (one per auth config in scope, at most)."""
    page = page_request(first, after, CREATED_ORDER, count=True)

    def key(move: impact.AuthConfigMove) -> tuple[object, ...]:
        return (move.auth_config.created_at, move.auth_config.id)

    rows = [move for move in moves if page.after is None or key(move) > page.after]
    found = page_of(rows[: page.limit + 1], page, key, len(moves))  # type: ignore[arg-type]
    nodes = await _version_nodes(info, found.items)
    views = [
        AuthConfigMove(
            auth_config=AuthConfig.from_row(move.auth_config),
            active=move.auth_config.active,
            from_=ImpactVersion.of(move.before, _version_node(move.before, nodes)),
            to=ImpactVersion.of(move.after, _version_node(move.after, nodes)),
            rollout_before=ImpactRollout.of(move.rollout_before, nodes),
            rollout_after=ImpactRollout.of(move.rollout_after, nodes),
            accounts_moving=move.accounts,
            accounts_needing_reauthentication=move.needing_reauthentication,
            accounts_newly_needing_reauthentication=move.newly_needing_reauthentication,
        )
        for move in found.items
    ]
    converted = dict(zip((id(item) for item in found.items), views, strict=True))
    return to_connection(
        AuthConfigMoveConnection, found, lambda move: converted[id(move)], CREATED_ORDER
    )
