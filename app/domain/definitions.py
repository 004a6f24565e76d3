"""Connector definitions (DESIGN §4): the validated model, parsing with readable problems, and the
canonical JSON kept in storage.

The shape, and the choices §4 leaves open:

- The top level has exactly `auth` and `actions`; unknown keys are refused there too. Every stored
  key must be one the breaking-change classifier understands, or a change to it would slip through
  unclassified. The same strictness holds inside: an unknown key anywhere is a problem.
- `auth`: `type` (a non-blank string such as "oauth2", "api_key", "basic"), `scopes` (strings,
  default []), `fields` (credential fields `{name, required, description}`, default []).
- `actions[]`: `{id, description, params, response, pagination, filters}`; all but `id` optional.
- `params[]`: `{name, type, required, default, description}`; `default` is any JSON value and must
  fit `type`; a default of null is the same as no default.
- `response[]`: `{name, type, required, fields, description}`; `fields` (nested, the same shape)
  only on `object` fields and on `array` fields (where they describe each item).
- `type` of params, response fields and filters is one of `FIELD_TYPES` (a closed set, so a typo
  is caught rather than stored as a new type).
- `required` defaults to false, `description` to "" (descriptions are allowed on actions, params,
  response fields, filters and credential fields).
- `pagination`: null, or `{type: cursor|offset|page, ...settings}`; the settings (e.g.
  `cursorParam`, `pageSize`) are engine-specific JSON, kept as written. `{type: "none"}` with no
  settings is accepted and stored as null: both mean "not paginated".
- `filters[]`: objects `{name, type, operators, description}` (not bare strings: a filter's type
  and operators are part of its contract); `operators` is a list of strings, default [] (the
  engine's default, equality).
- Names (action ids, param, field, filter and credential field names, scopes, operators, the auth
  type) must not be blank nor start or end with whitespace; they are compared case-sensitively.
  Duplicates are refused: action ids, param names within an action, response field names at the
  same level, filter names within an action, credential field names, scopes, operators.
- Booleans are JSON booleans and strings are JSON strings: no coercion ("true" is not true).

Problems are reported with paths into the document sent (`app.domain.definition_problems`). A
definition sent in must first keep within its size limits (`app.domain.content_limits`).
"""

from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from app.domain.content_limits import ContentLimits, definition_limit_problems
from app.domain.definition_problems import (
    DefinitionProblem,
    InvalidDefinition,
    duplicate_problems,
    problems_from_validation,
)

__all__ = [
    "FIELD_TYPES",
    "PAGINATION_TYPES",
    "Action",
    "Auth",
    "ConnectorDefinition",
    "CredentialField",
    "DefinitionProblem",
    "Filter",
    "InvalidDefinition",
    "Pagination",
    "Param",
    "ResponseField",
    "definition_to_json",
    "parse_definition",
    "parse_definition_input",
]

FieldType = Literal["string", "integer", "number", "boolean", "object", "array", "date", "datetime"]
FIELD_TYPES: tuple[str, ...] = get_args(FieldType)
PaginationType = Literal["cursor", "offset", "page"]
PAGINATION_TYPES: tuple[str, ...] = get_args(PaginationType)
NESTING_TYPES = frozenset({"object", "array"})


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be blank")
    if value != value.strip():
        raise PydanticCustomError("whitespace", "must not start or end with whitespace")
    return value


Name = Annotated[str, AfterValidator(_not_blank)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class CredentialField(_Strict):
    name: Name
    required: bool = False
    description: str = ""


class Auth(_Strict):
    type: Name
    scopes: list[Name] = []
    fields: list[CredentialField] = []


def _fits(value: JsonValue, type_: str) -> bool:
    """Whether a JSON value can be the default of a param of this type (bools are not numbers)."""
    if value is None:
        return True
    if isinstance(value, bool):
        return type_ == "boolean"
    match type_:
        case "string" | "date" | "datetime":
            return isinstance(value, str)
        case "integer":
            return isinstance(value, int)
        case "number":
            return isinstance(value, int | float)
        case "object":
            return isinstance(value, dict)
        case "array":
            return isinstance(value, list)
    return False


class Param(_Strict):
    name: Name
    type: FieldType
    required: bool = False
    default: JsonValue = None
    description: str = ""

    @model_validator(mode="after")
    def _default_fits_type(self) -> "Param":
        if not _fits(self.default, self.type):
            raise PydanticCustomError(
                "default_type", "must be a value of type {type}", {"type": self.type}
            )
        return self


class ResponseField(_Strict):
    name: Name
    type: FieldType
    required: bool = False
    fields: list["ResponseField"] = []
    description: str = ""

    @model_validator(mode="after")
    def _nesting_only_in_objects_and_arrays(self) -> "ResponseField":
        if self.fields and self.type not in NESTING_TYPES:
            raise PydanticCustomError(
                "nested_fields",
                "only object and array fields have nested fields, not {type}",
                {"type": self.type},
            )
        return self


class Pagination(BaseModel):
    """`type` plus engine-specific settings, kept as written (they are JSON)."""

    model_config = ConfigDict(strict=True, extra="allow", frozen=True)
    __pydantic_extra__: dict[str, JsonValue] = Field(init=False)

    type: PaginationType

    def settings(self) -> dict[str, JsonValue]:
        return dict(self.__pydantic_extra__)


class Filter(_Strict):
    name: Name
    type: FieldType
    operators: list[Name] = []
    description: str = ""


class Action(_Strict):
    id: Name
    description: str = ""
    params: list[Param] = []
    response: list[ResponseField] = []
    pagination: Pagination | None = None
    filters: list[Filter] = []

    @field_validator("pagination", mode="before")
    @classmethod
    def _none_means_not_paginated(cls, value: object) -> object:
        if isinstance(value, dict) and value.get("type") == "none":
            if len(value) > 1:
                raise PydanticCustomError("pagination_none", "type none takes no other settings")
            return None
        return value


class ConnectorDefinition(_Strict):
    auth: Auth
    actions: list[Action]


def parse_definition(data: object) -> ConnectorDefinition:
    """Validate definition JSON; every problem found is reported at once."""
    try:
        definition = ConnectorDefinition.model_validate(data)
    except ValidationError as error:
        problems = problems_from_validation(error)
    else:
        problems = []
    # Duplicates are looked for in the raw data, so they are reported with the other problems.
    problems += duplicate_problems(data)
    if problems:
        raise InvalidDefinition(problems)
    return definition


def parse_definition_input(data: object, limits: ContentLimits) -> ConnectorDefinition:
    """A definition sent in: one beyond `limits` is refused before it is validated (or compared,
    hashed or stored); then it is parsed as any other."""
    problems = definition_limit_problems(data, limits)
    if problems:
        raise InvalidDefinition(problems)
    return parse_definition(data)


def parse_auth(data: object) -> Auth:
    """The `auth` section of a stored (so already valid) definition."""
    return Auth.model_validate(data)


def definition_to_json(definition: ConnectorDefinition) -> dict[str, Any]:
    """Canonical JSON: every key present with its default filled in, lists in the order written."""
    return definition.model_dump(mode="json")
