"""Lists of plain data completed by plans (`app.graphql.plain_lists`) answer exactly what
graphql-core answers field by field: the same data, the same errors at the same paths."""

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, cast

import pytest
import strawberry
from strawberry.types import ExecutionResult

from app.graphql import plain_lists
from app.graphql.plain import answer_at_hand, read_attributes_directly
from app.graphql.plain_lists import PlainListsExecutor


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Tag:
    label: str
    colour: Colour


@strawberry.type
class Item:
    name: str
    note: str | None
    tag: Tag | None
    tags: list[Tag]
    known_tag: strawberry.Private[Tag | None]

    @strawberry.field
    def best_tag(self, upper: bool | None = None) -> Tag:
        label = "worked out"
        return Tag(label=label.upper() if upper else label, colour=Colour.BLUE)

    @strawberry.field
    async def later(self) -> str:
        return self.name


def item(name: Any, *, known: bool = True, note: str | None = None, tag: Any = None) -> Item:
    at_hand = Tag(label=f"{name} at hand", colour=Colour.RED) if known else None
    return Item(name=name, note=note, tag=tag, tags=[], known_tag=at_hand)


@dataclass
class World:
    items: list[Item] = field(default_factory=list)


WORLD = World()


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return WORLD.items

    @strawberry.field
    def maybe_items(self) -> list[Item | None] | None:
        return list(WORLD.items)


def _schema(*, plans: bool) -> strawberry.Schema:
    if plans:
        built = strawberry.Schema(Query, execution_context_class=PlainListsExecutor)
    else:
        built = strawberry.Schema(Query)
    read_attributes_directly(built._schema)
    answer_at_hand(built._schema, "Item", "bestTag", attribute="known_tag")
    return built


WITH_PLANS = _schema(plans=True)
FIELD_BY_FIELD = _schema(plans=False)


async def both(document: str, variables: dict[str, Any] | None = None) -> ExecutionResult:
    """The answer with plans, checked against graphql-core's field by field."""
    planned = await WITH_PLANS.execute(document, variable_values=variables)
    plain = await FIELD_BY_FIELD.execute(document, variable_values=variables)
    assert planned.data == plain.data
    assert [(e.message, e.path) for e in planned.errors or []] == [
        (e.message, e.path) for e in plain.errors or []
    ]
    return planned


@pytest.fixture
def planned(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The lists a plan completed, by response path."""
    completed: list[str] = []
    plan_of = PlainListsExecutor._plan

    def counting(self: PlainListsExecutor, *args: Any) -> Any:
        plan = plan_of(self, *args)
        if plan is not None:
            completed.append("planned")
        return plan

    monkeypatch.setattr(PlainListsExecutor, "_plan", counting)
    return completed


REFUSED = Tag(label="t", colour=cast(Colour, "green"))

DOCUMENT = """
query Items($upper: Boolean, $skip: Boolean!) {
  items {
    __typename
    name
    alias: note
    tag { label colour }
    bestTag(upper: $upper) { label colour }
    ... on Item { again: name }
    ...Named
    skipped: name @skip(if: $skip)
  }
}
fragment Named on Item { name }
"""


async def test_a_plain_list_is_answered_by_its_plan(planned: list[str]) -> None:
    WORLD.items = [item("a"), item("b", note="n", tag=Tag(label="t", colour=Colour.BLUE))]

    result = await both(DOCUMENT, {"upper": None, "skip": True})

    assert result.errors is None
    assert result.data == {
        "items": [
            {
                "__typename": "Item",
                "name": "a",
                "alias": None,
                "tag": None,
                "bestTag": {"label": "a at hand", "colour": "RED"},
                "again": "a",
            },
            {
                "__typename": "Item",
                "name": "b",
                "alias": "n",
                "tag": {"label": "t", "colour": "BLUE"},
                "bestTag": {"label": "b at hand", "colour": "RED"},
                "again": "b",
            },
        ]
    }
    assert planned


@pytest.mark.parametrize(
    ("items", "variables"),
    [
        # an answer not at hand: its resolver answers
        ([item("a"), item("b", known=False)], {"upper": None, "skip": False}),
        # an argument given: its resolver answers
        ([item("a"), item("b")], {"upper": True, "skip": False}),
        # a null where the schema forbids one: graphql-core reports it
        ([item("a"), item(None)], {"upper": None, "skip": False}),
        # a value its type refuses: graphql-core reports it
        ([item("a"), item("b", tag=REFUSED)], {"upper": None, "skip": False}),
        # not an Item at all
        ([item("a"), Tag(label="t", colour=Colour.RED)], {"upper": None, "skip": False}),
    ],
)
async def test_what_a_plan_does_not_expect_is_answered_field_by_field(
    items: list[Any], variables: dict[str, Any]
) -> None:
    WORLD.items = items
    result = await both(DOCUMENT, variables)
    assert result.data is None or result.data["items"][0]["name"] == "a"
    if result.data is not None and items[1].known_tag is None:
        assert result.data["items"][1]["bestTag"]["label"] == "worked out"


async def test_a_list_with_a_field_that_resolves_is_not_planned(planned: list[str]) -> None:
    WORLD.items = [item("a"), item("b")]

    result = await both("{ items { name later } maybeItems { name } }")

    assert result.data == {
        "items": [{"name": "a", "later": "a"}, {"name": "b", "later": "b"}],
        "maybeItems": [{"name": "a"}, {"name": "b"}],
    }
    assert planned == ["planned"]  # maybeItems: `later` resolves, so `items` is not planned


def test_the_registry_schema_runs_plans() -> None:
    from app.graphql.schema import schema

    assert schema.execution_context_class is plain_lists.PlainListsExecutor
