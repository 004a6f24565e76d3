"""The effective version of an auth config (DESIGN §5.2): the one place that decides it.

`resolve(pin, pin_source, candidates)` takes the versions of the custom connector of the auth
config's key in its project and of the managed connector of that key, and applies, in order:

1. Only published, not binned versions are candidates. The others are not listed as skipped: they
   are not candidates at all (listing them would put every draft and the whole bin into every
   answer). A "no match" reason does name those within the pin's range, since a pinned number
   that sits in the bin is the likeliest surprise.
2. The pin's range: everything for no pin and `latest`, the line for `X.x.x` / `X.Y.x`, the number
   for an exact pin (prereleases are in range; step 4 skips them). Versions outside the range are
   not listed as skipped: the pin itself says why.
3. Pin source MANAGED or CUSTOM keeps only that source.
4. Floating pins (all but exact) skip prereleases.
5. Pin source ANY keeps the custom candidates when any custom one is left, else the managed ones:
   custom wins even at an equal or lower number. An exact pin takes its number from custom first.
   "Any custom one is left" is judged after skipping prereleases but *before* skipping deprecated
   versions: a custom line whose versions are all deprecated still wins over managed, and step 6
   falls back to its newest deprecated version with a warning. Deprecating a custom version
   pulls a bad release within the custom connector; it must not silently move accounts onto the
   managed connector, a different implementation that may need other credentials. To leave the
   custom connector, pin the source to MANAGED.
6. Floating pins skip deprecated versions while a non-deprecated candidate is left; otherwise they
   take the newest deprecated one, with a warning. Exact pins keep their version, deprecated or
   not (with a warning).
7. The highest by semver precedence wins (never the newest by publish time, so a backport never
   moves `latest` backwards).

`skipped` explains the answer: every candidate in range that a rule (3-6) took out and that ranks
at or above the chosen version (all of them when nothing is chosen), with the first rule that
took it out. Lower ones are left out: they would not have been chosen anyway, and a managed
connector with fifty versions should not bury the one that matters.

(source, version) pairs are unique, as the database guarantees; the answer does not depend on the
order of the candidates. The values live in `resolution_values`, the sentences in
`resolution_reasons`; this module decides.
"""

from collections.abc import Callable, Iterable

from app.domain.enums import PinSource, VersionSource
from app.domain.pins import Pin, PinKind
from app.domain.resolution_reasons import chosen_reason, explain_skips, no_match_reason, warnings
from app.domain.resolution_values import (
    ONLY,
    Candidate,
    IdT,
    Resolution,
    ResolutionRule,
    Skip,
    SkipCause,
    Skipped,
)

__all__ = ["Candidate", "Resolution", "ResolutionRule", "SkipCause", "Skipped", "resolve"]

# Pins whose range is every number (`Pin.matches` is always true): no need to ask.
_WHOLE_RANGE = (PinKind.NONE, PinKind.LATEST)

_RULES = {
    PinKind.NONE: ResolutionRule.DEFAULT,
    PinKind.LATEST: ResolutionRule.LATEST,
    PinKind.MAJOR: ResolutionRule.MAJOR_LINE,
    PinKind.MINOR: ResolutionRule.MINOR_LINE,
    PinKind.EXACT: ResolutionRule.EXACT,
}


def resolve(
    pin: Pin, pin_source: PinSource, candidates: Iterable[Candidate[IdT]]
) -> Resolution[IdT]:
    """The version the auth config's accounts run, the rule that chose it, and why."""
    everything = list(candidates)
    if pin.kind in _WHOLE_RANGE:
        pool = [c for c in everything if c.published and not c.binned]
    else:
        pool = [c for c in everything if c.published and not c.binned and pin.matches(c.number)]
    skips: list[Skip[IdT]] = []
    if pin_source in ONLY:
        only = ONLY[pin_source]
        pool = _keep(pool, lambda c: c.source is only, SkipCause.PIN_SOURCE, skips)
    if pin.is_floating:
        pool = _keep(pool, lambda c: not c.number.prerelease, SkipCause.PRERELEASE, skips)
    if pin_source is PinSource.ANY and any(_is_custom(c) for c in pool):
        pool = _keep(pool, _is_custom, SkipCause.CUSTOM_PRECEDENCE, skips)
    if pin.is_floating and any(not c.deprecated for c in pool):
        pool = _keep(pool, lambda c: not c.deprecated, SkipCause.DEPRECATED, skips)
    # One source is left, and numbers are unique within a source: the highest is unique.
    chosen = max(pool, key=lambda c: c.rank, default=None)
    skipped = explain_skips(skips, chosen, pin, pin_source)
    if chosen is None:
        return Resolution(
            version=None,
            rule=_RULES[pin.kind],
            source=None,
            reason=no_match_reason(pin, pin_source, skips, everything),
            warnings=[],
            skipped=skipped,
        )
    return Resolution(
        version=chosen,
        rule=_RULES[pin.kind],
        source=chosen.source,
        reason=chosen_reason(pin, pin_source, chosen),
        warnings=warnings(pin, chosen),
        skipped=skipped,
    )


def _keep(
    pool: list[Candidate[IdT]],
    keep: Callable[[Candidate[IdT]], bool],
    cause: SkipCause,
    skips: list[Skip[IdT]],
) -> list[Candidate[IdT]]:
    """The candidates `keep` accepts; the others go to `skips` with `cause`."""
    kept = []
    for candidate in pool:
        if keep(candidate):
            kept.append(candidate)
        else:
            skips.append((candidate, cause))
    return kept


def _is_custom(candidate: Candidate[IdT]) -> bool:
    return candidate.source is VersionSource.CUSTOM
