"""Turning tracing on from the settings, without importing OpenTelemetry when it is off."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.settings import Settings
    from app.tracing.otel import OpenTelemetryTracing

EXTRA_HINT = "install the otel extra: uv sync --extra otel (pip: connector-registry[otel])"


def otel_missing() -> str | None:
    """Why OpenTelemetry tracing cannot run here, in one line; None when it can."""
    try:
        import app.tracing.otel  # noqa: F401
    except ImportError as error:
        return f"{error.name or 'OpenTelemetry'} is not installed; {EXTRA_HINT}"
    return None


def tracing_from(settings: "Settings") -> "OpenTelemetryTracing | None":
    if settings.tracing == "off":
        return None
    from app.tracing.otel import OpenTelemetryTracing

    return OpenTelemetryTracing.exporting_by_otlp(
        background_sql=settings.tracing_background_sql == "on"
    )
