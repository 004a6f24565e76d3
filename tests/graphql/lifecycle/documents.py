"""GraphQL documents of the version lifecycle (DESIGN §6): deprecation, the bin, permanent delete,
and what keeps a version in use."""

from tests.graphql.assignments.documents import ASSIGNMENT_BLOCKER
from tests.graphql.fragments import CODE, FIELD, TRANSITION

LIFECYCLE_FIELDS = "id version deprecatedAt deprecationMessage sunsetAt binnedAt"

NOT_IN_BIN = "... on VersionNotInBinError { versionNumber }"

IN_USE = (
    "... on VersionInUseError "
    "{ blockers { authConfigId authConfigName linkedAccountCount reason } "
    f"assignments {{ {ASSIGNMENT_BLOCKER} }} }}"
)

VERSION = f"version {{ {LIFECYCLE_FIELDS} }}"


def _document(mutation: str, success: str, *errors: str) -> str:
    name = mutation[0].upper() + mutation[1:]
    return f"""
mutation ($input: {name}Input!) {{
  {mutation}(input: $input) {{
    __typename
    ... on {name}Success {{ {success} }}
    {CODE} {" ".join(errors)}
  }}
}}
"""


DEPRECATE_VERSION = _document("deprecateVersion", VERSION, FIELD, TRANSITION)
UNDEPRECATE_VERSION = _document("undeprecateVersion", VERSION, TRANSITION)
MOVE_VERSION_TO_BIN = _document("moveVersionToBin", VERSION, TRANSITION, IN_USE)
RESTORE_VERSION_FROM_BIN = _document("restoreVersionFromBin", VERSION, NOT_IN_BIN)
DELETE_VERSION_PERMANENTLY = _document(
    "deleteVersionPermanently", "deletedVersionId versionNumber", NOT_IN_BIN
)
EVERY_LIFECYCLE_MUTATION = (
    DEPRECATE_VERSION,
    UNDEPRECATE_VERSION,
    MOVE_VERSION_TO_BIN,
    RESTORE_VERSION_FROM_BIN,
    DELETE_VERSION_PERMANENTLY,
)

READ_USAGE = """
query ($id: ID!) {
  node(id: $id) {
    ... on ConnectorVersion {
      version
      usage {
        inUse
        exactPins { id name }
        resolvingAuthConfigs { authConfig { id name } linkedAccountCount }
        blockers { authConfigId authConfigName linkedAccountCount reason }
      }
    }
  }
}
"""

LISTED_VERSIONS = """
query ($key: String!) {
  connector(key: $key) {
    versions(first: 100) { edges { node { version } } }
    binned: versions(first: 100, includeBinned: true) { edges { node { version } } }
  }
}
"""
