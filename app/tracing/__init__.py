"""Tracing: OpenTelemetry spans (the optional `otel` extra) and Apollo's inline ftv1 traces."""
