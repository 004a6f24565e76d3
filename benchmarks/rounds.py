"""How rounds are ordered and turned into figures, as pure functions (tested without servers).

Two servers compared in one run share the machine with whatever else runs on it, and its load
drifts: a ratio of two medians taken from different rounds mixes a quiet round of one server with
a busy round of the other. So a comparison pairs each round of one server with the same round of
the other, takes the ratio of that pair, and reports the median of those ratios. Within a round
the servers take turns in an order that reverses from one round to the next, so neither always
runs first (on a warm-up or a cooling machine the first one is favoured or penalised).
"""

import math
import statistics
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
M = TypeVar("M")


def round_order(names: Sequence[T], number: int) -> list[T]:
    """The order in which round `number` (1, 2, …) measures `names`: as given in odd rounds,
    reversed in even ones, so that with two servers each goes first in every other round."""
    return list(names) if number % 2 == 1 else list(reversed(names))


def per_round_ratios(
    numerators: Sequence[M], denominators: Sequence[M], value: Callable[[M], float]
) -> list[float]:
    """`value(numerator) / value(denominator)` for each round, the two taken from the same round.

    Both sequences hold one measurement per round, in round order; a round whose denominator is
    0 or not a number gives NaN (it never happens silently: the median of the rest is reported
    with the rounds that gave it)."""
    if len(numerators) != len(denominators):
        raise ValueError(
            f"rounds differ: {len(numerators)} measurements against {len(denominators)}"
        )
    ratios = []
    for top, bottom in zip(numerators, denominators, strict=True):
        a, b = value(top), value(bottom)
        ratios.append(a / b if b and not math.isnan(b) and not math.isnan(a) else math.nan)
    return ratios


def median(values: Sequence[float]) -> float:
    """The median of the values that are numbers; NaN when there is none."""
    numbers = [value for value in values if not math.isnan(value)]
    return statistics.median(numbers) if numbers else math.nan


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (`fraction` 0.5 for p50, 0.99 for p99); NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def parse_counts(text: str) -> tuple[int, ...]:
    """`"1,2"` → (1, 2): worker counts, each at least 1, in the order given, without repeats."""
    counts: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or int(part) < 1:
            raise ValueError(f"not a worker count: {part!r}")
        if int(part) not in counts:
            counts.append(int(part))
    if not counts:
        raise ValueError("no worker count given")
    return tuple(counts)
