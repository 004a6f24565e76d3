"""The public GraphQL-over-HTTP server audit (npm `graphql-http`'s `serverAudits`, run by
`http-audit/audit.mjs` with the running server's key on each request) passes with no warning and
no error: every MUST, SHOULD and MAY it checks.

Needs Node and the audit's package (`cd http-audit && npm ci`): skipped without them, but a
failure under CI=true, where .ci/run installs them."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.databases import IN_CI

AUDIT_DIR = Path(__file__).resolve().parents[2] / "http-audit"
AUDIT_TIMEOUT_SECONDS = 120


def _missing_audit() -> str | None:
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not on PATH"
    if not (AUDIT_DIR / "node_modules" / "graphql-http").is_dir():
        return "http-audit/node_modules is missing: run `cd http-audit && npm ci`"
    return None


pytestmark = pytest.mark.slow


def test_the_graphql_over_http_audit_passes_without_warnings(
    running_server: str, platform_key: str
) -> None:
    missing = _missing_audit()
    if missing is not None:
        if IN_CI:
            pytest.fail(f"CI=true needs the GraphQL-over-HTTP audit, but {missing}")
        pytest.skip(missing)

    # when the audit runs against the server, with a key on each of its requests
    finished = subprocess.run(
        ["node", "audit.mjs"],
        cwd=AUDIT_DIR,
        env={
            **os.environ,
            "REGISTRY_URL": f"{running_server}/graphql",
            "REGISTRY_API_KEY": platform_key,
        },
        capture_output=True,
        text=True,
        timeout=AUDIT_TIMEOUT_SECONDS,
        check=False,
    )

    # then every audit passes: none warns (SHOULD), errs (MUST) or notes a MAY not met
    report = json.loads(finished.stdout)
    assert report["error"] == [], report["error"]
    assert report["warn"] == [], report["warn"]
    assert report["notice"] == [], report["notice"]
    assert finished.returncode == 0, finished.stderr
    # the audit ran its checks (61 in graphql-http 1.23), all of them passing
    assert len(report["ok"]) >= 60, report
