"""GraphQL documents and steps for the deployment pipeline tests (DESIGN §3)."""

from typing import Any

from tests.graphql.operations import BUMP_ERROR_FIELDS, DEFINITION_ERROR_FIELDS, mutate
from tests.graphql_client import GraphQLClient

Json = dict[str, Any]

ENVIRONMENT = "{ accountId projectId siteId syncedAt }"
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
    ... on Error {{ code message }}
    ... on InvalidInputError {{ field }}
    ... on InvalidTransitionError {{ currentState }}
    {DEFINITION_ERROR_FIELDS} {BUMP_ERROR_FIELDS}
  }}
}}
"""

READ_PIPELINE = f"""
query ($id: ID!) {{
  node(id: $id) {{ ... on ConnectorVersion {{ {PIPELINE_VERSION} }} }}
}}
"""

ORDER = ("BUILD", "SYNC_DEV", "TEST", "SYNC_PROD")


def environment(site: str) -> Json:
    return {"accountId": "acct-1", "projectId": "proj-1", "siteId": site}


async def record(
    graphql: GraphQLClient,
    version_id: str,
    step: str,
    outcome: str = "SUCCEEDED",
    *,
    key: str,
    **extra: Any,
) -> Json:
    """The `recordDeploymentStep` result, success or error. Sync steps get an environment
    unless one is given (or `environment=None` is)."""
    if step.startswith("SYNC_") and "environment" not in extra:
        extra["environment"] = environment(f"{step.lower()}-site")
    if extra.get("environment", "") is None:
        del extra["environment"]
    input = {"versionId": version_id, "step": step, "outcome": outcome, **extra}
    return await mutate(graphql, RECORD_DEPLOYMENT_STEP, input, key=key)


async def recorded(
    graphql: GraphQLClient, version_id: str, step: str, outcome: str = "SUCCEEDED", **extra: Any
) -> Json:
    """A step that must be recorded; its success."""
    result = await record(graphql, version_id, step, outcome, **extra)
    assert result["__typename"] == "RecordDeploymentStepSuccess", result
    return result


async def read_pipeline(graphql: GraphQLClient, version_id: str, *, key: str) -> Json:
    node = (await graphql(READ_PIPELINE, {"id": version_id}, key=key))["node"]
    assert node is not None, version_id
    return node  # type: ignore[no-any-return]
