"""The size limits of what a version is sent: its definition and config (no database)."""

import copy
import json
from typing import Any

import pytest

from app.domain.content_limits import (
    ContentLimits,
    check_config_limits,
    definition_limit_problems,
    too_deep,
)
from app.domain.definition_problems import DefinitionProblem, InvalidDefinition
from app.domain.definitions import parse_definition_input
from app.domain.errors import InvalidInput

Json = dict[str, Any]

# Small numbers, so that each case is a few lines; the defaults are the settings' (test_settings).
LIMITS = ContentLimits(
    definition_max_bytes=2_000,
    definition_max_actions=3,
    definition_max_params=2,
    definition_max_response_fields=2,
    definition_max_filters=2,
    definition_max_operators=2,
    definition_max_scopes=2,
    definition_max_credential_fields=2,
    config_max_bytes=100,
    json_max_depth=8,
)

SMALL: Json = {
    "auth": {"type": "oauth2", "scopes": ["a", "b"], "fields": [{"name": "x"}, {"name": "y"}]},
    "actions": [
        {
            "id": "list",
            "params": [{"name": "p", "type": "string"}, {"name": "q", "type": "string"}],
            "response": [
                {"name": "id", "type": "string"},
                {"name": "o", "type": "object", "fields": [{"name": "n", "type": "string"}]},
            ],
            "filters": [{"name": "f", "type": "string", "operators": ["eq", "in"]}],
        }
    ],
}


def _with(path: tuple[str | int, ...], value: object) -> Json:
    """SMALL with the value at `path` replaced."""
    document = copy.deepcopy(SMALL)
    target: Any = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return document


def _names(count: int) -> list[Json]:
    return [{"name": f"n{index}", "type": "string"} for index in range(count)]


@pytest.mark.parametrize(
    ("definition", "expected"),
    [
        (SMALL, []),
        (
            _with(("actions",), [{"id": f"a{index}"} for index in range(4)]),
            [DefinitionProblem("actions", "at most 3, got 4")],
        ),
        (
            _with(("actions", 0, "params"), _names(3)),
            [DefinitionProblem("actions[0].params", "at most 2, got 3")],
        ),
        (
            _with(("actions", 0, "response"), _names(3)),
            [DefinitionProblem("actions[0].response", "at most 2, got 3")],
        ),
        (
            _with(("actions", 0, "response", 1, "fields"), _names(5)),
            [DefinitionProblem("actions[0].response[1].fields", "at most 2, got 5")],
        ),
        (
            _with(("actions", 0, "filters"), _names(3)),
            [DefinitionProblem("actions[0].filters", "at most 2, got 3")],
        ),
        (
            _with(("actions", 0, "filters", 0, "operators"), ["eq", "in", "gt"]),
            [DefinitionProblem("actions[0].filters[0].operators", "at most 2, got 3")],
        ),
        (
            _with(("auth", "scopes"), ["a", "b", "c"]),
            [DefinitionProblem("auth.scopes", "at most 2, got 3")],
        ),
        (
            _with(("auth", "fields"), _names(3)),
            [DefinitionProblem("auth.fields", "at most 2, got 3")],
        ),
        (
            _with(("actions", 0, "params", 0, "default"), {"a": {"b": {"c": {"d": {}}}}}),
            [
                DefinitionProblem(
                    "actions[0].params[0].default.a.b.c", "nested deeper than 8 levels"
                )
            ],
        ),
        (
            # Everything beyond a limit is reported at once.
            _with(("actions",), [{"id": f"a{index}", "params": _names(3)} for index in range(4)]),
            [DefinitionProblem("actions", "at most 3, got 4")]
            + [
                DefinitionProblem(f"actions[{index}].params", "at most 2, got 3")
                for index in range(4)
            ],
        ),
        # The shape is not judged here: the model's validation reports it.
        ({"auth": "oauth2", "actions": {"id": "x"}}, []),
        ([1, 2, 3], []),
    ],
)
def test_definition_limit_problems(definition: object, expected: list[DefinitionProblem]) -> None:
    assert sorted(definition_limit_problems(definition, LIMITS), key=str) == sorted(
        expected, key=str
    )


def _utf8_json_bytes(value: object) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


@pytest.mark.parametrize("text", ["x" * 2_000, "é" * 900], ids=["ascii", "two-byte"])
def test_a_definition_beyond_its_bytes_is_one_problem(text: str) -> None:
    # given a definition whose JSON is more than 2,000 bytes in UTF-8 (in fewer characters for é)
    definition = _with(("actions", 0, "description"), text)
    size = _utf8_json_bytes(definition)
    assert size > 2_000
    # then that is the problem, with both numbers
    assert definition_limit_problems(definition, LIMITS) == [
        DefinitionProblem("", f"the definition is at most 2,000 bytes of JSON, got {size:,}")
    ]


def test_a_definition_nested_deeper_than_serialising_allows_is_one_problem() -> None:
    definition: object = {}
    for _ in range(100_000):
        definition = {"a": definition}
    assert definition_limit_problems(definition, LIMITS) == [
        DefinitionProblem("", "the definition is nested deeper than 8 levels")
    ]


def test_an_oversized_definition_is_refused_before_it_is_validated() -> None:
    # given a definition beyond a limit that is also invalid (an unknown key, a missing id)
    definition = _with(("actions",), [{"colour": "blue"} for _ in range(4)])
    # when it is parsed as sent, then only the limit is reported: validation did not run
    with pytest.raises(InvalidDefinition) as raised:
        parse_definition_input(definition, LIMITS)
    assert raised.value.problems == [DefinitionProblem("actions", "at most 3, got 4")]
    assert raised.value.message == "the definition is invalid: actions: at most 3, got 4"


def test_a_definition_within_the_limits_is_validated_as_any_other() -> None:
    assert parse_definition_input(SMALL, LIMITS).actions[0].id == "list"
    with pytest.raises(InvalidDefinition) as raised:
        parse_definition_input(_with(("actions", 0, "colour"), "blue"), LIMITS)
    assert [problem.path for problem in raised.value.problems] == ["actions[0].colour"]


@pytest.mark.parametrize(
    ("config", "field", "message"),
    [
        ({"vcs": {"url": "x" * 100}}, "config", "at most 100 bytes of JSON, got 118"),
        (
            {"vcs": {"a": {"b": {"c": {"d": {"e": {"f": {"g": {}}}}}}}}},
            "config.vcs.a.b.c.d.e.f.g",
            "nested deeper than 8 levels",
        ),
    ],
)
def test_config_beyond_its_limits_is_invalid_input(config: Json, field: str, message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        check_config_limits(config, LIMITS)
    assert raised.value.field == field
    assert raised.value.message == f"{field}: {message}"


def test_config_within_its_limits_passes() -> None:
    check_config_limits({"vcs": {"url": "x" * 80}}, LIMITS)


@pytest.mark.parametrize(
    ("value", "max_depth", "expected"),
    [
        ("text", 1, None),
        ({}, 1, None),
        ({"a": {}}, 1, ".a"),
        ({"a": [1, [2]]}, 2, ".a[1]"),
        ({"a": [1, [2]]}, 3, None),
        ([[[]]], 2, "[0][0]"),
    ],
)
def test_too_deep(value: object, max_depth: int, expected: str | None) -> None:
    assert too_deep(value, max_depth) == expected
