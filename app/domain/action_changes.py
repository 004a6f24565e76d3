"""Change rules for actions: params, response fields, pagination, filters.

The rules and the decisions behind them are listed in `app.domain.changes`.
"""

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Generic, NamedTuple, TypeVar

from pydantic import JsonValue

from app.domain.bumps import Bump, Change
from app.domain.definitions import Action, Filter, Pagination, Param, ResponseField


def actions_changes(old: Sequence[Action], new: Sequence[Action]) -> list[Change]:
    """Changes to the actions of a definition (rules and decisions: `app.domain.changes`)."""
    actions = match_by_name(old, new, lambda action: action.id)
    changes = [_removed(f"actions[{a.id}]", f"action {a.id!r}") for a in actions.removed]
    changes += [_added(Bump.MINOR, f"actions[{a.id}]", f"action {a.id!r}") for a in actions.added]
    for before, after in actions.kept:
        changes += _action_changes(before, after)
    return changes


def _action_changes(old: Action, new: Action) -> list[Change]:
    path, of_action = f"actions[{old.id}]", f"of action {old.id!r}"
    changes: list[Change] = []
    if old.description != new.description:
        description = f"description {of_action} changed"
        changes.append(Change(Bump.PATCH, f"{path}.description", description))
    changes += _params_changes(old.params, new.params, f"{path}.params", of_action)
    changes += _response_changes(old.response, new.response, f"{path}.response", "", of_action)
    changes += _pagination_changes(old.pagination, new.pagination, f"{path}.pagination", old.id)
    changes += _filters_changes(old.filters, new.filters, f"{path}.filters", of_action)
    return changes


def _params_changes(
    old: Sequence[Param], new: Sequence[Param], path: str, of_action: str
) -> list[Change]:
    params = match_by_name(old, new, lambda param: param.name)
    changes = [
        _removed(f"{path}[{p.name}]", f"param {p.name!r} {of_action}") for p in params.removed
    ]
    for param in params.added:
        # A caller that does not know the new param does not send it: fine unless it is required.
        bump = Bump.MAJOR if param.required else Bump.MINOR
        what = f"{_kind(param.required)} param {param.name!r} {of_action}"
        changes.append(_added(bump, f"{path}[{param.name}]", what))
    for before, after in params.kept:
        changes += _param_changes(before, after, f"{path}[{before.name}]", of_action)
    return changes


def _param_changes(old: Param, new: Param, path: str, of_action: str) -> list[Change]:
    what = f"param {old.name!r} {of_action}"
    changes: list[Change] = []
    if old.type != new.type:
        changes.append(_retyped(f"{path}.type", what, old.type, new.type))
    if old.required != new.required:
        bump = Bump.MAJOR if new.required else Bump.MINOR
        changes.append(Change(bump, f"{path}.required", f"{what} is now {_kind(new.required)}"))
    if _json_text(old.default) != _json_text(new.default):
        # Callers that leave the param out get other behaviour: a default added or removed too.
        shown = f"from {_shown(old.default)} to {_shown(new.default)}"
        changes.append(Change(Bump.MAJOR, f"{path}.default", f"default of {what} changed {shown}"))
    if old.description != new.description:
        changes.append(Change(Bump.PATCH, f"{path}.description", f"description of {what} changed"))
    return changes


def _response_changes(
    old: Sequence[ResponseField], new: Sequence[ResponseField], path: str, prefix: str, of: str
) -> list[Change]:
    """Response fields at one level; `prefix` is the dotted name of the parent ("company.")."""
    fields = match_by_name(old, new, lambda field: field.name)
    changes = [
        _removed(f"{path}[{f.name}]", f"response field {prefix + f.name!r} {of}")
        for f in fields.removed
    ]
    # Consumers ignore what they do not read, so a new field is never breaking, required or not.
    changes += [
        _added(Bump.MINOR, f"{path}[{f.name}]", f"response field {prefix + f.name!r} {of}")
        for f in fields.added
    ]
    for before, after in fields.kept:
        changes += _response_field_changes(before, after, f"{path}[{before.name}]", prefix, of)
    return changes


def _response_field_changes(
    old: ResponseField, new: ResponseField, path: str, prefix: str, of: str
) -> list[Change]:
    name = prefix + old.name
    what = f"response field {name!r} {of}"
    if old.type != new.type:
        # Nested fields of a different type are a different thing: one change says it all.
        return [_retyped(f"{path}.type", what, old.type, new.type)]
    changes: list[Change] = []
    if old.required != new.required:
        bump = Bump.MINOR if new.required else Bump.MAJOR
        presence = "now always present" if new.required else "no longer always present"
        changes.append(Change(bump, f"{path}.required", f"{what} is {presence}"))
    if bool(old.fields) != bool(new.fields):
        now = "now has nested fields" if new.fields else "no longer has nested fields"
        changes.append(Change(Bump.MAJOR, f"{path}.fields", f"{what} was restructured: it {now}"))
    else:
        changes += _response_changes(old.fields, new.fields, f"{path}.fields", f"{name}.", of)
    if old.description != new.description:
        changes.append(Change(Bump.PATCH, f"{path}.description", f"description of {what} changed"))
    return changes


def _pagination_changes(
    old: Pagination | None, new: Pagination | None, path: str, action_id: str
) -> list[Change]:
    """Any difference is MAJOR: pagination decides which results one call returns."""
    description = None
    if old is not None and new is None:
        description = f"{old.type} pagination was removed from action {action_id!r}"
    elif old is None and new is not None:
        description = f"{new.type} pagination was added to action {action_id!r}"
    elif old is not None and new is not None:
        if old.type != new.type:
            description = (
                f"pagination of action {action_id!r} changed from {old.type} to {new.type}"
            )
        elif _json_text(old.settings()) != _json_text(new.settings()):
            description = f"{old.type} pagination settings of action {action_id!r} changed"
    return [] if description is None else [Change(Bump.MAJOR, path, description)]


def _filters_changes(
    old: Sequence[Filter], new: Sequence[Filter], path: str, of_action: str
) -> list[Change]:
    filters = match_by_name(old, new, lambda filter_: filter_.name)
    changes = [
        _removed(f"{path}[{f.name}]", f"filter {f.name!r} {of_action}") for f in filters.removed
    ]
    changes += [
        _added(Bump.MINOR, f"{path}[{f.name}]", f"filter {f.name!r} {of_action}")
        for f in filters.added
    ]
    for before, after in filters.kept:
        changes += _filter_changes(before, after, f"{path}[{before.name}]", of_action)
    return changes


def _filter_changes(old: Filter, new: Filter, path: str, of_action: str) -> list[Change]:
    what = f"filter {old.name!r} {of_action}"
    changes: list[Change] = []
    if old.type != new.type:
        changes.append(_retyped(f"{path}.type", what, old.type, new.type))
    if set(old.operators) != set(new.operators):
        shown = f"from {_listed(old.operators)} to {_listed(new.operators)}"
        changes.append(
            Change(Bump.MAJOR, f"{path}.operators", f"operators of {what} changed {shown}")
        )
    if old.description != new.description:
        changes.append(Change(Bump.PATCH, f"{path}.description", f"description of {what} changed"))
    return changes


_Item = TypeVar("_Item")


class Matched(NamedTuple, Generic[_Item]):
    removed: list[_Item]
    added: list[_Item]
    kept: list[tuple[_Item, _Item]]


def match_by_name(
    old: Iterable[_Item], new: Iterable[_Item], key: Callable[[_Item], str]
) -> Matched[_Item]:
    """Pairs the items of two lists by name: those only in `old`, only in `new`, and in both."""
    before = {key(item): item for item in old}
    after = {key(item): item for item in new}
    return Matched(
        removed=[item for name, item in before.items() if name not in after],
        added=[item for name, item in after.items() if name not in before],
        kept=[(item, after[name]) for name, item in before.items() if name in after],
    )


def _removed(path: str, what: str) -> Change:
    return Change(Bump.MAJOR, path, f"{what} was removed")


def _added(bump: Bump, path: str, what: str) -> Change:
    return Change(bump, path, f"{what} was added")


def _retyped(path: str, what: str, old: str, new: str) -> Change:
    return Change(Bump.MAJOR, path, f"{what} changed type from {old} to {new}")


def _kind(required: bool) -> str:
    return "required" if required else "optional"


def _json_text(value: JsonValue) -> str:
    """One text per JSON value, so values compare as JSON does (1 and true differ)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _listed(names: Iterable[str]) -> str:
    return "[" + ", ".join(sorted(names)) + "]"


def _shown(default: JsonValue) -> str:
    return "no default" if default is None else _json_text(default)
