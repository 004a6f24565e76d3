# python:3.11-slim (Python 3.11.15 on Debian trixie) by the digest of its multi-platform index,
# so that a rebuild gets the same base; to move to a newer one, read the tag's current digest
# (`docker buildx imagetools inspect python:3.11-slim`) and put it here.
FROM python:3.11-slim@sha256:90744cff8f32887f075c47d747a173ff333e9e98801667af93c357fa9f5e28ff

ENV PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PATH="/srv/registry/.venv/bin:$PATH"

# A pinned uv, so that the same lock file always installs the same way.
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /srv/registry

# Dependencies first, so that code changes do not reinstall them.
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project

COPY README.md alembic.ini schema.graphql ./
COPY migrations ./migrations
COPY app ./app
RUN uv sync --locked --no-dev

# The server runs as a user that owns nothing but the folder an SQLite file would go in.
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin registry \
    && mkdir /srv/registry/data && chown registry /srv/registry/data
USER registry

# SQLite when DATABASE_URL is not given (one container); docker-compose.yml sets PostgreSQL.
ENV HOST=0.0.0.0 PORT=8000 WEB_CONCURRENCY=1 \
    DATABASE_URL=sqlite+aiosqlite:////srv/registry/data/connector-registry.db
EXPOSE 8000
# Healthy while ready (`/readyz`): the database answers, the schema is migrated, live events
# arrive, and the server is not draining after a SIGTERM (see docs/operations/containers.md).
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('PORT', '8000'), timeout=4)"]
# SIGTERM (the default) starts the drain: SHUTDOWN_GRACE_SECONDS for the requests in flight.
STOPSIGNAL SIGTERM
# No migration here: on PostgreSQL the one-shot `migrate` service (or step) does it, once;
# `serve` refuses a schema that is not up to date, and migrates an SQLite file itself.
CMD ["connector-registry", "serve"]
