"""What an exact pin may name when it is set (DESIGN §5.1, §6).

An exact pin names a number, and keeps it until the pin changes: a number nothing can resolve
to would leave the auth config's accounts with no version, and a number in the bin would keep a
version in use that the bin check already let go. So setting an exact pin (creating an auth
config with one, changing a pin or its source to one) needs the number to resolve: a published,
not binned version of the auth config's key within its pin source (under ANY the custom version
of that number first, as resolution takes it). Otherwise `PinnedVersionNotFound`, which lists
the numbers that would resolve. A deprecated version is accepted, with the same warning its
effective version shows.

Floating pins (none, `latest`, `X.x.x`, `X.Y.x`) are not checked: they follow later publishes,
so a line with nothing in it yet is a reasonable thing to pin.
"""

from collections.abc import Iterable

from app.domain.enums import PinSource
from app.domain.errors import DomainError, ErrorCode
from app.domain.pins import Pin
from app.domain.resolution import Candidate, Resolution, resolve
from app.domain.resolution_values import ONLY, IdT
from app.domain.versions import precedence_rank

# The message names the highest numbers only; `available_versions` has all of them.
_NAMED_IN_MESSAGE = 10


class PinnedVersionNotFound(DomainError):
    """An exact pin names no published, not binned version of its key and pin source."""

    code = ErrorCode.PINNED_VERSION_NOT_FOUND

    def __init__(
        self, *, pin: Pin, pin_source: PinSource, reason: str, available: list[str]
    ) -> None:
        if available:
            named = ", ".join(available[:_NAMED_IN_MESSAGE])
            more = len(available) - _NAMED_IN_MESSAGE
            listed = f"the versions it can pin: {named}" + (f" and {more} more" if more > 0 else "")
        else:
            listed = "there is no version it can pin yet"
        super().__init__(f"pin {pin}: {reason}; {listed}")
        self.version_number = str(pin)
        self.pin_source = pin_source
        self.available_versions = available


def check_pin_target(
    pin: Pin, pin_source: PinSource, candidates: Iterable[Candidate[IdT]]
) -> list[str]:
    """The warnings of setting `pin` with `pin_source` over the candidates of its key (the
    pinned version is deprecated); `PinnedVersionNotFound` when an exact pin resolves to
    nothing. Floating pins pass, with no warnings."""
    if pin.is_floating:
        return []
    return list(resolve_pin_target(pin, pin_source, candidates).warnings)


def resolve_pin_target(
    pin: Pin, pin_source: PinSource, candidates: Iterable[Candidate[IdT]]
) -> Resolution[IdT]:
    """The resolution of the exact `pin` with `pin_source` over the candidates of its key;
    `PinnedVersionNotFound` when it resolves to nothing."""
    everything = list(candidates)
    resolution = resolve(pin, pin_source, everything)
    if resolution.version is None:
        raise PinnedVersionNotFound(
            pin=pin,
            pin_source=pin_source,
            reason=resolution.reason,
            available=pinnable_numbers(pin_source, everything),
        )
    return resolution


def pinnable_numbers(pin_source: PinSource, candidates: Iterable[Candidate[IdT]]) -> list[str]:
    """The numbers an exact pin with `pin_source` can name, highest first, each once (under ANY
    a number both sources have is one pin)."""
    only = ONLY.get(pin_source)
    numbers = {
        candidate.version
        for candidate in candidates
        if candidate.published
        and not candidate.binned
        and (only is None or candidate.source is only)
    }
    return sorted(numbers, key=precedence_rank, reverse=True)
