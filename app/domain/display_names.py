"""How end users see a version (DESIGN §10): a suffix on the connector's name.

"<connector name> v<major>" ("My Connector v2") while the major names one version, and the full
number ("My Connector v2.1.0") when the major has other published versions. "Other published
versions" are the connector's published, not binned releases with the same major, the version
itself aside: a draft, a binned version or a prerelease is no one's "v2", so none of them makes
another version's name longer. A prerelease always shows its full number ("v2.0.0-beta.1"): it
is never *the* v2. A draft or a binned version follows the same rule as any other, so a draft of
2.1.0 next to a published 2.0.0 is already "v2.1.0" (and 2.0.0 becomes "v2.0.0" once 2.1.0 is
published).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from app.domain.versions import precedence_key


@dataclass(frozen=True, slots=True)
class Sibling:
    """Another version of the same connector, as far as display names care."""

    version: str
    published: bool
    binned: bool

    @property
    def counts(self) -> bool:
        """Whether it makes a version of its major show the full number."""
        return (
            self.published and not self.binned and precedence_key(self.version).prerelease is None
        )


def display_name(connector_name: str, version: str, siblings: Iterable[Sibling]) -> str:
    """The version's display name among its connector's versions (it may be among `siblings`:
    it never counts against itself)."""
    parsed = precedence_key(version)
    if parsed.prerelease is not None:
        return f"{connector_name} v{version}"
    shares_major = any(
        sibling.counts
        and sibling.version != version
        and precedence_key(sibling.version).major == parsed.major
        for sibling in siblings
    )
    return f"{connector_name} v{version if shares_major else parsed.major}"
