FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PATH="/srv/registry/.venv/bin:$PATH"

RUN pip install --no-cache-dir uv
WORKDIR /srv/registry

# Dependencies first, so that code changes do not reinstall them.
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project

COPY README.md alembic.ini schema.graphql ./
COPY migrations ./migrations
COPY app ./app
RUN uv sync --locked --no-dev

ENV HOST=0.0.0.0 PORT=8000
EXPOSE 8000
CMD ["sh", "-c", "connector-registry migrate && exec connector-registry serve --workers 2"]
