"""GraphQL documents of projects: creating one and changing its settings."""

from tests.graphql.fragments import ERROR_FIELDS, TAKEN_FIELD

CREATE_PROJECT = f"""
mutation ($input: CreateProjectInput!) {{
  createProject(input: $input) {{
    __typename
    ... on CreateProjectSuccess {{
      project {{ id slug immutableVersioning }}
      apiKey {{ role prefix }}
      secret
    }}
    {ERROR_FIELDS} {TAKEN_FIELD}
  }}
}}
"""

UPDATE_PROJECT_SETTINGS = f"""
mutation ($input: UpdateProjectSettingsInput!) {{
  updateProjectSettings(input: $input) {{
    __typename
    ... on UpdateProjectSettingsSuccess {{ project {{ id immutableVersioning }} }}
    {ERROR_FIELDS}
  }}
}}
"""
