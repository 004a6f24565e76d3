"""GraphQL documents and steps for the deployment pipeline tests (DESIGN §3)."""

from typing import Any

from tests.graphql.operations import mutate
from tests.graphql.pipeline.documents import READ_PIPELINE, RECORD_DEPLOYMENT_STEP
from tests.graphql_client import GraphQLClient

Json = dict[str, Any]


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
