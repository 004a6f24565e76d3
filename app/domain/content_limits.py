"""How large the JSON documents sent for a version may be: its definition and its config.

A definition is checked against its limits before anything else looks at it (the model's
validation, the breaking-change comparison, the content hash, the write): an oversized one
costs one serialisation and a walk of its lists, never the expensive work. The numbers are
settings (`app.settings`); the rules take them as an argument, so the domain reads none.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from app.domain.definition_problems import DefinitionProblem
from app.domain.errors import InvalidInput
from app.domain.json_paths import ROOT, JsonPath, child, spelt


@dataclass(frozen=True, slots=True)
class ContentLimits:
    definition_max_bytes: int
    """The definition as compact JSON, in UTF-8."""
    definition_max_actions: int
    definition_max_params: int
    """Per action."""
    definition_max_response_fields: int
    """Per list of response fields: an action's, or an object's or array's nested ones."""
    definition_max_filters: int
    """Per action."""
    definition_max_operators: int
    """Per filter."""
    definition_max_scopes: int
    definition_max_credential_fields: int
    config_max_bytes: int
    """The config as compact JSON, in UTF-8."""
    json_max_depth: int
    """Levels of nesting of the definition and of the config (the document itself is the
    first); kept well below the interpreter's stack, which serialising uses."""


class TooDeep(Exception):
    """Nested deeper than the interpreter's stack allows serialising."""


def json_size(value: object) -> int:
    """Bytes of `value` as compact JSON in UTF-8, about what is stored (`TooDeep` when it is
    nested too deeply to serialise)."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    except RecursionError:
        raise TooDeep from None
    return len(text.encode("utf-8", "surrogatepass"))


def too_deep(value: object, max_depth: int) -> str | None:
    """The path (`.a[0]`) of the first object or list nested deeper than `max_depth`, if any."""
    pending: list[tuple[object, int, JsonPath]] = [(value, 1, ROOT)]
    while pending:
        item, depth, path = pending.pop()
        if not isinstance(item, dict | list):
            continue
        if depth > max_depth:
            return spelt(path)
        members = item.items() if isinstance(item, dict) else enumerate(item)
        pending.extend((member, depth + 1, child(path, step)) for step, member in members)
    return None


def definition_limit_problems(data: object, limits: ContentLimits) -> list[DefinitionProblem]:
    """Every limit the definition JSON goes beyond. Its shape is not judged here: a list where
    an object belongs is for the model's validation to report."""
    too_deep_message = f"nested deeper than {limits.json_max_depth} levels"
    try:
        size = json_size(data)
    except TooDeep:
        return [DefinitionProblem("", f"the definition is {too_deep_message}")]
    problems = list(_list_problems(data, limits))
    if size > limits.definition_max_bytes:
        problems.append(
            DefinitionProblem(
                "",
                f"the definition is at most {limits.definition_max_bytes:,} bytes of JSON, "
                f"got {size:,}",
            )
        )
    else:
        # Walked only once the size is known to be bounded: it visits every value.
        deep = too_deep(data, limits.json_max_depth)
        if deep is not None:
            path = deep.removeprefix(".")
            message = too_deep_message if path else f"the definition is {too_deep_message}"
            problems.append(DefinitionProblem(path, message))
    return problems


def _list_problems(data: object, limits: ContentLimits) -> Iterator[DefinitionProblem]:
    if not isinstance(data, dict):
        return
    auth = data.get("auth")
    if isinstance(auth, dict):
        yield from _too_long(auth.get("scopes"), "auth.scopes", limits.definition_max_scopes)
        fields = auth.get("fields")
        yield from _too_long(fields, "auth.fields", limits.definition_max_credential_fields)
    actions = data.get("actions")
    yield from _too_long(actions, "actions", limits.definition_max_actions)
    for index, action in _objects(actions):
        yield from _action_problems(action, f"actions[{index}]", limits)


def _action_problems(
    action: dict[str, Any], path: str, limits: ContentLimits
) -> Iterator[DefinitionProblem]:
    yield from _too_long(action.get("params"), f"{path}.params", limits.definition_max_params)
    yield from _response_problems(action.get("response"), f"{path}.response", limits)
    filters = action.get("filters")
    yield from _too_long(filters, f"{path}.filters", limits.definition_max_filters)
    for index, filter_ in _objects(filters):
        operators = filter_.get("operators")
        operators_path = f"{path}.filters[{index}].operators"
        yield from _too_long(operators, operators_path, limits.definition_max_operators)


def _response_problems(
    fields: object, path: str, limits: ContentLimits
) -> Iterator[DefinitionProblem]:
    """Each list of response fields, nested ones too; iterative, as the nesting is not known
    to be bounded yet."""
    pending: list[tuple[object, str]] = [(fields, path)]
    while pending:
        items, where = pending.pop()
        yield from _too_long(items, where, limits.definition_max_response_fields)
        pending.extend(
            (field.get("fields"), f"{where}[{index}].fields") for index, field in _objects(items)
        )


def _too_long(items: object, path: str, limit: int) -> Iterator[DefinitionProblem]:
    if isinstance(items, list) and len(items) > limit:
        yield DefinitionProblem(path, f"at most {limit:,}, got {len(items):,}")


def _objects(items: object) -> Iterator[tuple[int, dict[str, Any]]]:
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict):
                yield index, item


def check_config_limits(config: object, limits: ContentLimits) -> None:
    """Refuse a config beyond its limits, with `InvalidInput` on `config`."""
    too_deep_message = f"nested deeper than {limits.json_max_depth} levels"
    try:
        size = json_size(config)
    except TooDeep:
        raise InvalidInput("config", too_deep_message) from None
    if size > limits.config_max_bytes:
        raise InvalidInput(
            "config", f"at most {limits.config_max_bytes:,} bytes of JSON, got {size:,}"
        )
    deep = too_deep(config, limits.json_max_depth)
    if deep is not None:
        raise InvalidInput(f"config{deep}", too_deep_message)
