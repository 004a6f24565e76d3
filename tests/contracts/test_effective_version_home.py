"""The effective version has one home: only the effective-version read
(`app/services/effective/`) assembles it, on the rules of the domain (`app/domain/`).

Any other module of `app/` that calls the rules (`resolve`, `resolve_account`, `in_rollout`, or
the read's own `resolve_auth_config`) or builds an answer (`Resolution`, `RunningRollout`, or one
of the read's answer types) is putting the answer together a second time, where it can drift
from the first. Such a module fails this test: ask `app.services.effective` instead.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"

HOMES = ("services/effective/", "domain/")
"""Where the answer may be assembled: the read, and the rules it applies."""

RULES = {
    ("app.domain.resolution", "resolve"),
    ("app.domain.rollouts", "resolve_account"),
    ("app.domain.rollouts", "in_rollout"),
    ("app.services.effective.resolution", "resolve_auth_config"),
}
"""Deciding an effective version or a rollout membership: not even imported elsewhere."""

_READ_ANSWERS = (
    "AccountEffectiveVersion",
    "AccountsEffectiveVersions",
    "AuthConfigEffectiveVersion",
)
ANSWERS = {
    ("app.domain.resolution", "Resolution"),
    ("app.domain.resolution_values", "Resolution"),
    ("app.domain.rollouts", "RunningRollout"),
    *(("app.services.effective", name) for name in _READ_ANSWERS),
    *(("app.services.effective.read", name) for name in _READ_ANSWERS),
}
"""The answer's types: they may be named elsewhere (annotations), never built."""


def _names(tree: ast.Module) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """What the module's imports bind: names to (module, name), and aliases to modules."""
    names: dict[str, tuple[str, str]] = {}
    modules: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                local = alias.asname or alias.name
                names[local] = (node.module, alias.name)
                modules[local] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    modules[alias.asname] = alias.name
    return names, modules


def _referenced(
    node: ast.expr, names: dict[str, tuple[str, str]], modules: dict[str, str]
) -> tuple[str, str] | None:
    """The (module, name) an expression refers to, as far as the imports tell."""
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if not isinstance(node, ast.Attribute):
        return None
    if isinstance(node.value, ast.Name) and node.value.id in modules:
        return modules[node.value.id], node.attr
    return ast.unparse(node.value), node.attr


def assembly_outside_home(source: str) -> list[str]:
    """Where `source` (a module outside the homes) decides or builds an effective version: a
    rule imported or used through its module, an answer built."""
    tree = ast.parse(source)
    names, modules = _names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found += [
                f"line {node.lineno}: imports {alias.name} from {node.module}"
                for alias in node.names
                if (node.module, alias.name) in RULES
            ]
        elif isinstance(node, ast.Attribute):
            used = _referenced(node, names, modules)
            if used in RULES:
                found.append(f"line {node.lineno}: uses {used[0]}.{used[1]}")
        elif isinstance(node, ast.Call):
            built = _referenced(node.func, names, modules)
            if built in ANSWERS:
                found.append(f"line {node.lineno}: builds {built[1]}")
    return found


def _modules_outside_home() -> Iterator[Path]:
    for path in sorted(APP.rglob("*.py")):
        relative = path.relative_to(APP).as_posix()
        if not relative.startswith(HOMES):
            yield path


def test_only_the_effective_version_read_assembles_the_answer() -> None:
    # given every module of the app outside the read and the domain's rules
    # when each is searched for a rule called or an answer built
    offences = {
        path.relative_to(APP.parent).as_posix(): found
        for path in _modules_outside_home()
        if (found := assembly_outside_home(path.read_text()))
    }
    # then there is none: they ask `app.services.effective`
    assert offences == {}, offences


def test_the_check_sees_the_ways_an_answer_is_assembled() -> None:
    # given modules that decide or build an effective version in each way the check knows
    offending = {
        "from app.domain.rollouts import in_rollout, resolve_account": 2,
        "from app.domain.resolution import resolve\nresolve(pin, source, c)": 1,
        "from app.domain import rollouts\nrollouts.in_rollout(r, a, p)": 1,
        "import app.domain.rollouts as r\nr.resolve_account(own, None, a)": 1,
        "from app.domain.rollouts import RunningRollout\nRunningRollout(id=i, percent=p)": 1,
        "from app.services.effective import AuthConfigEffectiveVersion as A\nA()": 1,
        "from app.services.effective.resolution import resolve_auth_config": 1,
    }
    # then each is caught, and naming a type in an annotation is not
    for source, expected in offending.items():
        assert len(assembly_outside_home(source)) == expected, source
    annotation = "from app.services.effective import AccountsEffectiveVersions as A\nx: A | None"
    assert assembly_outside_home(annotation) == []
