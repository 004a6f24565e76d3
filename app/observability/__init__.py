"""Operating the server: request ids, one log line per request, and Prometheus metrics."""

# Named here, not in `metrics`, so that `serve` can set it before anything imports
# prometheus-client, which reads it once, on import.
MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
