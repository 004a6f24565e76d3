"""GraphQL fragments the areas' documents share: the fields of the error types."""

CODE = "... on Error { code message }"
FIELD = "... on InvalidInputError { field }"
ERROR_FIELDS = f"{CODE} {FIELD}"
TAKEN_FIELD = "... on AlreadyExistsError { field }"
TRANSITION = "... on InvalidTransitionError { currentState }"
BUMP_ERROR_FIELDS = (
    "... on InsufficientVersionBumpError { requiredBump declaredBump previousVersion "
    "changes { bump path description affectsAuth } }"
)
DEFINITION_ERROR_FIELDS = "... on InvalidDefinitionError { problems { path message } }"
NOT_PINNABLE = "... on PinnedVersionNotFoundError { versionNumber pinSource availableVersions }"
ENVIRONMENT = "{ accountId projectId siteId syncedAt }"
"""A version's DEV or PROD environment (the deployment pipeline's sync targets)."""
