"""A small, realistic data set for GraphiQL: managed and custom connectors, versions, accounts."""

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.db.models import Assignment, AuthConfig, Connector, LinkedAccount
from app.db.types import utc_now
from app.domain.assignments import AssignmentKind
from app.domain.definitions import definition_to_json, parse_definition
from app.domain.enums import DeploymentState, PinSource, Role, Runtime
from app.domain.events import EventKind
from app.domain.versions import VersionContent
from app.services.access.api_keys import add_api_key
from app.services.access.projects import create_project
from app.services.effective import effective_version_now
from app.services.events import record_event
from app.services.transactions import transaction
from app.services.versions.reads import new_version_row

DEMO_PROJECT_SLUG = "acme"


def _action(
    action_id: str, description: str, *fields: str, params: list[Any] | None = None
) -> dict[str, Any]:
    return {
        "id": action_id,
        "description": description,
        "params": params or [],
        "response": [{"name": name, "type": "string", "required": name == "id"} for name in fields],
        "pagination": {"type": "cursor", "cursorParam": "cursor"},
        "filters": [],
    }


def _definition(auth_type: str, scopes: list[str], actions: list[dict[str, Any]]) -> dict[str, Any]:
    fields = [
        {"name": "client_id", "required": True},
        {"name": "client_secret", "required": True},
    ]
    if auth_type == "api_key":
        fields = [{"name": "api_key", "required": True}]
    return {
        "auth": {"type": auth_type, "scopes": scopes, "fields": fields},
        "actions": actions,
    }


_LIST_CONTACTS = _action("list_contacts", "List contacts", "id", "email", "name")
_GET_CONTACT = _action(
    "get_contact",
    "Get one contact",
    "id",
    "email",
    "name",
    params=[{"name": "id", "type": "string", "required": True}],
)
_LIST_DEALS = _action("list_deals", "List deals", "id", "amount", "stage")
_LIST_CHANNELS = _action("list_channels", "List channels", "id", "name")
_POST_MESSAGE = _action(
    "post_message",
    "Post a message",
    "id",
    params=[
        {"name": "channel", "type": "string", "required": True},
        {"name": "text", "type": "string", "required": True},
    ],
)

# (key, name, runtime, [(version, definition)])
MANAGED = [
    (
        "hubspot",
        "HubSpot",
        [
            (
                "1.0.0",
                _definition("oauth2", ["crm.objects.contacts.read"], [_LIST_CONTACTS]),
            ),
            (
                "1.1.0",
                _definition(
                    "oauth2",
                    ["crm.objects.contacts.read"],
                    [_LIST_CONTACTS, _GET_CONTACT],
                ),
            ),
            (
                "2.0.0",
                _definition(
                    "oauth2",
                    ["crm.objects.contacts.read", "crm.objects.deals.read"],
                    [_LIST_CONTACTS, _GET_CONTACT, _LIST_DEALS],
                ),
            ),
        ],
    ),
    (
        "slack",
        "Slack",
        [
            ("1.0.0", _definition("oauth2", ["channels:read"], [_LIST_CHANNELS])),
            (
                "1.1.0",
                _definition("oauth2", ["channels:read"], [_LIST_CHANNELS, _POST_MESSAGE]),
            ),
        ],
    ),
]

CUSTOM_HUBSPOT = [
    (
        "1.1.1",
        _definition("oauth2", ["crm.objects.contacts.read"], [_LIST_CONTACTS, _GET_CONTACT]),
    ),
]


async def seed_demo(session: AsyncSession) -> list[str]:
    """Seed the demo data and return the lines to print (keys are shown only here)."""
    created = await create_project(session, actor=None, slug=DEMO_PROJECT_SLUG, name="Acme Inc.")
    project = created.project
    now = utc_now()
    async with transaction(session):
        platform = add_api_key(
            session,
            project_id=None,
            name="Demo platform admin",
            role=Role.PLATFORM_ADMIN,
        )
        viewer = add_api_key(session, project_id=project.id, name="Demo viewer", role=Role.VIEWER)
        for key, name, versions in MANAGED:
            connector = Connector(project_id=None, key=key, name=name, runtime=Runtime.DEFINITION)
            session.add(connector)
            await session.flush()
            for number, definition in versions:
                _add_published(session, connector, number, definition, now)

        custom = Connector(
            project_id=project.id,
            key="hubspot",
            name="HubSpot (Acme fork)",
            description="Acme's own HubSpot connector with a fixed contact lookup.",
            runtime=Runtime.DEFINITION,
        )
        image = Connector(
            project_id=project.id,
            key="acme-erp",
            name="Acme ERP",
            description="Built from Acme's repository and deployed per version.",
            runtime=Runtime.IMAGE,
        )
        session.add_all([custom, image])
        await session.flush()
        for number, definition in CUSTOM_HUBSPOT:
            _add_published(session, custom, number, definition, now)
        erp_v1 = new_version_row(
            connector_id=image.id,
            number="1.0.0",
            content=VersionContent(
                name="Acme ERP",
                description="First release",
                readme="# Acme ERP\n",
                definition=None,
                config={
                    "vcs": {
                        "repository": "git@example.com:acme/erp-connector.git",
                        "ref": "v1.0.0",
                    }
                },
            ),
            published_at=now,
            state=DeploymentState.RELEASED,
        )
        erp_v1.prod_environment = {
            "accountId": "acme",
            "projectId": "erp",
            "siteId": "prod-1",
        }
        erp_v2 = new_version_row(
            connector_id=image.id,
            number="2.0.0",
            content=VersionContent(
                name="Acme ERP",
                description="New order API",
                readme="# Acme ERP\n",
                definition=None,
                config={
                    "vcs": {
                        "repository": "git@example.com:acme/erp-connector.git",
                        "ref": "main",
                    }
                },
            ),
            state=DeploymentState.DEV_SYNCED,
        )
        erp_v2.dev_environment = {
            "accountId": "acme",
            "projectId": "erp",
            "siteId": "dev-2",
        }
        session.add_all([erp_v1, erp_v2])
        await session.flush()
        # The released ERP version feeds a datasource on Acme's prod site: it cannot be binned
        # until that assignment is removed.
        session.add(
            Assignment(
                version_id=erp_v1.id,
                project_id=project.id,
                site_id="prod-1",
                kind=AssignmentKind.DATASOURCE,
                external_reference="orders-daily",
            )
        )

        crm = AuthConfig(project_id=project.id, connector_key="hubspot", name="CRM sync")
        legacy = AuthConfig(
            project_id=project.id,
            connector_key="hubspot",
            name="Legacy CRM export",
            pin="1.x.x",
            pin_source=PinSource.MANAGED,
        )
        chat = AuthConfig(project_id=project.id, connector_key="slack", name="Team notifications")
        session.add_all([crm, legacy, chat])
        await session.flush()
        accounts = [
            (crm, "customer-1001"),
            (crm, "customer-1002"),
            (crm, "customer-1003"),
            (legacy, "customer-0042"),
            (chat, "workspace-acme"),
        ]
        for index, (config, external_id) in enumerate(accounts):
            version = (await effective_version_now(session, auth_config=config)).chosen
            session.add(
                LinkedAccount(
                    auth_config_id=config.id,
                    external_id=external_id,
                    label=f"Account {index + 1}",
                    authenticated_version_id=version.id if version else None,
                    authenticated_revision=version.revision if version else None,
                    authenticated_at=now,
                )
            )
        record_event(session, actor=None, kind=EventKind.DEMO_SEEDED, project_id=project.id)

    return [
        f"Demo data seeded in project {DEMO_PROJECT_SLUG!r}. Keys (shown once):",
        f"  ADMIN           {created.admin_key.secret}",
        f"  VIEWER          {viewer.secret}",
        f"  PLATFORM_ADMIN  {platform.secret}",
        'In GraphiQL, set the header {"Authorization": "Bearer <key>"} and try:',
        (
            "  { authConfigs { edges { node { name pin pinSource effectiveVersion { version "
            "{ version } source reason } linkedAccounts { edges { node { externalId status } } } "
            "} } } }"
        ),
        (
            '  { connector(key: "acme-erp") { versions { edges { node { displayName '
            "assignments { edges { node { siteId kind externalReference } } } "
            "usage { inUse } } } } } }"
        ),
    ]


def _add_published(
    session: AsyncSession,
    connector: Connector,
    number: str,
    definition: dict[str, Any],
    now: Any,
) -> None:
    session.add(
        new_version_row(
            connector_id=connector.id,
            number=number,
            content=VersionContent(
                name=connector.name,
                description=f"{connector.name} {number}",
                readme=f"# {connector.name}\n\nVersion {number}.\n",
                definition=definition_to_json(parse_definition(definition)),
                config={},
            ),
            published_at=now,
            state=DeploymentState.RELEASED,
        )
    )
