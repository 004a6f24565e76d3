"""The words `push` prints for each outcome."""

from typing import Any

import pytest

from app.push import Change, Problem, Pushed, PushFile, Refused, describe

PUSH_FILE = PushFile(key="crm", version="1.2.0", definition={"auth": {}, "actions": []})
REPLACED = "the content it replaced is kept in the version's revisions"
OVERWROTE = f"Overwrote crm 1.2.0: now revision 3; {REPLACED}."


def pushed(**fields: Any) -> Pushed:
    defaults: dict[str, Any] = {
        "version": "1.2.0",
        "changed": True,
        "revision": 1,
        "content_hash": "h",
        "previous_version": None,
        "required_bump": None,
    }
    return Pushed(**{**defaults, **fields})


@pytest.mark.parametrize(
    ("result", "lines"),
    [
        (pushed(), ["Published crm 1.2.0.", "No earlier published version to compare it with."]),
        (
            pushed(previous_version="1.1.0"),
            ["Published crm 1.2.0.", "No changes to the definition since 1.1.0."],
        ),
        (
            pushed(
                previous_version="1.1.0",
                required_bump="MINOR",
                changes=[
                    Change("MINOR", "actions[b]", "action 'b' was added"),
                    Change("PATCH", "actions[a].description", "description changed"),
                ],
            ),
            [
                "Published crm 1.2.0.",
                "Changes since 1.1.0 (they need MINOR):",
                "  MINOR  actions[b]: action 'b' was added",
                "  PATCH  actions[a].description: description changed",
            ],
        ),
        (
            pushed(changed=False),
            ["Unchanged: crm 1.2.0 is already published with this content (changed: false)."],
        ),
        (
            pushed(revision=3, previous_version="1.1.0"),
            [
                OVERWROTE,
                "No changes to the definition since 1.1.0.",
            ],
        ),
    ],
)
def test_a_success_is_described(result: Pushed, lines: list[str]) -> None:
    assert describe(PUSH_FILE, result) == lines


def test_a_refusal_lists_each_change_with_its_bump() -> None:
    refused = Refused(
        typename="InsufficientVersionBumpError",
        code="INSUFFICIENT_VERSION_BUMP",
        message="1.2.0 declares MINOR over 1.1.0, but the changes need MAJOR: ...",
        previous_version="1.1.0",
        changes=[
            Change("MAJOR", "actions[a]", "action 'a' was removed"),
            Change("MINOR", "actions[b]", "action 'b' was added"),
        ],
    )

    assert describe(PUSH_FILE, refused) == [
        "crm 1.2.0 was not pushed: INSUFFICIENT_VERSION_BUMP",
        "1.2.0 declares MINOR over 1.1.0, but the changes need MAJOR: ...",
        "Each change since 1.1.0, with the bump it needs:",
        "  MAJOR  actions[a]: action 'a' was removed",
        "  MINOR  actions[b]: action 'b' was added",
    ]


def test_a_refusal_lists_each_problem_by_path() -> None:
    refused = Refused(
        typename="InvalidDefinitionError",
        code="INVALID_DEFINITION",
        message="the definition is invalid: ...",
        problems=[Problem("", "the definition must be an object"), Problem("auth", "required")],
    )

    assert describe(PUSH_FILE, refused) == [
        "crm 1.2.0 was not pushed: INVALID_DEFINITION",
        "the definition is invalid: ...",
        "Problems, by path in the definition:",
        "  (top level): the definition must be an object",
        "  auth: required",
    ]


def test_a_plain_error_is_its_code_and_message() -> None:
    refused = Refused(typename="ForbiddenError", code="FORBIDDEN", message="VIEWER keys only read")

    assert describe(PUSH_FILE, refused) == [
        "crm 1.2.0 was not pushed: FORBIDDEN",
        "VIEWER keys only read",
    ]
