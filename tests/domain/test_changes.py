"""Breaking-change classification (DESIGN §4): every rule, in both directions."""

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import semver

from app.domain.changes import (
    Bump,
    Change,
    classify_changes,
    declared_bump,
    required_bump,
    requires_reauthentication,
)
from app.domain.definitions import ConnectorDefinition, parse_definition

Json = dict[str, Any]
MAJOR, MINOR, PATCH = Bump.MAJOR, Bump.MINOR, Bump.PATCH

BASE: Json = {
    "auth": {
        "type": "oauth2",
        "scopes": ["contacts.read"],
        "fields": [
            {"name": "client_id", "required": True, "description": "From the app settings"},
            {"name": "region"},
        ],
    },
    "actions": [
        {
            "id": "list_contacts",
            "description": "List contacts",
            "params": [
                {"name": "limit", "type": "integer", "default": 100, "description": "Page size"},
                {"name": "since", "type": "datetime"},
                {"name": "owner", "type": "string", "required": True},
            ],
            "response": [
                {"name": "id", "type": "string", "required": True, "description": "Contact id"},
                {"name": "email", "type": "string"},
                {
                    "name": "company",
                    "type": "object",
                    "fields": [
                        {"name": "name", "type": "string", "required": True},
                        {
                            "name": "address",
                            "type": "object",
                            "fields": [{"name": "city", "type": "string"}],
                        },
                    ],
                },
                {"name": "tags", "type": "array"},
            ],
            "pagination": {"type": "cursor", "cursorParam": "cursor"},
            "filters": [
                {"name": "status", "type": "string", "operators": ["eq", "in"]},
                {"name": "created", "type": "datetime", "description": "Creation time"},
            ],
        },
        {"id": "get_contact", "description": "Get one contact"},
    ],
}

LIST = "actions[list_contacts]"


def definition(data: Json) -> ConnectorDefinition:
    return parse_definition(data)


def edited(edit: Callable[[Json], object]) -> Json:
    data = copy.deepcopy(BASE)
    edit(data)
    return data


def action(data: Json) -> Json:
    result: Json = data["actions"][0]
    return result


def auth(data: Json) -> Json:
    result: Json = data["auth"]
    return result


def param(data: Json, index: int) -> Json:
    result: Json = action(data)["params"][index]
    return result


def response(data: Json, *indexes: int) -> Json:
    """The response field at `indexes`: (2, 1) is the second nested field of the third field."""
    fields = action(data)["response"]
    field: Json = {}
    for index in indexes:
        field = fields[index]
        fields = field.get("fields", [])
    return field


def credential_field(data: Json, index: int) -> Json:
    result: Json = auth(data)["fields"][index]
    return result


@dataclass(frozen=True)
class Rule:
    """An edit of BASE, and the changes it makes forwards (BASE -> edited) and backwards."""

    forward_id: str
    backward_id: str
    edit: Callable[[Json], object]
    forward: list[tuple[Bump, str]]
    backward: list[tuple[Bump, str]]


RULES = [
    # auth
    Rule(
        "auth-type-changed",
        "auth-type-changed-back",
        lambda d: auth(d).update(type="api_key"),
        [(MAJOR, "auth.type")],
        [(MAJOR, "auth.type")],
    ),
    Rule(
        "scope-added",
        "scope-removed",
        lambda d: auth(d)["scopes"].append("deals.read"),
        [(MAJOR, "auth.scopes[deals.read]")],
        [(PATCH, "auth.scopes[deals.read]")],
    ),
    Rule(
        "required-credential-field-added",
        "required-credential-field-removed",
        lambda d: auth(d)["fields"].append({"name": "tenant", "required": True}),
        [(MAJOR, "auth.fields[tenant]")],
        [(MAJOR, "auth.fields[tenant]")],
    ),
    Rule(
        "required-credential-field-renamed",
        "required-credential-field-renamed-back",
        lambda d: credential_field(d, 0).update(name="app_id"),
        [(MAJOR, "auth.fields[app_id]"), (MAJOR, "auth.fields[client_id]")],
        [(MAJOR, "auth.fields[app_id]"), (MAJOR, "auth.fields[client_id]")],
    ),
    Rule(
        "optional-credential-field-made-required",
        "required-credential-field-made-optional",
        lambda d: credential_field(d, 1).update(required=True),
        [(MAJOR, "auth.fields[region].required")],
        [(MINOR, "auth.fields[region].required")],
    ),
    Rule(
        "optional-credential-field-added",
        "optional-credential-field-removed",
        lambda d: auth(d)["fields"].append({"name": "sandbox"}),
        [(MINOR, "auth.fields[sandbox]")],
        [(MINOR, "auth.fields[sandbox]")],
    ),
    Rule(
        "credential-field-description-changed",
        "credential-field-description-changed-back",
        lambda d: credential_field(d, 0).update(description="See Settings > Apps"),
        [(PATCH, "auth.fields[client_id].description")],
        [(PATCH, "auth.fields[client_id].description")],
    ),
    # actions
    Rule(
        "action-added",
        "action-removed",
        lambda d: d["actions"].append({"id": "list_deals"}),
        [(MINOR, "actions[list_deals]")],
        [(MAJOR, "actions[list_deals]")],
    ),
    Rule(
        "action-renamed",
        "action-renamed-back",
        lambda d: d["actions"][1].update(id="fetch_contact"),
        [(MINOR, "actions[fetch_contact]"), (MAJOR, "actions[get_contact]")],
        [(MINOR, "actions[get_contact]"), (MAJOR, "actions[fetch_contact]")],
    ),
    Rule(
        "action-description-changed",
        "action-description-changed-back",
        lambda d: action(d).update(description="List all contacts"),
        [(PATCH, f"{LIST}.description")],
        [(PATCH, f"{LIST}.description")],
    ),
    # params
    Rule(
        "optional-param-added",
        "optional-param-removed",
        lambda d: action(d)["params"].append({"name": "archived", "type": "boolean"}),
        [(MINOR, f"{LIST}.params[archived]")],
        [(MAJOR, f"{LIST}.params[archived]")],
    ),
    Rule(
        "optional-param-with-default-added",
        "optional-param-with-default-removed",
        lambda d: action(d)["params"].append(
            {"name": "archived", "type": "boolean", "default": False}
        ),
        [(MINOR, f"{LIST}.params[archived]")],
        [(MAJOR, f"{LIST}.params[archived]")],
    ),
    Rule(
        "required-param-added",
        "required-param-removed",
        lambda d: action(d)["params"].append({"name": "list", "type": "string", "required": True}),
        [(MAJOR, f"{LIST}.params[list]")],
        [(MAJOR, f"{LIST}.params[list]")],
    ),
    Rule(
        "param-renamed",
        "param-renamed-back",
        lambda d: param(d, 1).update(name="updated_since"),
        [(MAJOR, f"{LIST}.params[since]"), (MINOR, f"{LIST}.params[updated_since]")],
        [(MINOR, f"{LIST}.params[since]"), (MAJOR, f"{LIST}.params[updated_since]")],
    ),
    Rule(
        "param-retyped",
        "param-retyped-back",
        lambda d: param(d, 1).update(type="date"),
        [(MAJOR, f"{LIST}.params[since].type")],
        [(MAJOR, f"{LIST}.params[since].type")],
    ),
    Rule(
        "param-made-required",
        "param-made-optional",
        lambda d: param(d, 1).update(required=True),
        [(MAJOR, f"{LIST}.params[since].required")],
        [(MINOR, f"{LIST}.params[since].required")],
    ),
    Rule(
        "param-default-raised",
        "param-default-lowered",
        lambda d: param(d, 0).update(default=200),
        [(MAJOR, f"{LIST}.params[limit].default")],
        [(MAJOR, f"{LIST}.params[limit].default")],
    ),
    Rule(
        "param-default-added",
        "param-default-removed",
        lambda d: param(d, 1).update(default="2020-01-01T00:00:00Z"),
        [(MAJOR, f"{LIST}.params[since].default")],
        [(MAJOR, f"{LIST}.params[since].default")],
    ),
    Rule(
        "param-description-changed",
        "param-description-changed-back",
        lambda d: param(d, 0).update(description="How many contacts per page"),
        [(PATCH, f"{LIST}.params[limit].description")],
        [(PATCH, f"{LIST}.params[limit].description")],
    ),
    # response fields
    Rule(
        "response-field-added",
        "response-field-removed",
        lambda d: action(d)["response"].append({"name": "phone", "type": "string"}),
        [(MINOR, f"{LIST}.response[phone]")],
        [(MAJOR, f"{LIST}.response[phone]")],
    ),
    Rule(
        "required-response-field-added",
        "required-response-field-removed",
        lambda d: action(d)["response"].append(
            {"name": "phone", "type": "string", "required": True}
        ),
        [(MINOR, f"{LIST}.response[phone]")],
        [(MAJOR, f"{LIST}.response[phone]")],
    ),
    Rule(
        "response-field-renamed",
        "response-field-renamed-back",
        lambda d: response(d, 1).update(name="email_address"),
        [(MAJOR, f"{LIST}.response[email]"), (MINOR, f"{LIST}.response[email_address]")],
        [(MINOR, f"{LIST}.response[email]"), (MAJOR, f"{LIST}.response[email_address]")],
    ),
    Rule(
        "response-field-retyped",
        "response-field-retyped-back",
        lambda d: response(d, 0).update(type="integer"),
        [(MAJOR, f"{LIST}.response[id].type")],
        [(MAJOR, f"{LIST}.response[id].type")],
    ),
    Rule(
        "object-response-field-retyped",
        "object-response-field-retyped-back",
        lambda d: response(d, 2).update(type="array"),
        [(MAJOR, f"{LIST}.response[company].type")],
        [(MAJOR, f"{LIST}.response[company].type")],
    ),
    Rule(
        "response-field-made-optional",
        "response-field-made-required",
        lambda d: response(d, 0).update(required=False),
        [(MAJOR, f"{LIST}.response[id].required")],
        [(MINOR, f"{LIST}.response[id].required")],
    ),
    Rule(
        "nested-response-field-added",
        "nested-response-field-removed",
        lambda d: response(d, 2)["fields"].append({"name": "domain", "type": "string"}),
        [(MINOR, f"{LIST}.response[company].fields[domain]")],
        [(MAJOR, f"{LIST}.response[company].fields[domain]")],
    ),
    Rule(
        "nested-response-field-retyped",
        "nested-response-field-retyped-back",
        lambda d: response(d, 2, 0).update(type="object", fields=[{"name": "x", "type": "string"}]),
        [(MAJOR, f"{LIST}.response[company].fields[name].type")],
        [(MAJOR, f"{LIST}.response[company].fields[name].type")],
    ),
    Rule(
        "nested-response-field-made-optional",
        "nested-response-field-made-required",
        lambda d: response(d, 2, 0).update(required=False),
        [(MAJOR, f"{LIST}.response[company].fields[name].required")],
        [(MINOR, f"{LIST}.response[company].fields[name].required")],
    ),
    Rule(
        "deeply-nested-response-field-added",
        "deeply-nested-response-field-removed",
        lambda d: response(d, 2, 1)["fields"].append({"name": "zip", "type": "string"}),
        [(MINOR, f"{LIST}.response[company].fields[address].fields[zip]")],
        [(MAJOR, f"{LIST}.response[company].fields[address].fields[zip]")],
    ),
    Rule(
        "deeply-nested-response-field-retyped",
        "deeply-nested-response-field-retyped-back",
        lambda d: response(d, 2, 1, 0).update(type="integer"),
        [(MAJOR, f"{LIST}.response[company].fields[address].fields[city].type")],
        [(MAJOR, f"{LIST}.response[company].fields[address].fields[city].type")],
    ),
    Rule(
        "response-field-gains-nested-fields",
        "response-field-loses-nested-fields",
        lambda d: response(d, 3).update(fields=[{"name": "label", "type": "string"}]),
        [(MAJOR, f"{LIST}.response[tags].fields")],
        [(MAJOR, f"{LIST}.response[tags].fields")],
    ),
    Rule(
        "response-field-description-changed",
        "response-field-description-changed-back",
        lambda d: response(d, 0).update(description="The contact's id"),
        [(PATCH, f"{LIST}.response[id].description")],
        [(PATCH, f"{LIST}.response[id].description")],
    ),
    Rule(
        "nested-response-field-description-added",
        "nested-response-field-description-removed",
        lambda d: response(d, 2, 0).update(description="Legal name"),
        [(PATCH, f"{LIST}.response[company].fields[name].description")],
        [(PATCH, f"{LIST}.response[company].fields[name].description")],
    ),
    # pagination
    Rule(
        "pagination-removed",
        "pagination-added",
        lambda d: action(d).update(pagination=None),
        [(MAJOR, f"{LIST}.pagination")],
        [(MAJOR, f"{LIST}.pagination")],
    ),
    Rule(
        "pagination-type-changed",
        "pagination-type-changed-back",
        lambda d: action(d).update(pagination={"type": "offset"}),
        [(MAJOR, f"{LIST}.pagination")],
        [(MAJOR, f"{LIST}.pagination")],
    ),
    Rule(
        "pagination-settings-changed",
        "pagination-settings-changed-back",
        lambda d: action(d)["pagination"].update(cursorParam="after"),
        [(MAJOR, f"{LIST}.pagination")],
        [(MAJOR, f"{LIST}.pagination")],
    ),
    # filters
    Rule(
        "filter-added",
        "filter-removed",
        lambda d: action(d)["filters"].append({"name": "owner", "type": "string"}),
        [(MINOR, f"{LIST}.filters[owner]")],
        [(MAJOR, f"{LIST}.filters[owner]")],
    ),
    Rule(
        "filter-renamed",
        "filter-renamed-back",
        lambda d: action(d)["filters"][0].update(name="state"),
        [(MINOR, f"{LIST}.filters[state]"), (MAJOR, f"{LIST}.filters[status]")],
        [(MINOR, f"{LIST}.filters[status]"), (MAJOR, f"{LIST}.filters[state]")],
    ),
    Rule(
        "filter-retyped",
        "filter-retyped-back",
        lambda d: action(d)["filters"][1].update(type="date"),
        [(MAJOR, f"{LIST}.filters[created].type")],
        [(MAJOR, f"{LIST}.filters[created].type")],
    ),
    Rule(
        "filter-operator-added",
        "filter-operator-removed",
        lambda d: action(d)["filters"][0]["operators"].append("ne"),
        [(MAJOR, f"{LIST}.filters[status].operators")],
        [(MAJOR, f"{LIST}.filters[status].operators")],
    ),
    Rule(
        "filter-description-changed",
        "filter-description-changed-back",
        lambda d: action(d)["filters"][1].update(description="When the contact was created"),
        [(PATCH, f"{LIST}.filters[created].description")],
        [(PATCH, f"{LIST}.filters[created].description")],
    ),
]


def _directions() -> list[Any]:
    rows = []
    for rule in RULES:
        rows.append(pytest.param(BASE, edited(rule.edit), rule.forward, id=rule.forward_id))
        rows.append(pytest.param(edited(rule.edit), BASE, rule.backward, id=rule.backward_id))
    return rows


@pytest.mark.parametrize(("old", "new", "expected"), _directions())
def test_each_rule_classifies_its_change(
    old: Json, new: Json, expected: list[tuple[Bump, str]]
) -> None:
    changes = classify_changes(definition(old), definition(new))

    assert sorted((change.bump, change.path) for change in changes) == sorted(expected)
    assert required_bump(changes) == max(bump for bump, _ in expected)
    for change in changes:
        assert change.affects_auth == change.path.startswith("auth")


def test_rule_ids_are_unique() -> None:
    ids = [rule.forward_id for rule in RULES] + [rule.backward_id for rule in RULES]
    assert len(ids) == len(set(ids))


def test_identical_definitions_have_no_changes() -> None:
    changes = classify_changes(definition(BASE), definition(copy.deepcopy(BASE)))

    assert changes == []
    assert required_bump(changes) is None


def _reorder(data: Json) -> None:
    auth(data)["fields"].reverse()
    auth(data)["scopes"].insert(0, "a.read")
    action(data)["params"].reverse()
    action(data)["response"].reverse()
    action(data)["filters"].reverse()
    action(data)["filters"][1]["operators"].reverse()
    data["actions"].reverse()


def test_order_is_not_a_change() -> None:
    before = edited(lambda d: auth(d)["scopes"].append("a.read"))

    assert classify_changes(definition(before), definition(edited(_reorder))) == []


@pytest.mark.parametrize(
    "equivalent",
    [
        pytest.param(lambda d: action(d)["params"][1].update(default=None), id="null-default"),
        pytest.param(lambda d: action(d)["params"][1].update(required=False), id="explicit-false"),
        pytest.param(lambda d: d["actions"][1].update(pagination={"type": "none"}), id="no-paging"),
        pytest.param(lambda d: d["actions"][1].update(filters=[]), id="explicit-empty-list"),
    ],
)
def test_spelling_out_a_default_is_not_a_change(equivalent: Callable[[Json], object]) -> None:
    assert classify_changes(definition(BASE), definition(edited(equivalent))) == []


def test_a_number_default_compares_as_json() -> None:
    old = edited(lambda d: param(d, 0).update(type="number", default=1))
    new = edited(lambda d: param(d, 0).update(type="number", default=1.5))

    [change] = classify_changes(definition(old), definition(new))

    assert (
        change.description
        == "default of param 'limit' of action 'list_contacts' changed from 1 to 1.5"
    )


@pytest.mark.parametrize(
    ("edit", "description"),
    [
        (
            lambda d: action(d)["params"].pop(0),
            "param 'limit' of action 'list_contacts' was removed",
        ),
        (
            lambda d: action(d)["params"].append({"name": "q", "type": "string"}),
            "optional param 'q' of action 'list_contacts' was added",
        ),
        (
            lambda d: param(d, 1).update(default="2020-01-01"),
            (
                "default of param 'since' of action 'list_contacts' changed from no default to "
                '"2020-01-01"'
            ),
        ),
        (
            lambda d: response(d, 2, 1, 0).update(type="integer"),
            (
                "response field 'company.address.city' of action 'list_contacts' changed type from "
                "string to integer"
            ),
        ),
        (
            lambda d: response(d, 3).update(fields=[{"name": "label", "type": "string"}]),
            (
                "response field 'tags' of action 'list_contacts' was restructured: "
                "it now has nested fields"
            ),
        ),
        (
            lambda d: response(d, 0).update(required=False),
            "response field 'id' of action 'list_contacts' is no longer always present",
        ),
        (
            lambda d: action(d).update(pagination={"type": "page"}),
            "pagination of action 'list_contacts' changed from cursor to page",
        ),
        (
            lambda d: action(d).update(pagination=None),
            "cursor pagination was removed from action 'list_contacts'",
        ),
        (
            lambda d: action(d)["filters"][0].update(operators=["eq"]),
            "operators of filter 'status' of action 'list_contacts' changed from [eq, in] to [eq]",
        ),
        (lambda d: auth(d).update(type="basic"), "auth type changed from 'oauth2' to 'basic'"),
        (lambda d: auth(d)["scopes"].append("x"), "scope 'x' was added"),
        (
            lambda d: credential_field(d, 1).update(required=True),
            "credential field 'region' is now required",
        ),
        (lambda d: d["actions"].pop(1), "action 'get_contact' was removed"),
    ],
)
def test_descriptions_say_what_changed(edit: Callable[[Json], object], description: str) -> None:
    [change] = classify_changes(definition(BASE), definition(edited(edit)))

    assert change.description == description


def test_changes_are_sorted_by_path() -> None:
    def many(data: Json) -> None:
        auth(data)["scopes"].append("deals.read")
        data["actions"].append({"id": "a_first"})
        param(data, 0).update(type="number", default=None)
        response(data, 0).update(description="changed")

    changes = classify_changes(definition(BASE), definition(edited(many)))

    assert [change.path for change in changes] == [
        "actions[a_first]",
        f"{LIST}.params[limit].default",
        f"{LIST}.params[limit].type",
        f"{LIST}.response[id].description",
        "auth.scopes[deals.read]",
    ]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        pytest.param(lambda d: auth(d).update(type="basic"), True, id="auth-type-changed"),
        pytest.param(lambda d: auth(d)["scopes"].append("x"), True, id="scope-added"),
        pytest.param(lambda d: auth(d)["scopes"].clear(), False, id="scope-removed"),
        pytest.param(
            lambda d: auth(d)["fields"].append({"name": "t", "required": True}),
            True,
            id="required-credential-field-added",
        ),
        pytest.param(
            lambda d: auth(d)["fields"].append({"name": "t"}),
            False,
            id="optional-credential-field-added",
        ),
        pytest.param(
            lambda d: credential_field(d, 0).update(required=False),
            False,
            id="credential-field-made-optional",
        ),
        pytest.param(
            lambda d: credential_field(d, 0).update(description="x"),
            False,
            id="credential-description-changed",
        ),
        pytest.param(lambda d: d["actions"].pop(), False, id="action-removed"),
        pytest.param(lambda d: None, False, id="nothing-changed"),
    ],
)
def test_only_major_auth_changes_require_reauthentication(
    edit: Callable[[Json], object], expected: bool
) -> None:
    assert requires_reauthentication(definition(BASE), definition(edited(edit))) is expected


def test_bumps_are_ordered_patch_minor_major() -> None:
    assert PATCH < MINOR < MAJOR
    assert MAJOR > MINOR >= MINOR > PATCH
    assert sorted([MAJOR, PATCH, MINOR]) == [PATCH, MINOR, MAJOR]
    assert [bump.rank for bump in Bump] == [0, 1, 2]


def test_required_bump_is_the_largest_and_none_without_changes() -> None:
    def change(bump: Bump) -> Change:
        return Change(bump=bump, path="p", description="d")

    assert required_bump([]) is None
    assert required_bump([change(PATCH)]) is PATCH
    assert required_bump([change(PATCH), change(MAJOR), change(MINOR)]) is MAJOR


@pytest.mark.parametrize(
    ("previous", "new", "expected"),
    [
        pytest.param("1.2.4", "1.2.5", PATCH, id="patch"),
        pytest.param("1.2.9", "1.3.0", MINOR, id="minor"),
        pytest.param("1.9.0", "2.0.0", MAJOR, id="major"),
        pytest.param("1.2.0", "1.2.0", None, id="same"),
        pytest.param("1.2.5", "1.2.4", None, id="lower-patch"),
        pytest.param("2.0.0", "1.9.9", None, id="lower-major"),
        pytest.param("1.2.4", "1.2.5", PATCH, id="backport-compared-with-its-own-line"),
        pytest.param("1.4.0", "2.0.0-beta.1", MAJOR, id="prerelease-of-a-major"),
        pytest.param("1.2.0", "1.3.0-rc.1", MINOR, id="prerelease-of-a-minor"),
        pytest.param("2.0.0-beta.1", "2.0.0-beta.2", PATCH, id="next-prerelease"),
        pytest.param("2.0.0-rc.1", "2.0.0", PATCH, id="release-after-its-prerelease"),
        pytest.param("2.0.0", "2.0.0-rc.1", None, id="prerelease-after-its-release"),
        pytest.param("1.2.0+build.1", "1.2.0+build.2", None, id="only-build-metadata"),
        pytest.param("1.2.0+build.9", "1.2.1+build.1", PATCH, id="patch-with-build-metadata"),
    ],
)
def test_declared_bump(previous: str, new: str, expected: Bump | None) -> None:
    assert declared_bump(semver.Version.parse(previous), semver.Version.parse(new)) == expected
