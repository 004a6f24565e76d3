"""The event catalogue is the whole vocabulary: every kind the code writes is an `EventKind`,
documented in the schema and listed in the docs' events page with its payload's fields."""

import ast
import re
from pathlib import Path

import pytest

from app.domain.events import EVENT_KINDS, EventKind
from app.graphql.schema import schema

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "app" / "domain" / "events.py"
# A dotted lower-case word pair, the form stored kinds take ("version.published").
DOTTED_KIND = re.compile(r"^[a-z_]+\.[a-z_]+$")
EVENTS_PAGE = ROOT / "docs" / "api" / "events.md"
# A row of the events page's table: | `NAME` | `stored.value` | meaning | payload fields |
EVENT_ROW = r"^\| `([A-Z_]+)` \| `[a-z_]+\.[a-z_]+` \|.*$"


def _kind_arguments() -> list[tuple[str, ast.expr]]:
    """Every `kind` passed to an event writer in app/: `record_event(kind=...)`, or the kind
    argument of a module's own `_event(session, actor, kind, ...)` helper."""
    found = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if node.func.id == "record_event":
                found += [(where, k.value) for k in node.keywords if k.arg == "kind"]
            elif node.func.id == "_event" and len(node.args) >= 3:
                found.append((where, node.args[2]))
    return found


def _members_named(expression: ast.expr) -> list[str] | None:
    """The EventKind members an expression can evaluate to, or None when it is not only those."""
    if isinstance(expression, ast.Attribute) and isinstance(expression.value, ast.Name):
        return [expression.attr] if expression.value.id == "EventKind" else None
    if isinstance(expression, ast.IfExp):
        body, orelse = _members_named(expression.body), _members_named(expression.orelse)
        return None if body is None or orelse is None else body + orelse
    return None


def test_every_kind_has_a_meaning() -> None:
    assert set(EVENT_KINDS) == set(EventKind)
    assert all(doc.meaning for doc in EVENT_KINDS.values())
    assert all(DOTTED_KIND.match(kind.value) for kind in EventKind)


def test_every_kind_the_code_writes_is_a_member() -> None:
    arguments = _kind_arguments()
    assert len(arguments) >= 20, arguments  # the writers were found at all
    for where, expression in arguments:
        if isinstance(expression, ast.Name):
            continue  # a variable: checked where it is assigned, below, and by mypy
        members = _members_named(expression)
        assert members is not None, f"{where}: the kind is not an EventKind member"
        assert all(name in EventKind.__members__ for name in members), where


def test_no_kind_is_spelt_as_a_string_outside_the_catalogue() -> None:
    stored = {kind.value for kind in EventKind}
    for path in sorted((ROOT / "app").rglob("*.py")):
        if path == CATALOGUE:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert node.value not in stored, f"{path.relative_to(ROOT)}:{node.lineno}"


def test_a_plain_string_is_refused_by_the_writer() -> None:
    from app.services.events import record_event

    class NoSession:
        def add(self, _: object) -> None:
            raise AssertionError("nothing is written")

    with pytest.raises(ValueError, match="is not a valid EventKind"):
        record_event(NoSession(), actor=None, kind="version.made_up", project_id=None)  # type: ignore[arg-type]


def test_the_schema_documents_each_kind_and_its_payload() -> None:
    graphql_enum = schema._schema.type_map["EventKind"]
    assert set(graphql_enum.values) == {kind.name for kind in EventKind}  # type: ignore[attr-defined]
    for kind, doc in EVENT_KINDS.items():
        description = graphql_enum.values[kind.name].description  # type: ignore[attr-defined]
        assert description is not None
        assert doc.meaning in description
        assert all(f"{field}:" in description for field in doc.payload), kind


def test_the_events_page_lists_each_kind_with_its_payload() -> None:
    page = EVENTS_PAGE.read_text()
    rows = {match.group(1): match.group(0) for match in re.finditer(EVENT_ROW, page, re.MULTILINE)}
    assert set(rows) == {kind.name for kind in EventKind}
    for kind, doc in EVENT_KINDS.items():
        assert f"| `{kind.value}` |" in rows[kind.name]
        assert all(f"`{field}`" in rows[kind.name] for field in doc.payload), kind
