"""The shape limits every operation is validated against: depth and aliases.

Strawberry's `QueryDepthLimiter` and `MaxAliasesLimiter` build a new validation rule class each
time one is constructed. The validation cache keys on the rule classes, so an extension built per
request would never hit it; the rules are built once here (`app.graphql.guards.checks` adds them).
"""

from graphql import ASTValidationRule
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter

MAX_QUERY_DEPTH = 15
MAX_ALIASES = 50

SHAPE_RULES: list[type[ASTValidationRule]] = [
    *QueryDepthLimiter(max_depth=MAX_QUERY_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
]
