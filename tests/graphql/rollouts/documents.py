"""GraphQL documents of rollouts (DESIGN §13): starting, changing and ending one, and reading it."""

from tests.graphql.fragments import CODE, FIELD, NOT_PINNABLE

ROLLOUT_FIELDS = (
    "rolloutId percent bucketLimit targetVersionNumber targetSource startedAt updatedAt endedAt "
    "targetVersion { id version source }"
)

IN_PROGRESS = "... on RolloutInProgressError { targetVersion percent }"

AUTH_CONFIG = "authConfig { id pin pinSource revision }"


def _document(mutation: str, success: str, *errors: str) -> str:
    name = mutation[0].upper() + mutation[1:]
    input_name = "EndRollout" if mutation in ("completeRollout", "abortRollout") else name
    return f"""
mutation ($input: {input_name}Input!) {{
  {mutation}(input: $input) {{
    __typename
    ... on {name}Success {{ {success} }}
    {CODE} {" ".join(errors)}
  }}
}}
"""


START_ROLLOUT = _document(
    "startRollout",
    f"{AUTH_CONFIG} rollout {{ {ROLLOUT_FIELDS} }} warnings",
    FIELD,
    IN_PROGRESS,
    NOT_PINNABLE,
)
SET_ROLLOUT_PERCENT = _document(
    "setRolloutPercent", f"{AUTH_CONFIG} rollout {{ {ROLLOUT_FIELDS} }}", FIELD
)
COMPLETE_ROLLOUT = _document(
    "completeRollout", f"{AUTH_CONFIG} rollout {{ {ROLLOUT_FIELDS} }} warnings", NOT_PINNABLE
)
ABORT_ROLLOUT = _document("abortRollout", f"{AUTH_CONFIG} rollout {{ {ROLLOUT_FIELDS} }}")
EVERY_ROLLOUT_MUTATION = (START_ROLLOUT, SET_ROLLOUT_PERCENT, COMPLETE_ROLLOUT, ABORT_ROLLOUT)

READ_ROLLOUT = f"""
query ($id: ID!) {{
  node(id: $id) {{
    ... on AuthConfig {{
      revision pin pinSource effectiveVersion {{ version {{ version source }} rule }}
      rollout {{ {ROLLOUT_FIELDS} accountsInRollout }}
    }}
  }}
}}
"""

ACCOUNTS_PAGE = """
query ($id: ID!, $after: String) {
  node(id: $id) {
    ... on AuthConfig {
      linkedAccounts(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node {
          id status
          effectiveVersion { version { version source } rule source reason warnings }
        } }
      }
    }
  }
}
"""
