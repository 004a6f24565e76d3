"""Saying what a push did, in lines a developer reads."""

from app.push.client import Change, PushResult, Refused
from app.push.files import PushFile
from app.push.impact import MOVES_SHOWN, Preview


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


def describe_preview(push_file: PushFile, preview: Preview) -> list[str]:
    """What pushing would do: the refusal, or the moves as a table."""
    subject = f"{push_file.key} {push_file.version}"
    if preview.refusal is not None:
        return _describe_refusal(subject, preview.refusal, "would not be pushed")
    if not preview.moves:
        return [f"Pushing {subject} would move no auth config."]
    newly = preview.newly_needing_reauthentication
    lines = [
        (
            f"Pushing {subject} would move {preview.auth_configs} auth config(s) with "
            f"{preview.accounts} linked account(s), {newly} of them newly needing "
            "re-authentication:"
        )
    ]
    rows = [("AUTH CONFIG", "FROM", "TO", "ACCOUNTS", "RE-AUTH")] + [
        (
            move.auth_config,
            move.before,
            move.after,
            str(move.accounts),
            str(move.needing_reauthentication),
        )
        for move in preview.moves
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines += [
        "  "
        + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    if preview.auth_configs > MOVES_SHOWN:
        lines.append(f"  … and {preview.auth_configs - MOVES_SHOWN} more auth configs")
    return lines


def _describe_refusal(subject: str, refused: Refused, outcome: str = "was not pushed") -> list[str]:
    lines = [f"{subject} {outcome}: {refused.code}", refused.message]
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
