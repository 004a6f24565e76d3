"""GraphQL documents of the history tests (DESIGN §15)."""

ANSWER = """
  version { id version revision contentHash }
  rule source reason warnings
  skipped { version source cause reason }
"""

ANSWER_THEN = """
  version { id }
  rule source reason warnings
  skipped { version source cause reason }
  history {
    at since until
    changes { kind at description }
    versionThen { id version source revision contentHash definition }
    inRollout status
  }
"""

PRESENT_CONFIG = f"""
  ... on AuthConfig {{
    id
    effectiveVersion {{ {ANSWER} }}
    linkedAccounts(first: 50) {{ edges {{ node {{
      id status effectiveVersion {{ {ANSWER} }}
    }} }} }}
  }}
"""


def present(auth_config_ids: list[str]) -> str:
    """What each auth config and each of its accounts runs now, one alias per auth config."""
    nodes = "".join(
        f'c{index}: node(id: "{id_}") {{ {PRESENT_CONFIG} }}'
        for index, id_ in enumerate(auth_config_ids)
    )
    return f"query {{ {nodes} }}"


ACCOUNT_AT = f"""
query ($id: ID!, $at: DateTime!) {{
  node(id: $id) {{ ... on LinkedAccount {{ effectiveVersion(at: $at) {{ {ANSWER_THEN} }} }} }}
}}
"""

AUTH_CONFIG_AT = f"""
query ($id: ID!, $at: DateTime!) {{
  node(id: $id) {{ ... on AuthConfig {{ effectiveVersion(at: $at) {{ {ANSWER_THEN} }} }} }}
}}
"""

TIMELINE_FIELDS = f"""
  totalCount
  pageInfo {{ hasNextPage endCursor }}
  edges {{ cursor node {{
    start end
    changes {{ kind at description }}
    effectiveVersion {{ {ANSWER_THEN} }}
  }} }}
"""

ACCOUNT_TIMELINE = f"""
query ($id: ID!, $first: Int!, $after: String, $from: DateTime, $to: DateTime) {{
  node(id: $id) {{ ... on LinkedAccount {{
    timeline(first: $first, after: $after, from: $from, to: $to) {{ {TIMELINE_FIELDS} }}
  }} }}
}}
"""

AUTH_CONFIG_TIMELINE = f"""
query ($id: ID!, $first: Int!, $after: String, $from: DateTime, $to: DateTime) {{
  node(id: $id) {{ ... on AuthConfig {{
    timeline(first: $first, after: $after, from: $from, to: $to) {{ {TIMELINE_FIELDS} }}
  }} }}
}}
"""
