"""Connector definitions: the validated model, readable problems, canonical JSON (DESIGN §4)."""

import copy
from collections.abc import Callable
from typing import Any

import pytest

from app.domain.definition_problems import format_path
from app.domain.definitions import (
    ConnectorDefinition,
    DefinitionProblem,
    InvalidDefinition,
    definition_to_json,
    parse_definition,
)
from app.domain.errors import DomainError, ErrorCode

Json = dict[str, Any]

VALID: Json = {
    "auth": {
        "type": "oauth2",
        "scopes": ["contacts.read"],
        "fields": [{"name": "client_id", "required": True}, {"name": "region"}],
    },
    "actions": [
        {
            "id": "list_contacts",
            "description": "List contacts",
            "params": [
                {"name": "limit", "type": "integer", "default": 100},
                {"name": "owner", "type": "string", "required": True},
            ],
            "response": [
                {"name": "id", "type": "string", "required": True},
                {
                    "name": "company",
                    "type": "object",
                    "fields": [{"name": "id", "type": "string", "required": True}],
                },
            ],
            "pagination": {"type": "cursor", "cursorParam": "cursor"},
            "filters": [{"name": "status", "type": "string", "operators": ["eq", "in"]}],
        },
        {"id": "get_contact"},
    ],
}


def edited(change: Callable[[Json], object]) -> Json:
    """A deep copy of VALID with one edit applied."""
    data = copy.deepcopy(VALID)
    change(data)
    return data


def problems_of(data: object) -> list[tuple[str, str]]:
    with pytest.raises(InvalidDefinition) as raised:
        parse_definition(data)
    return [(problem.path, problem.message) for problem in raised.value.problems]


def test_a_valid_definition_parses_with_defaults_filled_in() -> None:
    definition = parse_definition(VALID)

    assert isinstance(definition, ConnectorDefinition)
    assert definition.auth.fields[1].required is False
    list_contacts, get_contact = definition.actions
    assert list_contacts.params[0].default == 100
    assert list_contacts.params[1].default is None
    assert list_contacts.pagination is not None
    assert list_contacts.pagination.settings() == {"cursorParam": "cursor"}
    assert get_contact.description == ""
    assert get_contact.params == []
    assert get_contact.response == []
    assert get_contact.filters == []
    assert get_contact.pagination is None


def test_canonical_json_has_every_key_and_parses_back_to_the_same_definition() -> None:
    definition = parse_definition({"auth": {"type": "basic"}, "actions": [{"id": "ping"}]})

    assert definition_to_json(definition) == {
        "auth": {"type": "basic", "scopes": [], "fields": []},
        "actions": [
            {
                "id": "ping",
                "description": "",
                "params": [],
                "response": [],
                "pagination": None,
                "filters": [],
            }
        ],
    }
    full = parse_definition(VALID)
    assert parse_definition(definition_to_json(full)) == full
    assert definition_to_json(full)["actions"][0]["pagination"] == {
        "type": "cursor",
        "cursorParam": "cursor",
    }


def test_pagination_of_type_none_is_stored_as_no_pagination() -> None:
    data = edited(lambda d: d["actions"][0].update(pagination={"type": "none"}))

    assert parse_definition(data).actions[0].pagination is None


def test_the_same_name_may_appear_at_different_levels_and_in_different_actions() -> None:
    # "id" is a response field at the top level and inside "company"; "limit" in two actions.
    data = edited(lambda d: d["actions"][1].update(params=[{"name": "limit", "type": "integer"}]))

    parse_definition(data)


def test_array_fields_may_describe_their_items() -> None:
    tags = {"name": "tags", "type": "array", "fields": [{"name": "label", "type": "string"}]}
    data = edited(lambda d: d["actions"][0]["response"].append(tags))

    assert parse_definition(data).actions[0].response[2].fields[0].name == "label"


@pytest.mark.parametrize(
    ("default", "type_"),
    [
        ("x", "string"),
        (1, "integer"),
        (1, "number"),
        (1.5, "number"),
        (False, "boolean"),
        ({"a": 1}, "object"),
        ([1], "array"),
        ("2024-01-01", "date"),
        ("2024-01-01T00:00:00Z", "datetime"),
        (None, "integer"),
    ],
)
def test_defaults_that_fit_their_type(default: object, type_: str) -> None:
    param = {"name": "p", "type": type_, "default": default}
    parse_definition(edited(lambda d: d["actions"][1].update(params=[param])))


def _set(path: list[str | int], value: object) -> Callable[[Json], None]:
    def apply(data: Json) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return apply


def _delete(path: list[str | int]) -> Callable[[Json], None]:
    def apply(data: Json) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return apply


def _append(path: list[str | int], value: object) -> Callable[[Json], None]:
    def apply(data: Json) -> None:
        target: Any = data
        for key in path:
            target = target[key]
        target.append(value)

    return apply


TYPES = "'string', 'integer', 'number', 'boolean', 'object', 'array', 'date' or 'datetime'"
ACTION_0: list[str | int] = ["actions", 0]

INVALID = [
    pytest.param(_delete(["auth"]), [("auth", "is required")], id="auth-missing"),
    pytest.param(_delete(["actions"]), [("actions", "is required")], id="actions-missing"),
    pytest.param(_set(["extra"], 1), [("extra", "is not a known key")], id="unknown-top-level-key"),
    pytest.param(
        _set(["auth", "type"], " "), [("auth.type", "must not be blank")], id="blank-auth-type"
    ),
    pytest.param(
        _set(["auth", "type"], " oauth2"),
        [("auth.type", "must not start or end with whitespace")],
        id="auth-type-with-whitespace",
    ),
    pytest.param(_delete(["auth", "type"]), [("auth.type", "is required")], id="auth-type-missing"),
    pytest.param(
        _set(["auth", "scopes"], ["a", 2]),
        [("auth.scopes[1]", "must be a string")],
        id="scope-not-a-string",
    ),
    pytest.param(
        _set(["auth", "scopes"], ["a", "b", "a"]),
        [("auth.scopes[2]", "duplicate scope 'a' (first at auth.scopes[0])")],
        id="duplicate-scope",
    ),
    pytest.param(
        _append(["auth", "fields"], {"name": "client_id"}),
        [
            (
                "auth.fields[2].name",
                "duplicate credential field 'client_id' (first at auth.fields[0])",
            )
        ],
        id="duplicate-credential-field",
    ),
    pytest.param(
        _set(["auth", "fields", 0, "name"], ""),
        [("auth.fields[0].name", "must not be blank")],
        id="blank-credential-field-name",
    ),
    pytest.param(
        _set(["auth", "fields", 0, "required"], "yes"),
        [("auth.fields[0].required", "must be true or false")],
        id="required-not-a-boolean",
    ),
    pytest.param(
        _set(["auth", "fields", 0, "secret"], True),
        [("auth.fields[0].secret", "is not a known key")],
        id="unknown-credential-field-key",
    ),
    pytest.param(
        _set(["actions", 1, "id"], "list_contacts"),
        [("actions[1].id", "duplicate action id 'list_contacts' (first at actions[0])")],
        id="duplicate-action-id",
    ),
    pytest.param(
        _set([*ACTION_0, "id"], "  "),
        [("actions[0].id", "must not be blank")],
        id="blank-action-id",
    ),
    pytest.param(
        _set(["actions", 1], "ping"),
        [("actions[1]", "must be an object")],
        id="action-not-an-object",
    ),
    pytest.param(
        _set([*ACTION_0, "paginaton"], None),
        [("actions[0].paginaton", "is not a known key")],
        id="unknown-action-key",
    ),
    pytest.param(
        _set(["actions", 1, "params"], [{"name": "q", "type": "text"}]),
        [("actions[1].params[0].type", f"must be {TYPES}")],
        id="unknown-param-type",
    ),
    pytest.param(
        _append([*ACTION_0, "params"], {"name": "limit", "type": "string"}),
        [("actions[0].params[2].name", "duplicate param 'limit' (first at actions[0].params[0])")],
        id="duplicate-param",
    ),
    pytest.param(
        _set([*ACTION_0, "params", 0, "name"], ""),
        [("actions[0].params[0].name", "must not be blank")],
        id="blank-param-name",
    ),
    pytest.param(
        _set([*ACTION_0, "params", 0, "default"], "100"),
        [("actions[0].params[0].default", "must be a value of type integer")],
        id="default-of-the-wrong-type",
    ),
    pytest.param(
        _set([*ACTION_0, "params", 0, "default"], True),
        [("actions[0].params[0].default", "must be a value of type integer")],
        id="boolean-default-for-an-integer",
    ),
    pytest.param(
        _set([*ACTION_0, "params", 0, "default"], 1.5),
        [("actions[0].params[0].default", "must be a value of type integer")],
        id="fraction-default-for-an-integer",
    ),
    pytest.param(
        _append([*ACTION_0, "response"], {"name": "id", "type": "integer"}),
        [
            (
                "actions[0].response[2].name",
                "duplicate response field 'id' (first at actions[0].response[0])",
            )
        ],
        id="duplicate-response-field",
    ),
    pytest.param(
        _append([*ACTION_0, "response", 1, "fields"], {"name": "id", "type": "integer"}),
        [
            (
                "actions[0].response[1].fields[1].name",
                "duplicate response field 'id' (first at actions[0].response[1].fields[0])",
            )
        ],
        id="duplicate-nested-response-field",
    ),
    pytest.param(
        _set([*ACTION_0, "response", 1, "fields", 0, "type"], "uuid"),
        [("actions[0].response[1].fields[0].type", f"must be {TYPES}")],
        id="unknown-nested-field-type",
    ),
    pytest.param(
        _set([*ACTION_0, "response", 0, "fields"], [{"name": "x", "type": "string"}]),
        [
            (
                "actions[0].response[0].fields",
                "only object and array fields have nested fields, not string",
            )
        ],
        id="nested-fields-on-a-scalar",
    ),
    pytest.param(
        _set([*ACTION_0, "pagination", "type"], "infinite"),
        [("actions[0].pagination.type", "must be 'cursor', 'offset' or 'page'")],
        id="unknown-pagination-type",
    ),
    pytest.param(
        _set([*ACTION_0, "pagination"], "cursor"),
        [("actions[0].pagination", "must be an object")],
        id="pagination-not-an-object",
    ),
    pytest.param(
        _set([*ACTION_0, "pagination"], {"type": "none", "pageSize": 10}),
        [("actions[0].pagination", "type none takes no other settings")],
        id="pagination-none-with-settings",
    ),
    pytest.param(
        _set([*ACTION_0, "filters"], ["status"]),
        [("actions[0].filters[0]", "must be an object")],
        id="filter-as-a-bare-string",
    ),
    pytest.param(
        _set([*ACTION_0, "filters"], ["status", "status"]),
        [
            ("actions[0].filters[0]", "must be an object"),
            ("actions[0].filters[1]", "must be an object"),
        ],
        id="filters-as-repeated-bare-strings",
    ),
    pytest.param(
        _append([*ACTION_0, "filters"], {"name": "status", "type": "string"}),
        [
            (
                "actions[0].filters[1].name",
                "duplicate filter 'status' (first at actions[0].filters[0])",
            )
        ],
        id="duplicate-filter",
    ),
    pytest.param(
        _set([*ACTION_0, "filters", 0, "operators"], ["eq", "eq"]),
        [
            (
                "actions[0].filters[0].operators[1]",
                "duplicate operator 'eq' (first at actions[0].filters[0].operators[0])",
            )
        ],
        id="duplicate-operator",
    ),
    pytest.param(
        _delete([*ACTION_0, "filters", 0, "type"]),
        [("actions[0].filters[0].type", "is required")],
        id="filter-type-missing",
    ),
]


@pytest.mark.parametrize(("edit", "expected"), INVALID)
def test_invalid_definitions_name_each_problem_by_its_path(
    edit: Callable[[Json], None], expected: list[tuple[str, str]]
) -> None:
    assert problems_of(edited(edit)) == expected


@pytest.mark.parametrize("data", [None, [], "{}", 3])
def test_a_definition_must_be_an_object(data: object) -> None:
    assert problems_of(data) == [("", "the definition must be an object")]


def test_all_problems_are_reported_at_once_sorted_by_path() -> None:
    def break_many(data: Json) -> None:
        data["actions"][1]["id"] = "list_contacts"
        data["actions"][0]["params"][1]["type"] = "text"
        data["auth"]["scopes"].append("")
        data["actions"].extend([{"id": f"a{i}"} for i in range(9)] + [{"id": ""}])

    assert [path for path, _ in problems_of(edited(break_many))] == [
        "actions[0].params[1].type",
        "actions[1].id",
        "actions[11].id",  # indexes sort as numbers: 11 comes after 1, not before 2
        "auth.scopes[1]",
    ]


def test_invalid_definition_is_a_domain_error_that_summarises_its_problems() -> None:
    problems = [
        DefinitionProblem(path=f"actions[{i}].id", message="must not be blank") for i in range(7)
    ]

    error = InvalidDefinition(problems)

    assert isinstance(error, DomainError)
    assert error.code is ErrorCode.INVALID_DEFINITION
    assert error.message.startswith("the definition is invalid: actions[0].id: must not be blank; ")
    assert error.message.endswith("; and 2 more")
    assert len(error.problems) == 7


@pytest.mark.parametrize(
    ("location", "path"),
    [
        ((), ""),
        (("auth",), "auth"),
        (("actions", 2, "params", 0, "type"), "actions[2].params[0].type"),
        (("auth", "scopes", 1), "auth.scopes[1]"),
    ],
)
def test_format_path(location: tuple[int | str, ...], path: str) -> None:
    assert format_path(location) == path
