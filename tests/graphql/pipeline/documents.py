"""GraphQL documents of the deployment pipeline (DESIGN §3)."""

from tests.graphql.fragments import (
    BUMP_ERROR_FIELDS,
    CODE,
    DEFINITION_ERROR_FIELDS,
    ENVIRONMENT,
    FIELD,
    TRANSITION,
)

STEP_RECORD = f"step outcome message stateBefore stateAfter environment {ENVIRONMENT} recordedAt"

PIPELINE_VERSION = f"""
  id version state published publishedAt
  devEnvironment {ENVIRONMENT} prodEnvironment {ENVIRONMENT}
  deploymentHistory {{ {STEP_RECORD} }}
"""

RECORD_DEPLOYMENT_STEP = f"""
mutation ($input: RecordDeploymentStepInput!) {{
  recordDeploymentStep(input: $input) {{
    __typename
    ... on RecordDeploymentStepSuccess {{
      version {{ {PIPELINE_VERSION} }} step {{ {STEP_RECORD} }}
    }}
    {CODE} {FIELD} {TRANSITION}
    {DEFINITION_ERROR_FIELDS} {BUMP_ERROR_FIELDS}
  }}
}}
"""

READ_PIPELINE = f"""
query ($id: ID!) {{
  node(id: $id) {{ ... on ConnectorVersion {{ {PIPELINE_VERSION} }} }}
}}
"""
