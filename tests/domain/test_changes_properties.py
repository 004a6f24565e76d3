"""Properties of breaking-change classification over generated valid definitions."""

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.changes import Bump, classify_changes, required_bump
from app.domain.definitions import (
    FIELD_TYPES,
    PAGINATION_TYPES,
    ConnectorDefinition,
    definition_to_json,
    parse_definition,
)

Json = dict[str, Any]

# Modest, because this runs in CI on 2 cores. Tests that draw two definitions see as many
# definitions in half the examples.
modest = settings(max_examples=100, deadline=None)
modest_pairs = settings(max_examples=50, deadline=None)

# Small name pools make two generated definitions share actions, params and fields, so
# comparisons exercise more than "everything was added and everything removed".
NAMES = st.sampled_from(["id", "email", "name", "limit", "status", "owner"])
ACTION_IDS = st.sampled_from(["list_contacts", "get_contact", "create_deal"])
DESCRIPTIONS = st.sampled_from(["", "Lists things", "Gets one thing"])
TYPES = st.sampled_from(FIELD_TYPES)
SCALAR_TYPES = st.sampled_from([t for t in FIELD_TYPES if t not in ("object", "array")])
# Names the pools above never produce, so adding one is always an addition.
NEW_NAME = "added_by_test"


def defaults_for(type_: str) -> st.SearchStrategy[Any]:
    values: dict[str, st.SearchStrategy[Any]] = {
        "string": st.sampled_from(["a", "b"]),
        "integer": st.integers(-2, 2),
        "number": st.integers(-2, 2) | st.sampled_from([0.5, 1.5]),
        "boolean": st.booleans(),
        "object": st.just({"k": 1}),
        "array": st.sampled_from([[], [1]]),
        "date": st.just("2024-01-01"),
        "datetime": st.just("2024-01-01T00:00:00Z"),
    }
    return st.none() | values[type_]


@st.composite
def params(draw: st.DrawFn, name: st.SearchStrategy[str] = NAMES) -> Json:
    type_ = draw(TYPES)
    return {
        "name": draw(name),
        "type": type_,
        "required": draw(st.booleans()),
        "default": draw(defaults_for(type_)),
        "description": draw(DESCRIPTIONS),
    }


def leaf_fields(name: st.SearchStrategy[str] = NAMES) -> st.SearchStrategy[Json]:
    return st.fixed_dictionaries(
        {"name": name, "type": SCALAR_TYPES},
        optional={"required": st.booleans(), "description": DESCRIPTIONS},
    )


def nested_fields(children: st.SearchStrategy[Json]) -> st.SearchStrategy[Json]:
    return st.fixed_dictionaries(
        {
            "name": NAMES,
            "type": st.sampled_from(["object", "array"]),
            "fields": st.lists(children, max_size=3, unique_by=lambda f: f["name"]),
        },
        optional={"required": st.booleans()},
    )


RESPONSE_FIELDS = st.recursive(leaf_fields(), nested_fields, max_leaves=4)

PAGINATIONS = st.none() | st.fixed_dictionaries(
    {"type": st.sampled_from(PAGINATION_TYPES)},
    optional={"cursorParam": st.sampled_from(["cursor", "after"]), "pageSize": st.integers(1, 3)},
)


def filters(name: st.SearchStrategy[str] = NAMES) -> st.SearchStrategy[Json]:
    return st.fixed_dictionaries(
        {"name": name, "type": TYPES},
        optional={
            "operators": st.lists(st.sampled_from(["eq", "in", "gt"]), max_size=3, unique=True),
            "description": DESCRIPTIONS,
        },
    )


def actions(action_id: st.SearchStrategy[str] = ACTION_IDS) -> st.SearchStrategy[Json]:
    return st.fixed_dictionaries(
        {
            "id": action_id,
            "description": DESCRIPTIONS,
            "params": st.lists(params(), max_size=3, unique_by=lambda p: p["name"]),
            "response": st.lists(RESPONSE_FIELDS, max_size=3, unique_by=lambda f: f["name"]),
            "pagination": PAGINATIONS,
            "filters": st.lists(filters(), max_size=2, unique_by=lambda f: f["name"]),
        }
    )


AUTHS: st.SearchStrategy[Json] = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["oauth2", "api_key", "basic"]),
        "scopes": st.lists(st.sampled_from(["read", "write", "admin"]), max_size=3, unique=True),
        "fields": st.lists(
            st.fixed_dictionaries(
                {"name": NAMES, "required": st.booleans()}, optional={"description": DESCRIPTIONS}
            ),
            max_size=3,
            unique_by=lambda f: f["name"],
        ),
    }
)


def definition_dicts(min_actions: int = 0) -> st.SearchStrategy[Json]:
    return st.fixed_dictionaries(
        {
            "auth": AUTHS,
            "actions": st.lists(
                actions(), min_size=min_actions, max_size=3, unique_by=lambda a: a["id"]
            ),
        }
    )


DEFINITIONS = definition_dicts().map(parse_definition)


def edited_json(definition: ConnectorDefinition) -> Json:
    """A fresh canonical JSON copy to edit."""
    return definition_to_json(definition)


@modest
@given(DEFINITIONS)
def test_a_definition_compared_with_itself_has_no_changes(definition: ConnectorDefinition) -> None:
    changes = classify_changes(definition, definition)

    assert changes == []
    assert required_bump(changes) is None


@modest
@given(DEFINITIONS)
def test_canonical_json_parses_back_to_an_unchanged_definition(
    definition: ConnectorDefinition,
) -> None:
    again = parse_definition(definition_to_json(definition))

    assert again == definition
    assert classify_changes(definition, again) == []


def assert_minor_then_major(old: ConnectorDefinition, new: ConnectorDefinition, path: str) -> None:
    added = classify_changes(old, new)
    removed = classify_changes(new, old)

    assert [(change.bump, change.path) for change in added] == [(Bump.MINOR, path)]
    assert [(change.bump, change.path) for change in removed] == [(Bump.MAJOR, path)]


@modest
@given(DEFINITIONS, actions(action_id=st.just(NEW_NAME)))
def test_adding_an_action_is_minor_and_removing_it_major(
    definition: ConnectorDefinition, action: Json
) -> None:
    data = edited_json(definition)
    data["actions"].append(action)

    assert_minor_then_major(definition, parse_definition(data), f"actions[{NEW_NAME}]")


@modest
@given(definition_dicts(min_actions=1).map(parse_definition), st.data())
def test_adding_an_optional_param_is_minor_and_removing_it_major(
    definition: ConnectorDefinition, data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(definition.actions) - 1))
    param = data.draw(params(name=st.just(NEW_NAME)))
    param["required"] = False
    edited = edited_json(definition)
    edited["actions"][index]["params"].append(param)

    path = f"actions[{definition.actions[index].id}].params[{NEW_NAME}]"
    assert_minor_then_major(definition, parse_definition(edited), path)


@modest
@given(definition_dicts(min_actions=1).map(parse_definition), st.data())
def test_adding_a_response_field_is_minor_and_removing_it_major(
    definition: ConnectorDefinition, data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(definition.actions) - 1))
    field = data.draw(
        leaf_fields(name=st.just(NEW_NAME))
        | nested_fields(RESPONSE_FIELDS).map(lambda f: {**f, "name": NEW_NAME})
    )
    edited = edited_json(definition)
    edited["actions"][index]["response"].append(field)

    path = f"actions[{definition.actions[index].id}].response[{NEW_NAME}]"
    assert_minor_then_major(definition, parse_definition(edited), path)


@modest
@given(definition_dicts(min_actions=1).map(parse_definition), st.data())
def test_adding_a_filter_is_minor_and_removing_it_major(
    definition: ConnectorDefinition, data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(definition.actions) - 1))
    filter_ = data.draw(filters(name=st.just(NEW_NAME)))
    edited = edited_json(definition)
    edited["actions"][index]["filters"].append(filter_)

    path = f"actions[{definition.actions[index].id}].filters[{NEW_NAME}]"
    assert_minor_then_major(definition, parse_definition(edited), path)


@modest_pairs
@given(DEFINITIONS, DEFINITIONS)
def test_required_bump_is_the_largest_bump_of_the_changes(
    old: ConnectorDefinition, new: ConnectorDefinition
) -> None:
    changes = classify_changes(old, new)

    if changes:
        assert required_bump(changes) == max(change.bump for change in changes)
    else:
        assert required_bump(changes) is None


@modest_pairs
@given(DEFINITIONS, DEFINITIONS)
def test_classification_never_fails_and_is_deterministic(
    old: ConnectorDefinition, new: ConnectorDefinition
) -> None:
    changes = classify_changes(old, new)

    assert classify_changes(old, new) == changes
    # The same definitions parsed again (new objects, same content) give the same answer.
    again = classify_changes(
        parse_definition(definition_to_json(old)), parse_definition(definition_to_json(new))
    )
    assert again == changes
    assert [change.path for change in changes] == sorted(change.path for change in changes)
    assert all(change.description for change in changes)
