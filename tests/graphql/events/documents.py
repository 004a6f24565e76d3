"""GraphQL documents of the event history (DESIGN §1, §7)."""

EVENTS = """
query ($first: Int! = 20, $after: String, $connectorId: ID, $versionId: ID,
       $authConfigId: ID, $kind: EventKind) {
  events(first: $first, after: $after, connectorId: $connectorId, versionId: $versionId,
         authConfigId: $authConfigId, kind: $kind) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges {
      cursor
      node {
        id kind occurredAt connectorId versionId authConfigId linkedAccountId payload
        actor { id role }
      }
    }
  }
}
"""
