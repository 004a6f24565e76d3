"""The shape limits every operation is validated against: depth and aliases.

Strawberry's `QueryDepthLimiter` and `MaxAliasesLimiter` build a new validation rule class each
time one is constructed. A document's validation answer is kept for the rule classes it was
validated under (`app.graphql.guards.documents`), so rules built per request would never find it;
they are built once here (`app.graphql.guards.checks` adds them).
"""

from graphql import ASTValidationRule
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter

MAX_QUERY_DEPTH = 15
MAX_ALIASES = 50

SHAPE_RULES: list[type[ASTValidationRule]] = [
    *QueryDepthLimiter(max_depth=MAX_QUERY_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
]
