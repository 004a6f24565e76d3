"""A small HTTP/1.1 keep-alive load generator, for machines without wrk.

`python -m benchmarks.pyload` reads a JSON job on stdin (url, body, headers, connections,
duration) and prints a JSON measurement (rps, p50_ms, p99_ms, requests, errors). It runs in a
process of its own so that it never shares an event loop with what it measures.
"""

import asyncio
import json
import sys
import time
from typing import Any
from urllib.parse import urlsplit


async def _connection(
    host: str, port: int, request: bytes, until: float, latencies: list[float]
) -> int:
    """Send `request` until `until` on one connection; the number of failed requests."""
    reader, writer = await asyncio.open_connection(host, port)
    errors = 0
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            errors += status >= 400
    finally:
        writer.close()
    return errors


def _percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


async def run(job: dict[str, Any]) -> dict[str, Any]:
    url = urlsplit(job["url"])
    body = job["body"].encode()
    head = [f"POST {url.path or '/'} HTTP/1.1", f"Host: {url.netloc}"]
    head += [f"{name}: {value}" for name, value in job["headers"].items()]
    head += [f"Content-Length: {len(body)}", "", ""]
    request = "\r\n".join(head).encode() + body
    latencies: list[float] = []
    started = time.perf_counter()
    until = started + float(job["duration"])
    errors = await asyncio.gather(
        *(
            _connection(url.hostname or "127.0.0.1", url.port or 80, request, until, latencies)
            for _ in range(int(job["connections"]))
        )
    )
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": _percentile(ordered, 0.50) * 1e3,
        "p99_ms": _percentile(ordered, 0.99) * 1e3,
        "requests": len(latencies),
        "errors": sum(errors),
    }


def main() -> None:
    job = json.loads(sys.stdin.read())
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(run(job))
    else:
        result = uvloop.run(run(job))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
