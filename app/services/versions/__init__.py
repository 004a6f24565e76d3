"""Versions of connectors: reading them, drafts, publishing and pushing, the lifecycle (deprecation,
the bin), deployment pipelines, comparisons, display names, usage and site assignments."""
