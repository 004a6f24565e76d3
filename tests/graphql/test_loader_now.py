"""`NowLoader` answers at once what the request or memory holds, and is otherwise the DataLoader
it extends: the same object for the same key within a request, a batch for the rest."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from inspect import isawaitable

import pytest

from app.graphql.loader_now import NOT_KEPT, NotKept, NowLoader


@dataclass(eq=False)
class Row:
    key: str


@dataclass
class Source:
    """What the loader reads: `batches` records each batch's keys; `memory` what `kept` knows."""

    memory: dict[str, Row | None] = field(default_factory=dict)
    batches: list[list[str]] = field(default_factory=list)
    failing: bool = False

    async def load(self, keys: Sequence[str]) -> list[Row | None]:
        self.batches.append(list(keys))
        if self.failing:
            raise RuntimeError("the read failed")
        return [Row(key) for key in keys]

    def kept(self, key: str) -> Row | NotKept | None:
        return self.memory.get(key, NOT_KEPT)


async def test_what_memory_holds_is_answered_at_once_and_stays_the_same_object() -> None:
    source = Source(memory={"a": Row("a")})
    loader = NowLoader(source.load, kept=source.kept)

    answer = loader.load_now("a")

    assert answer is source.memory["a"]
    # the request keeps seeing that object, even through `load`, and nothing was read
    source.memory["a"] = Row("a, kept again")
    assert loader.load_now("a") is answer
    assert await loader.load("a") is answer
    assert source.batches == []


async def test_memory_answering_none_is_an_answer() -> None:
    # (an id the caller may not see: the batch would answer None too)
    source = Source(memory={"hidden": None})
    loader = NowLoader(source.load, kept=source.kept)

    assert loader.known("hidden") is None
    assert loader.load_now("hidden") is None
    assert await loader.load("hidden") is None
    assert source.batches == []


async def test_what_memory_lacks_is_read_in_one_batch_then_known() -> None:
    source = Source(memory={"a": Row("a")})
    loader = NowLoader(source.load, kept=source.kept)

    pending_b, pending_c = loader.load_now("b"), loader.load_now("c")
    assert isawaitable(pending_b)
    assert isawaitable(pending_c)
    # while the batch is pending, the key is not answered at once, even once memory has it:
    # the request must see the batch's object
    source.memory["b"] = Row("b from memory")
    assert loader.known("b") is NOT_KEPT
    assert loader.load_now("b") is pending_b

    read_b = await pending_b
    await pending_c
    assert source.batches == [["b", "c"]]
    assert read_b is not source.memory["b"]
    assert loader.load_now("b") is read_b


async def test_a_failed_batch_is_not_answered_at_once() -> None:
    source = Source(failing=True)
    loader = NowLoader(source.load, kept=source.kept)
    pending = loader.load_now("a")
    assert isawaitable(pending)
    with pytest.raises(RuntimeError):
        await pending

    # the failure is not turned into an answer: loading the key again raises it again
    assert loader.known("a") is NOT_KEPT
    again = loader.load_now("a")
    assert isawaitable(again)
    with pytest.raises(RuntimeError):
        await again
    assert source.batches == [["a"]]


async def test_without_memory_it_answers_at_once_what_the_request_read() -> None:
    source = Source(memory={"a": Row("a")})
    loader = NowLoader(source.load)

    pending = loader.load_now("a")
    assert isawaitable(pending)
    read = await pending

    assert source.batches == [["a"]]
    assert loader.load_now("a") is read
