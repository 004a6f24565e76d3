"""GraphQL documents of site assignments (DESIGN §10)."""

from tests.graphql.fragments import CODE, FIELD, TAKEN_FIELD, TRANSITION

ASSIGNMENT_FIELDS = (
    "id siteId kind externalReference createdAt assignedByApiKeyId version { id version }"
)

ASSIGN_VERSION = f"""
mutation ($input: AssignVersionInput!) {{
  assignVersion(input: $input) {{
    __typename
    ... on AssignVersionSuccess {{ assignment {{ {ASSIGNMENT_FIELDS} }} }}
    {CODE} {FIELD} {TAKEN_FIELD} {TRANSITION}
  }}
}}
"""

UNASSIGN_VERSION = f"""
mutation ($input: UnassignVersionInput!) {{
  unassignVersion(input: $input) {{
    __typename
    ... on UnassignVersionSuccess {{
      unassignedAssignmentId assignment {{ id siteId kind }}
    }}
    {CODE}
  }}
}}
"""

ASSIGNMENT_BLOCKER = "assignmentId projectId siteId kind"

READ_ASSIGNMENTS = f"""
query ($id: ID!) {{
  node(id: $id) {{
    ... on ConnectorVersion {{
      usage {{ inUse assignments {{ {ASSIGNMENT_BLOCKER} }} }}
      assignments(first: 100) {{ totalCount edges {{ node {{ id siteId kind }} }} }}
    }}
  }}
}}
"""

READ_ASSIGNMENT = """
query ($id: ID!) {
  node(id: $id) { __typename ... on Assignment { id siteId kind version { id } } }
  _entities(representations: [{__typename: "Assignment", id: $id}]) {
    ... on Assignment { id }
  }
}
"""
