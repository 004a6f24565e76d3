"""Reading a push file: JSON or YAML, refused with a message that names the file and the place."""

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

_METADATA_TEXT = ("name", "description", "readme")


class PushFileError(Exception):
    """The file cannot be read, or does not hold what a push needs."""


@dataclass(frozen=True)
class PushFile:
    """What a push sends: the connector key, the version number, the definition, metadata."""

    key: str
    version: str
    definition: dict[str, Any]
    name: str | None = None
    description: str | None = None
    readme: str | None = None
    config: Any = None

    def variables(self, *, force: bool) -> dict[str, Any]:
        """The `pushVersion` input; metadata left out of the file is left to the server."""
        input: dict[str, Any] = {
            "connectorKey": self.key,
            "version": self.version,
            "definition": self.definition,
            "force": force,
        }
        optional = {
            "name": self.name,
            "description": self.description,
            "readme": self.readme,
            "config": self.config,
        }
        input.update({name: value for name, value in optional.items() if value is not None})
        return {"input": input}


def read_push_file(path: Path) -> PushFile:
    """The push described by the file at `path`: JSON or YAML by its extension, else whichever
    of the two parses (JSON first)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PushFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise PushFileError(f"{path}: is a directory, not a file") from None
    except UnicodeDecodeError:
        raise PushFileError(f"{path}: not a UTF-8 text file") from None
    except OSError as error:
        raise PushFileError(f"{path}: cannot read it: {error.strerror or error}") from None
    return parse_push_document(_parse_text(text, path), path)


def _parse_text(text: str, path: Path) -> object:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _parse_json(text, path)
    if suffix in (".yaml", ".yml"):
        return _parse_yaml(text, path)
    try:
        return json.loads(text)
    except ValueError:
        return _parse_yaml(text, path)


def _parse_json(text: str, path: Path) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise PushFileError(
            f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None


class _JsonCompatibleLoader(yaml.SafeLoader):
    """YAML without the implicit timestamps: `2024-01-01` stays the string JSON would carry."""


_JsonCompatibleLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _parse_yaml(text: str, path: Path) -> object:
    try:
        return yaml.load(text, Loader=_JsonCompatibleLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or "cannot be parsed"
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise PushFileError(f"{path}: not valid YAML ({where}{problem})") from None


def parse_push_document(document: object, path: Path) -> PushFile:
    """The push a parsed file describes; refuses what the server could not take as JSON."""
    if not isinstance(document, dict):
        raise PushFileError(
            f"{path}: the file must hold a mapping with key, version, auth and actions"
        )
    _require_json(document, path, "")
    fields = dict(document)
    key = _required_text(fields.pop("key", None), "key", "key: crm", path)
    version = _required_text(fields.pop("version", None), "version", 'version: "1.0.0"', path)
    texts: dict[str, str | None] = {}
    for name in _METADATA_TEXT:
        value = fields.pop(name, None)
        if value is not None and not isinstance(value, str):
            raise PushFileError(f"{path}: {name} must be text")
        texts[name] = value
    config = fields.pop("config", None)
    return PushFile(key=key, version=version, definition=fields, config=config, **texts)


def _required_text(value: object, name: str, example: str, path: Path) -> str:
    if value is None:
        raise PushFileError(f"{path}: {name} is missing (e.g. {example})")
    if not isinstance(value, str) or not value.strip():
        raise PushFileError(f"{path}: {name} must be text, not {value!r} (e.g. {example})")
    return value


def _require_json(value: object, path: Path, where: str) -> None:
    """JSON has string keys, finite numbers and no other types; YAML allows more."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise PushFileError(
                    f"{path}: {where or 'the top level'} has a key that is not "
                    f"text: {key!r} (quote it in YAML)"
                )
            _require_json(item, path, f"{where}.{key}" if where else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _require_json(item, path, f"{where}[{index}]")
    elif isinstance(value, float) and not math.isfinite(value):
        raise PushFileError(f"{path}: {where} is {value}, which JSON cannot carry")
    elif value is not None and not isinstance(value, str | int | float | bool):
        raise PushFileError(
            f"{path}: {where} holds a {type(value).__name__}, which JSON cannot carry"
        )
