"""Properties of resolution over generated pins and candidates (no database)."""

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.domain.enums import PinSource, VersionSource
from app.domain.pins import Pin, PinKind, parse_pin
from app.domain.resolution import Candidate, Resolution, resolve
from app.domain.versions import precedence_key

# Modest, because this runs in CI on 2 cores.
modest = settings(max_examples=100, deadline=None)

# Small pools, so that pins, lines and candidates meet often.
SMALL = st.integers(0, 3)
PRERELEASES = st.sampled_from(["alpha", "beta.1", "rc.2"])
VERSIONS = st.builds(
    lambda major, minor, patch, pre: f"{major}.{minor}.{patch}" + (f"-{pre}" if pre else ""),
    SMALL,
    SMALL,
    SMALL,
    st.none() | PRERELEASES,
)
ALL_VERSIONS = sorted(
    {f"{a}.{b}.{c}{pre}" for a in range(4) for b in range(4) for c in range(4)
     for pre in ("", "-alpha", "-beta.1", "-rc.2")},
    key=precedence_key,
)  # fmt: skip
SOURCES = st.sampled_from(VersionSource)
PIN_SOURCES = st.sampled_from(PinSource)
MOSTLY = st.sampled_from([True, True, True, False])  # published, say: usually, not always

FLOATING_PINS = st.one_of(
    st.just(""),
    st.just("latest"),
    SMALL.map(lambda major: f"{major}.x.x"),
    st.tuples(SMALL, SMALL).map(lambda line: f"{line[0]}.{line[1]}.x"),
).map(parse_pin)
EXACT_PINS = VERSIONS.map(parse_pin)
PINS = FLOATING_PINS | EXACT_PINS


@st.composite
def candidate_lists(draw: st.DrawFn) -> list[Candidate[int]]:
    """Versions of both sources; (source, version) is unique, as in the database."""
    keys = draw(st.lists(st.tuples(SOURCES, VERSIONS), max_size=12, unique=True))
    return [
        Candidate(
            id=index,
            version=version,
            source=source,
            published=draw(MOSTLY),
            binned=not draw(MOSTLY),
            deprecated=not draw(MOSTLY),
        )
        for index, (source, version) in enumerate(keys)
    ]


CANDIDATES = candidate_lists()


def eligible(candidates: list[Candidate[int]], pin: Pin, source: PinSource) -> list[Candidate[int]]:
    """What rules 1 to 4 let through, before the custom-first and deprecated rules."""
    return [
        c
        for c in candidates
        if c.published
        and not c.binned
        and pin.matches(c.number)
        and not (pin.is_floating and c.number.prerelease)
        and source in (PinSource.ANY, PinSource(c.source.value))
    ]


# Many drawn lists leave the pin with no version, or nothing lower to publish; the examples
# that remain are the ones the property is about, so the filtering is expected.
@settings(modest, suppress_health_check=[HealthCheck.filter_too_much])
@given(FLOATING_PINS, PIN_SOURCES, CANDIDATES, st.data())
def test_publishing_a_lower_version_never_moves_a_floating_pin(
    pin: Pin, pin_source: PinSource, candidates: list[Candidate[int]], data: st.DataObject
) -> None:
    before = resolve(pin, pin_source, candidates)
    assume(before.version is not None)
    assert before.version is not None
    current = before.version
    # Under ANY a custom version outranks every managed one whatever its number, and after a
    # deprecated fallback a version that is not deprecated outranks every deprecated one: those
    # are not "lower", so they are not drawn here.
    sources = [VersionSource.MANAGED]
    if pin_source is not PinSource.ANY or current.source is VersionSource.CUSTOM:
        sources.append(VersionSource.CUSTOM)
    source = data.draw(st.sampled_from(sources))
    taken = {c.version for c in candidates if c.source is source}
    lower = [v for v in ALL_VERSIONS if precedence_key(v) < current.number and v not in taken]
    assume(lower)
    published = Candidate(
        id=-1,
        version=data.draw(st.sampled_from(lower)),
        source=source,
        published=True,
        binned=False,
        deprecated=current.deprecated or data.draw(st.booleans()),
    )

    after = resolve(pin, pin_source, [*candidates, published])

    assert after.version == current


@modest
@given(PINS, st.sampled_from([PinSource.MANAGED, PinSource.CUSTOM]), CANDIDATES)
def test_a_restricted_pin_source_never_returns_the_other_source(
    pin: Pin, pin_source: PinSource, candidates: list[Candidate[int]]
) -> None:
    resolution = resolve(pin, pin_source, candidates)

    if resolution.version is not None:
        assert resolution.version.source.value == pin_source.value
        assert resolution.source is resolution.version.source


@modest
@given(PIN_SOURCES, CANDIDATES, st.data())
def test_an_exact_pin_returns_that_number_or_nothing(
    pin_source: PinSource, candidates: list[Candidate[int]], data: st.DataObject
) -> None:
    # Mostly a number that is there, so that both answers are seen often.
    present = st.sampled_from([c.version for c in candidates]) if candidates else VERSIONS
    pin = parse_pin(data.draw(present | VERSIONS))
    resolution = resolve(pin, pin_source, candidates)

    if resolution.version is None:
        assert eligible(candidates, pin, pin_source) == []
    else:
        assert resolution.version.version == str(pin)


@modest
@given(PINS, PIN_SOURCES, CANDIDATES)
def test_resolution_is_deterministic_and_ignores_the_order_of_candidates(
    pin: Pin, pin_source: PinSource, candidates: list[Candidate[int]]
) -> None:
    resolution = resolve(pin, pin_source, candidates)

    assert resolve(pin, pin_source, candidates) == resolution
    assert resolve(pin, pin_source, reversed(candidates)) == resolution
    assert_explains_itself(resolution, candidates)


def assert_explains_itself(resolution: Resolution[int], candidates: list[Candidate[int]]) -> None:
    assert resolution.reason
    if resolution.version is not None:
        assert resolution.version in candidates
        assert resolution.version.published
        assert not resolution.version.binned
        assert resolution.source is resolution.version.source
        assert bool(resolution.warnings) is resolution.version.deprecated
    else:
        assert resolution.source is None
        assert resolution.warnings == []
    by_id = {c.id: c for c in candidates}
    for skip in resolution.skipped:
        skipped = by_id[skip.id]
        assert (skip.version, skip.source) == (skipped.version, skipped.source)
        assert skipped != resolution.version
        assert skipped.published
        assert not skipped.binned
        assert skip.reason


@modest
@given(FLOATING_PINS, PIN_SOURCES, CANDIDATES)
def test_a_floating_pin_never_returns_a_prerelease(
    pin: Pin, pin_source: PinSource, candidates: list[Candidate[int]]
) -> None:
    resolution = resolve(pin, pin_source, candidates)

    if resolution.version is not None:
        assert not resolution.version.number.prerelease


@modest
@given(PINS, PIN_SOURCES, CANDIDATES)
def test_the_result_is_the_highest_eligible_version_of_the_source_that_wins(
    pin: Pin, pin_source: PinSource, candidates: list[Candidate[int]]
) -> None:
    resolution = resolve(pin, pin_source, candidates)
    options = eligible(candidates, pin, pin_source)

    if resolution.version is None:
        assert options == []
        return
    result = resolution.version
    if pin_source is PinSource.ANY and result.source is VersionSource.MANAGED:
        assert not any(c.source is VersionSource.CUSTOM for c in options)
    if pin.is_floating and result.deprecated:
        assert all(c.deprecated for c in options if c.source is result.source)
    for other in options:
        if other.source is result.source and other.number > result.number:
            # Only a deprecated version may rank higher, and only when the result is not.
            assert pin.kind is not PinKind.EXACT
            assert other.deprecated
            assert not result.deprecated
