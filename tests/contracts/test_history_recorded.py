"""History cannot be forgotten (DESIGN §15): the recorder (`app.db.history_recorder`) sees every
change the session flushes, so no module of `app/` may change the recorded tables with a bulk
INSERT, UPDATE or DELETE statement, which the session never flushes."""

import ast
from pathlib import Path

from app.db.history_recorder import RECORDED

APP = Path(__file__).resolve().parents[2] / "app"
BULK = {"insert", "update", "delete", "sql_update", "sql_delete"}
RECORDED_NAMES = {model.__name__ for model in RECORDED}


def bulk_writes_of_recorded_tables(source: str) -> list[str]:
    """Where `source` builds an INSERT, UPDATE or DELETE statement of a recorded model."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else None
        if isinstance(node.func, ast.Name):
            name = node.func.id
        target = node.args[0]
        if name in BULK and isinstance(target, ast.Name) and target.id in RECORDED_NAMES:
            found.append(f"line {node.lineno}: {name}({target.id})")
    return found


def test_no_module_writes_recorded_tables_past_the_session() -> None:
    offences = {
        path.relative_to(APP.parent).as_posix(): found
        for path in sorted(APP.rglob("*.py"))
        if (found := bulk_writes_of_recorded_tables(path.read_text()))
    }
    assert offences == {}, offences


def test_the_check_sees_bulk_writes() -> None:
    assert bulk_writes_of_recorded_tables("delete(ConnectorVersion).where(x)") != []
    assert bulk_writes_of_recorded_tables("sa.update(AuthConfig).values(pin=None)") != []
    assert bulk_writes_of_recorded_tables("insert(LinkedAccount)") != []
    assert bulk_writes_of_recorded_tables("update(ApiKey)") == []
    assert bulk_writes_of_recorded_tables("session.delete(version)") == []
