"""`effectiveVersion(at:)` reads only the history around its instant (`history_window`): with
a window of one or two rows a side, nearly every answer began before the window's state or
ended after it, or both, so the random histories of the agreement test, read back through a
window that narrow, check the window's state and its edges against what was read at the time.
"""

import random
from typing import Any

import pytest

import app.services.effective.history as history
import app.services.effective.history_window as history_window
from tests.graphql.history.test_history_agreement import STEPS, _round
from tests.graphql_client import GraphQLClient
from tests.keys import Keys


# The seeds' histories overwrite a content an account authenticated under before the window's
# state, so that its status needs each content's latest row in the state, not each version's.
@pytest.mark.parametrize(("size", "seed"), [(1, 3), (1, 7), (2, 2)])
async def test_a_narrow_window_answers_what_was_read(
    graphql: GraphQLClient, keys: Keys, monkeypatch: pytest.MonkeyPatch, size: int, seed: int
) -> None:
    # given windows of `size` rows a side, and a count of the answers they could not give
    monkeypatch.setattr(history_window, "WINDOW", size)
    windows, wholes = [0], [0]
    read_window, read_history = history_window.read_window, history.read_history

    async def counted_window(*args: Any, **kwargs: Any) -> Any:
        windows[0] += 1
        return await read_window(*args, **kwargs)

    async def counted_whole(*args: Any, **kwargs: Any) -> Any:
        # `at:` reads the whole history up to the instant its window was read at (a timeline
        # up to now, without saying)
        wholes[0] += "until" in kwargs
        return await read_history(*args, **kwargs)

    monkeypatch.setattr(history, "read_window", counted_window)
    monkeypatch.setattr(history, "read_history", counted_whole)
    # when a random history is read back at each noted instant (the agreement test's round)
    await _round(graphql, keys, random.Random(seed), f"w{seed}", STEPS)
    # then every answer was what was read then, and some came from the window alone
    assert 0 < wholes[0] < windows[0]
