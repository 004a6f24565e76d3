"""GraphQL over HTTP as its specification says: the response's media type, chosen from the
request's `Accept`, and what each kind of answer looks like in it.

- `application/json` (also for `*/*`, `application/*`, no `Accept` or one the server cannot
  meet): every GraphQL result is a 200, request errors with `"data": null` — what clients have
  always read.
- `application/graphql-response+json`, when the client prefers it: a request error (the
  document does not parse or validate, its variables do not coerce, or its checks refuse it
  before it runs) is a 400 without a `data` entry; a result that has `data` stays a 200.

A refusal with its own status (401, 413, 503, ...) keeps it in both media types.
"""

from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

JSON = "application/json"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
GRAPHQL_RESPONSE_CONTENT_TYPE = f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"

_NOT_LISTED = (-1.0, 0)  # (q, specificity) of a media type the Accept header does not match


def response_media_type(accept: str | None) -> str:
    """The media type to answer in: `application/graphql-response+json` when the client ranks it
    at least as high as `application/json` and names it (a wildcard alone means JSON), else
    `application/json` (the spec lets a server answer JSON to an Accept it cannot meet)."""
    if not accept or GRAPHQL_RESPONSE_JSON not in accept.lower():
        return JSON  # the common case, decided without parsing
    graphql_response = json = _NOT_LISTED
    for media_range in accept.lower().split(","):
        name, _, parameters = media_range.partition(";")
        name = name.strip()
        q = _quality(parameters)
        if name == GRAPHQL_RESPONSE_JSON:
            graphql_response = max(graphql_response, (q, 2))
        if name in (JSON, "application/*", "*/*"):
            json = max(json, (q, 2 if name == JSON else 1 if name == "application/*" else 0))
    if graphql_response[0] > 0 and graphql_response[0] >= json[0]:
        return GRAPHQL_RESPONSE_JSON
    return JSON


def _quality(parameters: str) -> float:
    for parameter in parameters.split(";"):
        key, _, value = parameter.partition("=")
        if key.strip() == "q":
            try:
                return min(max(float(value.strip()), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0


def is_request_error(result: ExecutionResult) -> bool:
    """Whether the operation failed before it ran: no data, and no error on a field (a field's
    error has a path; a parse, validation or variable coercion error has none)."""
    return (
        result.data is None
        and bool(result.errors)
        and all(error.path is None for error in result.errors or ())
    )


def as_request_error(response: GraphQLHTTPResponse) -> GraphQLHTTPResponse:
    """The response of a request error in `application/graphql-response+json`: no `data`."""
    return {key: value for key, value in response.items() if key != "data"}  # type: ignore[return-value]
