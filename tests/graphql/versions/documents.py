"""GraphQL documents of connector versions: creating, editing, publishing and pushing them,
comparing two, and reading them back."""

from tests.graphql.fragments import (
    BUMP_ERROR_FIELDS,
    CODE,
    DEFINITION_ERROR_FIELDS,
    ENVIRONMENT,
    FIELD,
    TRANSITION,
)

VERSION_DETAILS = f"""
  id version name description readme definition config state published publishedAt revision
  contentHash deprecatedAt deprecationMessage sunsetAt binnedAt source
  devEnvironment {ENVIRONMENT} prodEnvironment {ENVIRONMENT}
  revisions {{
    revision name description readme definition config contentHash publishedAt replacedAt
  }}
"""

EXISTS = "... on VersionExistsError { versionNumber }"
IMMUTABLE = "... on VersionImmutableError { versionNumber }"
RETIRED = "... on VersionNumberRetiredError { versionNumber }"
CHANGES = "changes { bump path description affectsAuth }"

CREATE_VERSION = f"""
mutation ($input: CreateVersionInput!) {{
  createVersion(input: $input) {{
    __typename
    ... on CreateVersionSuccess {{ version {{ {VERSION_DETAILS} }} }}
    {CODE} {FIELD} {EXISTS} {RETIRED}
  }}
}}
"""

UPDATE_VERSION = f"""
mutation ($input: UpdateVersionInput!) {{
  updateVersion(input: $input) {{
    __typename
    ... on UpdateVersionSuccess {{ version {{ {VERSION_DETAILS} }} }}
    {CODE} {FIELD} {IMMUTABLE} {DEFINITION_ERROR_FIELDS}
  }}
}}
"""

PUBLISH_VERSION = f"""
mutation ($input: PublishVersionInput!) {{
  publishVersion(input: $input) {{
    __typename
    ... on PublishVersionSuccess {{
      version {{ {VERSION_DETAILS} }} previousVersion requiredBump {CHANGES}
    }}
    {CODE} {TRANSITION} {DEFINITION_ERROR_FIELDS} {BUMP_ERROR_FIELDS}
  }}
}}
"""

PUSH_VERSION = f"""
mutation ($input: PushVersionInput!) {{
  pushVersion(input: $input) {{
    __typename
    ... on PushVersionSuccess {{
      version {{ {VERSION_DETAILS} }} changed previousVersion requiredBump {CHANGES}
    }}
    {CODE} {FIELD} {EXISTS} {IMMUTABLE} {RETIRED} {DEFINITION_ERROR_FIELDS} {BUMP_ERROR_FIELDS}
  }}
}}
"""

READ_VERSION = f"""
query ($id: ID!) {{
  node(id: $id) {{ __typename ... on ConnectorVersion {{ {VERSION_DETAILS} }} }}
}}
"""

READ_CONNECTOR_VERSIONS = f"""
query ($key: String!, $source: VersionSource, $number: String!) {{
  connector(key: $key, source: $source) {{
    id source
    versions(first: 100, includeBinned: true) {{ totalCount edges {{ node {{ version }} }} }}
    version(number: $number) {{ {VERSION_DETAILS} }}
    latestVersion {{ version }}
  }}
}}
"""

COMPARE_VERSIONS = f"""
query ($connectorId: ID!, $from: String!, $to: String!) {{
  compareVersions(connectorId: $connectorId, from: $from, to: $to) {{
    __typename
    ... on VersionComparison {{ requiredBump declaredBump sufficient {CHANGES} }}
    {CODE} {FIELD}
  }}
}}
"""

STORED_VERSIONS = """
query ($key: String!) {
  connector(key: $key) {
    id
    versions(first: 100) { edges { node { id version contentHash definition } } }
  }
}
"""
"""A connector's id and the content of each version it lists (not those in the bin)."""

VERSION_BY_NUMBER = """
query ($key: String!, $number: String!) {
  connector(key: $key) {
    version(number: $number) { version name description published revision contentHash definition }
    versions(first: 100) { totalCount }
  }
}
"""
"""One version of a connector by its number, and how many versions it lists: compared whole
by the push command's tests, so it asks for nothing more."""
