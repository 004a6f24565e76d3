"""The effective version (DESIGN §5.2): one row per rule (no database).

Versions are written as "custom 1.2.0" or "managed 2.0.0 deprecated"; flags are `deprecated`,
`draft` (not published) and `binned`.
"""

from uuid import UUID, uuid4

import pytest

from app.domain.enums import PinSource, VersionSource
from app.domain.pins import parse_pin
from app.domain.resolution import Candidate, Resolution, ResolutionRule, resolve

ANY, MANAGED, CUSTOM = PinSource.ANY, PinSource.MANAGED, PinSource.CUSTOM
FLAGS = {"deprecated", "draft", "binned"}


def version(spec: str) -> Candidate[str]:
    source, number, *flags = spec.split()
    assert set(flags) <= FLAGS, spec
    return Candidate(
        id=spec,
        version=number,
        source=VersionSource(source.upper()),
        published="draft" not in flags,
        binned="binned" in flags,
        deprecated="deprecated" in flags,
        deprecation_message="broken pagination" if "deprecated" in flags else None,
    )


def run(pin: str | None, source: PinSource, specs: list[str]) -> Resolution[str]:
    return resolve(parse_pin(pin), source, [version(spec) for spec in specs])


def chosen(resolution: Resolution[str]) -> str | None:
    return resolution.version.label if resolution.version else None


def skipped(resolution: Resolution[str]) -> list[str]:
    return [f"{s.source.value.lower()} {s.version}: {s.cause.value}" for s in resolution.skipped]


@pytest.mark.parametrize(
    ("pin", "source", "versions", "expected", "expected_skips"),
    [
        # no pin: the latest custom version, else the latest managed one
        pytest.param(
            None, ANY,
            ["custom 1.0.0", "custom 1.4.0", "managed 1.0.0", "managed 3.0.0"],
            "custom 1.4.0", ["managed 3.0.0: CUSTOM_PRECEDENCE"],
            id="no pin: latest custom, even below managed",
        ),
        pytest.param(
            None, ANY, ["managed 1.0.0", "managed 2.1.0"], "managed 2.1.0", [],
            id="no pin: latest managed without custom versions",
        ),
        pytest.param(
            None, ANY, ["custom 3.0.0 draft", "custom 2.0.0 binned", "managed 1.0.0"],
            "managed 1.0.0", [],
            id="no pin: custom drafts and binned versions do not count",
        ),
        pytest.param(
            None, ANY, ["custom 2.0.0-beta.1", "managed 1.0.0"], "managed 1.0.0",
            ["custom 2.0.0-beta.1: PRERELEASE"],
            id="no pin: a custom prerelease does not count",
        ),
        # latest, and the pin source
        pytest.param(
            "latest", MANAGED, ["custom 9.0.0", "managed 1.0.0", "managed 2.0.0"],
            "managed 2.0.0", ["custom 9.0.0: PIN_SOURCE"],
            id="latest+MANAGED: latest managed, custom ignored",
        ),
        pytest.param(
            "latest", CUSTOM, ["custom 1.0.0", "managed 5.0.0"], "custom 1.0.0",
            ["managed 5.0.0: PIN_SOURCE"],
            id="latest+CUSTOM: latest custom, managed ignored",
        ),
        pytest.param(
            "latest", CUSTOM, ["managed 5.0.0"], None, ["managed 5.0.0: PIN_SOURCE"],
            id="latest+CUSTOM: no custom version, nothing",
        ),
        pytest.param(
            "latest", ANY, ["custom 1.0.0", "managed 2.0.0"], "custom 1.0.0",
            ["managed 2.0.0: CUSTOM_PRECEDENCE"],
            id="latest+ANY: custom wins",
        ),
        # lines
        pytest.param(
            "1.x.x", ANY, ["custom 1.0.0", "custom 1.3.2", "custom 2.0.0"], "custom 1.3.2", [],
            id="1.x.x: newest 1.*.*, never 2.0.0",
        ),
        pytest.param(
            "1.2.x", ANY, ["custom 1.2.0", "custom 1.2.7", "custom 1.3.0", "custom 2.0.0"],
            "custom 1.2.7", [],
            id="1.2.x: newest 1.2.*, never 1.3.0",
        ),
        pytest.param(
            "2.x.x", ANY, ["custom 1.0.0", "managed 2.1.0"], "managed 2.1.0", [],
            id="line+ANY: custom outside the line leaves managed in charge",
        ),
        # exact pins
        pytest.param(
            "1.2.0", ANY, ["custom 1.2.0", "custom 1.3.0", "custom 2.0.0"], "custom 1.2.0", [],
            id="exact: stays put below higher versions",
        ),
        pytest.param(
            "1.2.0", ANY, ["custom 1.2.0 deprecated", "custom 1.2.1"], "custom 1.2.0", [],
            id="exact: a deprecated version is kept",
        ),
        pytest.param(
            "2.0.0-beta.1", ANY, ["custom 1.0.0", "custom 2.0.0-beta.1"], "custom 2.0.0-beta.1",
            [],
            id="exact: a prerelease",
        ),
        pytest.param(
            "1.2.0", ANY, ["managed 1.2.0", "custom 1.2.0"], "custom 1.2.0",
            ["managed 1.2.0: CUSTOM_PRECEDENCE"],
            id="exact+ANY: custom first at the same number",
        ),
        pytest.param(
            "1.2.0", ANY, ["managed 1.2.0", "custom 1.3.0"], "managed 1.2.0", [],
            id="exact+ANY: managed when custom lacks the number",
        ),
        pytest.param(
            "1.2.0", MANAGED, ["custom 1.2.0", "managed 1.2.0"], "managed 1.2.0",
            ["custom 1.2.0: PIN_SOURCE"],
            id="exact+MANAGED: the managed one at the same number",
        ),
        # custom beats managed at the same number
        pytest.param(
            None, ANY, ["managed 1.2.0", "custom 1.2.0"], "custom 1.2.0",
            ["managed 1.2.0: CUSTOM_PRECEDENCE"],
            id="no pin: custom beats managed at the same number",
        ),
        # semver precedence, never publish order
        pytest.param(
            "latest", ANY, ["custom 1.2.4", "custom 2.0.0", "custom 1.2.5"], "custom 2.0.0", [],
            id="latest: a backport published last does not move it back",
        ),
        pytest.param(
            "1.x.x", ANY, ["custom 1.2.4", "custom 2.0.0", "custom 1.2.5"], "custom 1.2.5", [],
            id="1.x.x: takes the backport",
        ),
        pytest.param(
            "latest", ANY, ["custom 1.10.0", "custom 1.9.0", "custom 1.2.0"], "custom 1.10.0", [],
            id="latest: numbers compare as numbers",
        ),
        # prereleases
        pytest.param(
            "latest", ANY, ["custom 1.0.0", "custom 2.0.0-beta.1"], "custom 1.0.0",
            ["custom 2.0.0-beta.1: PRERELEASE"],
            id="floating: skips a higher prerelease",
        ),
        pytest.param(
            "2.x.x", ANY, ["custom 1.0.0", "custom 2.0.0-beta.1", "managed 2.0.0-rc.1"], None,
            ["managed 2.0.0-rc.1: PRERELEASE", "custom 2.0.0-beta.1: PRERELEASE"],
            id="floating: only prereleases, nothing",
        ),
        # deprecation
        pytest.param(
            "latest", ANY, ["custom 1.0.0", "custom 1.1.0 deprecated"], "custom 1.0.0",
            ["custom 1.1.0: DEPRECATED"],
            id="floating: skips deprecated while another matches",
        ),
        pytest.param(
            "1.x.x", ANY, ["custom 1.0.0 deprecated", "custom 1.1.0 deprecated", "custom 2.0.0"],
            "custom 1.1.0", [],
            id="floating: all deprecated, the newest deprecated",
        ),
        pytest.param(
            "latest", ANY, ["custom 1.0.0 deprecated", "managed 2.0.0"], "custom 1.0.0",
            ["managed 2.0.0: CUSTOM_PRECEDENCE"],
            id="ANY: a deprecated custom version still beats managed",
        ),
        # not candidates
        pytest.param(
            "latest", ANY, ["custom 1.0.0", "custom 1.1.0 binned", "custom 2.0.0 draft"],
            "custom 1.0.0", [],
            id="binned and unpublished: never chosen, not listed",
        ),
        pytest.param(
            "1.2.0", ANY, ["custom 1.2.0 binned", "custom 1.3.0", "managed 1.2.0 draft"], None, [],
            id="exact: a binned or unpublished number, nothing",
        ),
        pytest.param(None, ANY, [], None, [], id="no versions at all"),
        # what `skipped` lists
        pytest.param(
            "latest", ANY,
            ["custom 2.0.0", "custom 1.5.0-beta.1", "custom 1.1.0 deprecated", "managed 1.0.0"],
            "custom 2.0.0", [],
            id="skips below the chosen version are not listed",
        ),
        pytest.param(
            "latest", MANAGED,
            [
                "custom 3.0.0-beta.1", "managed 2.0.0", "managed 2.1.0-rc.1",
                "managed 2.0.1 deprecated",
            ],
            "managed 2.0.0",
            [
                "custom 3.0.0-beta.1: PIN_SOURCE",
                "managed 2.1.0-rc.1: PRERELEASE",
                "managed 2.0.1: DEPRECATED",
            ],
            id="each skip names the first rule that took it out, highest first",
        ),
    ],
)  # fmt: skip
def test_resolution_rules(
    pin: str | None,
    source: PinSource,
    versions: list[str],
    expected: str | None,
    expected_skips: list[str],
) -> None:
    resolution = run(pin, source, versions)

    assert chosen(resolution) == expected
    assert skipped(resolution) == expected_skips
    assert resolution.source == (resolution.version.source if resolution.version else None)


@pytest.mark.parametrize(
    ("pin", "rule"),
    [
        (None, ResolutionRule.DEFAULT),
        ("latest", ResolutionRule.LATEST),
        ("1.x.x", ResolutionRule.MAJOR_LINE),
        ("1.2.x", ResolutionRule.MINOR_LINE),
        ("1.2.0", ResolutionRule.EXACT),
    ],
)
def test_the_rule_is_named_after_the_pin_match_or_not(
    pin: str | None, rule: ResolutionRule
) -> None:
    assert run(pin, ANY, ["custom 1.2.0"]).rule is rule
    assert run(pin, ANY, []).rule is rule


DEV_PORTAL = [
    "custom 1.0.0", "custom 1.1.0", "custom 1.1.1", "custom 2.0.0", "custom 2.3.0",
    "custom 3.0.0", "custom 3.1.0-beta.1",
]  # fmt: skip


@pytest.mark.parametrize(
    ("pin", "expected"),
    [
        ("1.x.x", "custom 1.1.1"),
        ("1.1.x", "custom 1.1.1"),
        ("1.0.x", "custom 1.0.0"),
        ("2.x.x", "custom 2.3.0"),
        ("3.x.x", "custom 3.0.0"),
        ("3.1.x", None),
        ("latest", "custom 3.0.0"),
        ("3.1.0-beta.1", "custom 3.1.0-beta.1"),
    ],
)
def test_several_majors_coexist_each_resolvable_by_its_line(pin: str, expected: str | None) -> None:
    assert chosen(run(pin, ANY, DEV_PORTAL)) == expected


@pytest.mark.parametrize(
    ("pin", "publishes", "expected_after_each"),
    [
        pytest.param(
            "1.x.x",
            ["1.0.0", "1.1.0", "2.0.0", "1.1.1", "1.2.0-rc.1", "0.9.0"],
            ["1.0.0", "1.1.0", "1.1.0", "1.1.1", "1.1.1", "1.1.1"],
            id="1.x.x follows its major line only",
        ),
        pytest.param(
            "1.2.x",
            ["1.2.0", "1.2.1", "1.3.0", "2.0.0", "1.2.2"],
            ["1.2.0", "1.2.1", "1.2.1", "1.2.1", "1.2.2"],
            id="1.2.x follows its minor line only",
        ),
        pytest.param(
            "latest",
            ["1.0.0", "2.0.0", "1.0.1", "2.1.0-beta.1", "2.1.0"],
            ["1.0.0", "2.0.0", "2.0.0", "2.0.0", "2.1.0"],
            id="latest follows the highest release",
        ),
        pytest.param(
            "1.0.0",
            ["1.0.0", "1.0.1", "2.0.0"],
            ["1.0.0", "1.0.0", "1.0.0"],
            id="an exact pin stays put",
        ),
    ],
)
def test_accounts_pick_up_new_publishes(
    pin: str, publishes: list[str], expected_after_each: list[str]
) -> None:
    published: list[str] = []
    for number, expected in zip(publishes, expected_after_each, strict=True):
        published.append(f"custom {number}")
        assert chosen(run(pin, ANY, published)) == f"custom {expected}", published


@pytest.mark.parametrize(
    ("pin", "versions", "expected_warnings"),
    [
        pytest.param(
            "1.2.0", ["custom 1.2.0 deprecated", "custom 1.3.0"],
            [(
                "pinned custom version 1.2.0 is deprecated (broken pagination); "
                "the pin keeps it until the pin changes"
            )],
            id="exact pin of a deprecated version",
        ),
        pytest.param(
            "latest", ["custom 1.0.0 deprecated", "custom 1.1.0 deprecated", "managed 2.0.0"],
            [(
                "custom version 1.1.0 is deprecated (broken pagination); "
                "it is used because every matching custom version is deprecated"
            )],
            id="floating pin with only deprecated matches",
        ),
        pytest.param(
            "latest", ["custom 1.0.0", "custom 1.1.0 deprecated"], [],
            id="no warning when a deprecated version is skipped",
        ),
    ],
)  # fmt: skip
def test_a_deprecated_choice_warns(
    pin: str, versions: list[str], expected_warnings: list[str]
) -> None:
    assert run(pin, ANY, versions).warnings == expected_warnings


@pytest.mark.parametrize(
    ("pin", "source", "versions", "reason"),
    [
        pytest.param(
            None, ANY, ["custom 1.4.0", "managed 2.0.0"],
            "no pin: latest custom version 1.4.0 (custom versions take precedence)",
            id="default, custom",
        ),
        pytest.param(
            None, ANY, ["managed 2.0.0"],
            "no pin: latest managed version 2.0.0 (no published custom version matches)",
            id="default, managed",
        ),
        pytest.param(
            "latest", MANAGED, ["managed 2.0.0"],
            "latest managed version 2.0.0 (pin source MANAGED)",
            id="latest managed",
        ),
        pytest.param(
            "1.x.x", ANY, ["custom 1.3.0"],
            "newest custom version in 1.x.x: 1.3.0 (custom versions take precedence)",
            id="line",
        ),
        pytest.param(
            "1.2.0", CUSTOM, ["custom 1.2.0"],
            "pinned custom version 1.2.0 (pin source CUSTOM)",
            id="exact",
        ),
        pytest.param(
            None, ANY, [], "no published custom or managed version exists (no pin)",
            id="no match: nothing at all",
        ),
        pytest.param(
            "3.x.x", ANY, ["custom 1.0.0", "managed 2.0.0"],
            "no published custom or managed version matches 3.x.x",
            id="no match: nothing in the line",
        ),
        pytest.param(
            "3.x.x", ANY, ["managed 3.0.0-beta.1", "custom 3.1.0-rc.1"],
            "no published custom or managed version matches 3.x.x; only prereleases match "
            "(custom 3.1.0-rc.1, managed 3.0.0-beta.1), and the pin 3.x.x skips them",
            id="no match: only prereleases",
        ),
        pytest.param(
            "1.2.0", CUSTOM, ["managed 1.2.0"],
            "no published custom version is 1.2.0; managed 1.2.0 matches, "
            "but the pin source is CUSTOM",
            id="no match: only the other source",
        ),
        pytest.param(
            "1.2.0", MANAGED, ["managed 1.2.0 binned", "custom 1.2.0 binned"],
            "no published managed version is 1.2.0; in the bin: managed 1.2.0",
            id="no match: the pinned number is in the bin",
        ),
        pytest.param(
            None, ANY, ["custom 2.0.0 draft", "managed 1.0.0 binned"],
            "no published custom or managed version exists (no pin); not published: "
            "custom 2.0.0; in the bin: managed 1.0.0",
            id="no match: drafts and binned versions only",
        ),
        pytest.param(
            "latest", ANY, [f"custom 0.0.{patch}-rc.1" for patch in range(5)],
            "no published custom or managed version matches latest; only prereleases match "
            "(custom 0.0.4-rc.1, custom 0.0.3-rc.1, custom 0.0.2-rc.1 and 2 more), "
            "and the pin latest skips them",
            id="no match: long lists are cut short",
        ),
    ],
)  # fmt: skip
def test_the_reason_explains_the_answer(
    pin: str | None, source: PinSource, versions: list[str], reason: str
) -> None:
    assert run(pin, source, versions).reason == reason


def test_skip_reasons_read_as_sentences() -> None:
    resolution = run(
        "latest",
        MANAGED,
        ["custom 9.0.0", "managed 3.0.0-rc.1", "managed 2.0.0 deprecated", "managed 1.0.0"],
    )

    assert [s.reason for s in resolution.skipped] == [
        "the pin source is MANAGED",
        "a prerelease; the pin latest skips prereleases (pin it exactly to use it)",
        "deprecated (broken pagination); a version that is not deprecated matches",
    ]
    precedence = run(None, ANY, ["custom 1.0.0", "managed 2.0.0"]).skipped
    assert [s.reason for s in precedence] == [
        "a custom version matches, and custom versions take precedence over managed ones"
    ]


def test_the_chosen_candidate_and_skipped_ids_come_back_as_given() -> None:
    chosen_id, skipped_id = uuid4(), uuid4()
    candidates = [
        Candidate[UUID](
            id=chosen_id, version="1.0.0", source=VersionSource.CUSTOM,
            published=True, binned=False, deprecated=False,
        ),
        Candidate[UUID](
            id=skipped_id, version="2.0.0", source=VersionSource.MANAGED,
            published=True, binned=False, deprecated=False,
        ),
    ]  # fmt: skip

    resolution = resolve(parse_pin(None), ANY, candidates)

    assert resolution.version is candidates[0]
    assert resolution.version.id == chosen_id
    assert [s.id for s in resolution.skipped] == [skipped_id]
