"""Paths into JSON values, built as the value is walked and spelt out only when one is needed.

A path is a chain of (parent, step) links, so extending it costs the same at any depth; walking a
large document builds no strings for the places nobody asks about.
"""

JsonPath = tuple["JsonPath", str | int] | None
ROOT: JsonPath = None


def child(path: JsonPath, step: str | int) -> JsonPath:
    """The path of an object's member (a key) or a list's item (an index)."""
    return (path, step)


def spelt(path: JsonPath) -> str:
    """`.actions[2].params`: keys after dots, indexes in brackets ("" for the root)."""
    steps: list[str] = []
    while path is not None:
        path, step = path
        steps.append(f"[{step}]" if isinstance(step, int) else f".{step}")
    return "".join(reversed(steps))
