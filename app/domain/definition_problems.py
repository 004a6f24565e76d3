"""Problems found in a connector definition, with readable paths (see `app.domain.definitions`).

A path names a position in the document sent, e.g. `actions[2].params[0].type`; the root itself is
the empty path.
"""

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from app.domain.errors import DomainError, ErrorCode

_MAX_PROBLEMS_IN_MESSAGE = 5


@dataclass(frozen=True, slots=True)
class DefinitionProblem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class InvalidDefinition(DomainError):
    code = ErrorCode.INVALID_DEFINITION

    def __init__(self, problems: list[DefinitionProblem]) -> None:
        problems = sorted(set(problems), key=_by_path)
        shown = "; ".join(str(problem) for problem in problems[:_MAX_PROBLEMS_IN_MESSAGE])
        more = len(problems) - _MAX_PROBLEMS_IN_MESSAGE
        suffix = f"; and {more} more" if more > 0 else ""
        super().__init__(f"the definition is invalid: {shown}{suffix}")
        self.problems = problems


def problems_from_validation(error: ValidationError) -> list[DefinitionProblem]:
    return [_problem(detail) for detail in error.errors()]


def _problem(detail: ErrorDetails) -> DefinitionProblem:
    path = format_path(detail["loc"])
    message = _MESSAGES.get(detail["type"]) or detail["msg"]
    if detail["type"] == "literal_error":
        message = f"must be {detail.get('ctx', {}).get('expected', 'one of the known values')}"
    # Rules that need two keys run on the whole object; the problem is about one key of it.
    key = _MODEL_RULE_KEYS.get(detail["type"])
    if key is not None:
        path = f"{path}.{key}"
    if not path:
        message = f"the definition {message}"
    return DefinitionProblem(path=path, message=message)


_MODEL_RULE_KEYS = {"default_type": "default", "nested_fields": "fields"}


_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a known key",
    "string_type": "must be a string",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "model_type": "must be an object",
    "dict_type": "must be an object",
    "invalid-json-value": "must be a JSON value",
}


def format_path(location: tuple[int | str, ...]) -> str:
    """('actions', 2, 'params', 0, 'type') -> 'actions[2].params[0].type'."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def _by_path(problem: DefinitionProblem) -> tuple[tuple[tuple[int, int | str], ...], str]:
    """Sorts by path, indexes as numbers: actions[2] before actions[10]."""
    parts = problem.path.replace("[", ".[").split(".")
    steps = tuple(
        (0, int(part[1:-1])) if part.startswith("[") else (1, part) for part in parts if part
    )
    return steps, problem.message


def duplicate_problems(data: object) -> list[DefinitionProblem]:
    """Duplicate names in raw definition JSON, wherever its shape allows looking."""
    if not isinstance(data, dict):
        return []
    problems: list[DefinitionProblem] = []
    auth = data.get("auth")
    if isinstance(auth, dict):
        problems += _duplicates(auth.get("scopes"), "auth.scopes", None, "scope")
        problems += _duplicates(auth.get("fields"), "auth.fields", "name", "credential field")
    actions = data.get("actions")
    problems += _duplicates(actions, "actions", "id", "action id")
    for index, action in _items(actions):
        if isinstance(action, dict):
            problems += _action_duplicates(action, f"actions[{index}]")
    return problems


def _action_duplicates(action: dict[Any, Any], path: str) -> list[DefinitionProblem]:
    problems = _duplicates(action.get("params"), f"{path}.params", "name", "param")
    problems += _response_duplicates(action.get("response"), f"{path}.response")
    problems += _duplicates(action.get("filters"), f"{path}.filters", "name", "filter")
    for index, filter_ in _items(action.get("filters")):
        if isinstance(filter_, dict):
            operators_path = f"{path}.filters[{index}].operators"
            problems += _duplicates(filter_.get("operators"), operators_path, None, "operator")
    return problems


def _response_duplicates(fields: object, path: str) -> list[DefinitionProblem]:
    problems = _duplicates(fields, path, "name", "response field")
    for index, field in _items(fields):
        if isinstance(field, dict):
            problems += _response_duplicates(field.get("fields"), f"{path}[{index}].fields")
    return problems


def _duplicates(items: object, path: str, key: str | None, kind: str) -> list[DefinitionProblem]:
    """A problem for each item whose `key` (or the item itself, for strings) came before."""
    first_seen: dict[str, int] = {}
    problems = []
    for index, item in _items(items):
        if key is None:
            value = item
        elif isinstance(item, dict):
            value = item.get(key)
        else:
            continue  # not an object: reported as such by validation
        if not isinstance(value, str):
            continue
        if value in first_seen:
            where = f"{path}[{index}]" + (f".{key}" if key else "")
            message = f"duplicate {kind} {value!r} (first at {path}[{first_seen[value]}])"
            problems.append(DefinitionProblem(path=where, message=message))
        else:
            first_seen[value] = index
    return problems


def _items(items: object) -> list[tuple[int, object]]:
    return list(enumerate(items)) if isinstance(items, list) else []
