"""GraphQL documents of connectors: creating one, renaming and re-describing it."""

from tests.graphql.fragments import ERROR_FIELDS, TAKEN_FIELD

CREATE_CONNECTOR = f"""
mutation ($input: CreateConnectorInput!) {{
  createConnector(input: $input) {{
    __typename
    ... on CreateConnectorSuccess {{ connector {{ id key source runtime }} }}
    {ERROR_FIELDS} {TAKEN_FIELD}
  }}
}}
"""

UPDATE_CONNECTOR = f"""
mutation ($input: UpdateConnectorInput!) {{
  updateConnector(input: $input) {{
    __typename
    ... on UpdateConnectorSuccess {{ connector {{ id key name description source }} }}
    {ERROR_FIELDS}
  }}
}}
"""

CONNECTOR_KEYS = "query Connectors { connectors(first: 5) { edges { node { key } } } }"
"""The first connectors' keys, as a named operation: traces and spans are named after it."""

READ_CONNECTOR = "query ($id: ID!) { node(id: $id) { ... on Connector { key name description } } }"
"""A connector's names by its global id, and nothing more: its tests compare it whole."""
