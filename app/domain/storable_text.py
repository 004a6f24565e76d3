"""Text the databases can store.

PostgreSQL refuses a NUL character in `text` and `\\u0000` in `jsonb`, while SQLite stores it;
a lone UTF-16 surrogate (U+D800 to U+DFFF, what JSON's "\\ud800" decodes to) cannot be encoded
as UTF-8 at all. Input holding either is refused before anything uses it, so that both
databases give the same answer and nothing half-done is left behind.
"""

import re
from dataclasses import dataclass

from app.domain.json_paths import ROOT, JsonPath, child, spelt

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_character(text: str) -> str | None:
    """What in `text` cannot be stored, described for people; None when all of it can."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    character = found.group()
    if character == "\x00":
        return "a NUL character (U+0000)"
    return f"a lone surrogate (U+{ord(character):04X})"


@dataclass(frozen=True, slots=True)
class UnstorableText:
    """Where in a JSON value unstorable text was found, and what it was."""

    path: str
    """Relative to the value: "" (the value itself), ".name", "[2].id"."""
    character: str
    in_key: bool
    """The text is an object's key at `path`, not a value."""

    def problem(self) -> str:
        where = "has a key that contains" if self.in_key else "contains"
        return f"{where} {self.character}, which cannot be stored"


def find_unstorable_text(value: object) -> UnstorableText | None:
    """A string or object key that cannot be stored: the first in document order, an object's
    keys before what they hold.

    Iterative rather than recursive: a value may be nested as deeply as the JSON decoder
    allowed, which is deeper than the interpreter's stack left at this point.
    """
    pending: list[tuple[object, JsonPath]] = [(value, ROOT)]
    while pending:
        item, path = pending.pop()
        if isinstance(item, str):
            character = unstorable_character(item)
            if character is not None:
                return UnstorableText(path=spelt(path), character=character, in_key=False)
        elif isinstance(item, dict):
            for key in item:
                character = unstorable_character(key) if isinstance(key, str) else None
                if character is not None:
                    return UnstorableText(path=spelt(path), character=character, in_key=True)
            pending.extend((member, child(path, key)) for key, member in reversed(item.items()))
        elif isinstance(item, list | tuple):
            pending.extend(
                (member, child(path, index)) for index, member in reversed(list(enumerate(item)))
            )
    return None
