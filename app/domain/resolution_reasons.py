"""The sentences that explain a resolution (`app.domain.resolution` decides; this only says why).

Reasons read like "latest custom version 1.4.0 (custom versions take precedence)" or "no published
custom or managed version matches 3.x.x; only prereleases match (managed 3.0.0-beta.1), and the
pin 3.x.x skips them".
"""

from collections.abc import Sequence

from app.domain.enums import PinSource, VersionSource
from app.domain.pins import Pin, PinKind
from app.domain.resolution_values import ONLY, Candidate, IdT, Skip, SkipCause, Skipped
from app.domain.versions import PrecedenceRank


def explain_skips(
    skips: Sequence[Skip[IdT]], chosen: Candidate[IdT] | None, pin: Pin, pin_source: PinSource
) -> list[Skipped[IdT]]:
    """The skips worth reading: those at or above the chosen version (all when there is none),
    highest first, custom before managed."""
    lowest = None if chosen is None else chosen.rank
    shown = [
        (candidate, cause)
        for candidate, cause in skips
        if lowest is None or candidate.rank >= lowest
    ]
    shown.sort(key=lambda skip: _rank(skip[0]), reverse=True)
    return [
        Skipped(
            id=candidate.id,
            version=candidate.version,
            source=candidate.source,
            cause=cause,
            reason=_skip_reason(cause, candidate, pin, pin_source),
        )
        for candidate, cause in shown
    ]


def chosen_reason(pin: Pin, pin_source: PinSource, chosen: Candidate[IdT]) -> str:
    source = chosen.source.value.lower()
    if pin.kind is PinKind.EXACT:
        what = f"pinned {source} version {chosen.version}"
    elif pin.kind in (PinKind.MAJOR, PinKind.MINOR):
        what = f"newest {source} version in {pin}: {chosen.version}"
    else:
        what = f"latest {source} version {chosen.version}"
    if pin_source is not PinSource.ANY:
        why = f"pin source {pin_source.value}"
    elif chosen.source is VersionSource.CUSTOM:
        why = "custom versions take precedence"
    else:
        why = "no published custom version matches"
    prefix = "no pin: " if pin.kind is PinKind.NONE else ""
    return f"{prefix}{what} ({why})"


def warnings(pin: Pin, chosen: Candidate[IdT]) -> list[str]:
    if not chosen.deprecated:
        return []
    source = chosen.source.value.lower()
    if pin.is_floating:
        because = f"it is used because every matching {source} version is deprecated"
        return [f"{source} version {chosen.version} is {_deprecated(chosen)}; {because}"]
    keeps = "the pin keeps it until the pin changes"
    return [f"pinned {source} version {chosen.version} is {_deprecated(chosen)}; {keeps}"]


def no_match_reason(
    pin: Pin,
    pin_source: PinSource,
    skips: Sequence[Skip[IdT]],
    candidates: Sequence[Candidate[IdT]],
) -> str:
    """Which sources were looked at for what, and what in range was there but did not count."""
    sources = {PinSource.ANY: "custom or managed", PinSource.MANAGED: "managed"}.get(
        pin_source, "custom"
    )
    if pin.kind is PinKind.EXACT:
        looked_for = f"is {pin}"
    elif pin.kind is PinKind.NONE:
        looked_for = "exists (no pin)"
    else:
        looked_for = f"matches {pin}"
    details = [
        *_skip_details(skips, pin, pin_source),
        *_not_candidates(pin, pin_source, candidates),
    ]
    return "; ".join([f"no published {sources} version {looked_for}", *details])


def _skip_reason(cause: SkipCause, candidate: Candidate[IdT], pin: Pin, source: PinSource) -> str:
    if cause is SkipCause.PIN_SOURCE:
        return f"the pin source is {source.value}"
    if cause is SkipCause.PRERELEASE:
        return f"a prerelease; {_pin_label(pin)} skips prereleases (pin it exactly to use it)"
    if cause is SkipCause.CUSTOM_PRECEDENCE:
        return "a custom version matches, and custom versions take precedence over managed ones"
    return f"{_deprecated(candidate)}; a version that is not deprecated matches"


def _skip_details(skips: Sequence[Skip[IdT]], pin: Pin, pin_source: PinSource) -> list[str]:
    # With nothing chosen, only the source and prerelease rules can have skipped anything: the
    # precedence and deprecation rules only ever narrow a pool that is not empty.
    details = []
    other_source = [candidate for candidate, cause in skips if cause is SkipCause.PIN_SOURCE]
    if other_source:
        details.append(
            f"{_labels(other_source)} {_match(other_source)}, "
            f"but the pin source is {pin_source.value}"
        )
    prereleases = [candidate for candidate, cause in skips if cause is SkipCause.PRERELEASE]
    if prereleases:
        details.append(
            f"only prereleases match ({_labels(prereleases)}), and {_pin_label(pin)} skips them"
        )
    return details


def _not_candidates(
    pin: Pin, pin_source: PinSource, candidates: Sequence[Candidate[IdT]]
) -> list[str]:
    """The unpublished and binned versions in range: a pinned number in the bin, say."""
    ignored = [
        candidate
        for candidate in candidates
        if (candidate.binned or not candidate.published)
        and ONLY.get(pin_source, candidate.source) is candidate.source
        and pin.matches(candidate.number)
    ]
    binned = [candidate for candidate in ignored if candidate.binned]
    unpublished = [candidate for candidate in ignored if not candidate.binned]
    details = []
    if unpublished:
        details.append(f"not published: {_labels(unpublished)}")
    if binned:
        details.append(f"in the bin: {_labels(binned)}")
    return details


def _labels(candidates: Sequence[Candidate[IdT]], most: int = 3) -> str:
    """ "custom 1.2.0, managed 1.2.0 and 4 more", highest first."""
    ordered = sorted(candidates, key=_rank, reverse=True)
    labels = ", ".join(candidate.label for candidate in ordered[:most])
    return labels + (f" and {len(ordered) - most} more" if len(ordered) > most else "")


def _rank(candidate: Candidate[IdT]) -> tuple[PrecedenceRank, bool]:
    """Highest number first, then custom before managed (with `reverse=True`)."""
    return (candidate.rank, candidate.source is VersionSource.CUSTOM)


def _match(candidates: Sequence[Candidate[IdT]]) -> str:
    return "matches" if len(candidates) == 1 else "match"


def _pin_label(pin: Pin) -> str:
    return "the default (no pin)" if pin.kind is PinKind.NONE else f"the pin {pin}"


def _deprecated(candidate: Candidate[IdT]) -> str:
    message = f" ({candidate.deprecation_message})" if candidate.deprecation_message else ""
    return f"deprecated{message}"
