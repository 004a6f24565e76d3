"""Load generation: `wrk` when it is installed, a small Python generator otherwise.

Every measurement sends one fixed POST request over `connections` keep-alive connections for
`duration` seconds and reports requests per second and the 50th and 99th latency percentiles.
wrk takes the body and headers from a small Lua script written to a temporary file; its
`--latency` distribution gives the percentiles. The Python generator (`benchmarks.pyload`) runs
in a process of its own; on a small machine it competes with the servers for the CPU and
compresses ratios, so the report names the generator used.
"""

import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}
_PERCENTILE = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_REQUESTS = re.compile(r"^\s*(\d+) requests in", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


@dataclass(frozen=True)
class Request:
    """One POST request, sent again and again."""

    url: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Measurement:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


class Generator:
    """wrk if it is on PATH (or the Python generator when `python_only`)."""

    def __init__(self, *, python_only: bool = False) -> None:
        self.wrk = None if python_only else shutil.which("wrk")

    @property
    def name(self) -> str:
        if self.wrk is None:
            return "Python asyncio generator (benchmarks.pyload; wrk not found)"
        version = subprocess.run([self.wrk, "-v"], capture_output=True, text=True, check=False)
        first = (version.stdout or version.stderr).strip().splitlines()
        return f"wrk ({first[0] if first else 'version unknown'})"

    def measure(self, request: Request, *, connections: int, duration: float) -> Measurement:
        if self.wrk is None:
            return _python(request, connections=connections, duration=duration)
        return _wrk(self.wrk, request, connections=connections, duration=duration)


def _lua_string(value: str) -> str:
    level = "=" * 4
    while f"]{level}]" in value:
        level += "="
    return f"[{level}[{value}]{level}]"


def _wrk(wrk: str, request: Request, *, connections: int, duration: float) -> Measurement:
    script = ['wrk.method = "POST"', f"wrk.body = {_lua_string(request.body.decode())}"]
    script += [
        f"wrk.headers[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in request.headers.items()
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write("\n".join(script) + "\n")
    try:
        command = [wrk, "--latency", "--timeout", "60s", "-s", file.name]
        command += ["-t", str(min(2, connections)), "-c", str(connections)]
        command += ["-d", f"{max(1, round(duration))}s", request.url]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        if done.stderr.strip():  # e.g. the script did not load: wrk then sends plain GETs
            raise RuntimeError(f"wrk: {done.stderr.strip()}")
        output = done.stdout
    finally:
        Path(file.name).unlink(missing_ok=True)
    return _parse_wrk(output)


def _parse_wrk(output: str) -> Measurement:
    percentiles = {int(p): float(v) * _UNITS[unit] for p, v, unit in _PERCENTILE.findall(output)}
    rps, requests = _RPS.search(output), _REQUESTS.search(output)
    if rps is None or requests is None:
        raise RuntimeError(f"could not read wrk's output:\n{output}")
    nothing = float("nan")  # no request finished within the duration
    non_2xx = _NON_2XX.search(output)
    sockets = _SOCKET_ERRORS.search(output)
    errors = int(non_2xx[1]) if non_2xx else 0
    errors += sum(int(n) for n in sockets.groups()) if sockets else 0
    return Measurement(
        rps=float(rps[1]),
        p50_ms=percentiles.get(50, nothing) if int(requests[1]) else nothing,
        p99_ms=percentiles.get(99, nothing) if int(requests[1]) else nothing,
        requests=int(requests[1]),
        errors=errors,
    )


def _python(request: Request, *, connections: int, duration: float) -> Measurement:
    job = {
        "url": request.url,
        "body": request.body.decode(),
        "headers": request.headers,
        "connections": connections,
        "duration": duration,
    }
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.pyload"],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        check=True,
    )
    return Measurement(**json.loads(done.stdout))
