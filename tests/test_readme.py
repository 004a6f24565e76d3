"""The README stays a door: short, with links into the docs that lead somewhere; and every
GraphQL example of the README and the docs is a valid operation of today's schema."""

import re
from pathlib import Path

import pytest
from graphql import DocumentNode, OperationDefinitionNode, parse, validate

from app.graphql.schema import schema

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
MAX_README_LINES = 200
# A Markdown link's target, without its title: [text](target)
LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} (.+?)\s*$", re.MULTILINE)
GRAPHQL_BLOCK = re.compile(r"^```graphql\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def _anchor(heading: str) -> str:
    """The id MkDocs gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[`*_]", "", heading).lower()
    text = re.sub(r"[^\w\s-]", "", text)
    return re.sub(r"[\s]+", "-", text.strip())


def _docs_links(text: str) -> list[str]:
    return [target for target in LINK.findall(text) if target.startswith("docs/")]


def test_the_readme_is_at_most_200_lines() -> None:
    lines = len(README.read_text().splitlines())
    assert lines <= MAX_README_LINES, f"README.md has {lines} lines; move detail into docs/"


def test_every_docs_link_in_the_readme_points_at_a_page_that_exists() -> None:
    links = _docs_links(README.read_text())
    assert links, "the README links into the docs"
    for link in links:
        path, _, anchor = link.partition("#")
        page = ROOT / path
        assert page.is_file(), f"README links to {path}, which does not exist"
        if anchor:
            anchors = {_anchor(heading) for heading in HEADING.findall(page.read_text())}
            assert anchor in anchors, f"README links to {link}: {path} has no such heading"


def _examples() -> list[object]:
    found: list[object] = []
    for path in [README, *sorted(DOCS.rglob("*.md"))]:
        name = str(path.relative_to(ROOT))
        for index, block in enumerate(GRAPHQL_BLOCK.findall(path.read_text())):
            found.append(pytest.param(name, block, id=f"{name}-{index + 1}"))
    return found


@pytest.mark.parametrize(("path", "block"), _examples())
def test_every_graphql_example_is_valid_against_the_schema(path: str, block: str) -> None:
    # Each operation on its own, as a reader pastes one into GraphiQL
    for operation in parse(block).definitions:
        assert isinstance(operation, OperationDefinitionNode)
        errors = validate(schema._schema, DocumentNode(definitions=(operation,)))
        assert not errors, (path, [error.message for error in errors])
