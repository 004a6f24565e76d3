"""Saying what a push did, in lines a developer reads."""

from app.push.client import Change, PushResult, Refused
from app.push.files import PushFile


def describe(push_file: PushFile, result: PushResult) -> list[str]:
    """What happened, in lines a developer reads."""
    subject = f"{push_file.key} {push_file.version}"
    if isinstance(result, Refused):
        return _describe_refusal(subject, result)
    if not result.changed:
        return [f"Unchanged: {subject} is already published with this content (changed: false)."]
    if result.revision > 1:
        replaced = "the content it replaced is kept in the version's revisions"
        lines = [f"Overwrote {subject}: now revision {result.revision}; {replaced}."]
    else:
        lines = [f"Published {subject}."]
    if result.previous_version is None:
        lines.append("No earlier published version to compare it with.")
    elif not result.changes:
        lines.append(f"No changes to the definition since {result.previous_version}.")
    else:
        lines.append(f"Changes since {result.previous_version} (they need {result.required_bump}):")
        lines += _change_lines(result.changes)
    return lines


def _describe_refusal(subject: str, refused: Refused) -> list[str]:
    lines = [f"{subject} was not pushed: {refused.code}", refused.message]
    if refused.changes:
        against = f" since {refused.previous_version}" if refused.previous_version else ""
        lines.append(f"Each change{against}, with the bump it needs:")
        lines += _change_lines(refused.changes)
    if refused.problems:
        lines.append("Problems, by path in the definition:")
        lines += [f"  {p.path or '(top level)'}: {p.message}" for p in refused.problems]
    return lines


def _change_lines(changes: list[Change]) -> list[str]:
    return [f"  {c.bump:<5}  {c.path}: {c.description}" for c in changes]
