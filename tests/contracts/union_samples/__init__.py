"""Small resolvers and services for the union checker's own tests: each raises in one of the
shapes the checker must follow, or in one it must refuse to guess about."""
