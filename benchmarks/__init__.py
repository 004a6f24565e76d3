"""The project's own benchmark: `python -m benchmarks` (see docs/performance.md).

Modules: `definitions` (realistic connector definitions), `seed` (the data set), `databases`
(fresh databases, migrated), `servers` (the registry and the plain endpoint as processes),
`plain` (the plain endpoint), `load` and `pyload` (load generators), `queries` (GraphQL
documents), `cursors` (what depends on the cursor format), `figures` (what is measured),
`rounds` (round order and per-round ratios), `report` (medians, ratios, targets),
`statement_counts` and `wire` (statements counted on the wire), `delay` (a change seen by
another process), `pooler` (a PgBouncer of its own for the pooled run).
"""
