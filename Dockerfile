# The Newsletter2Go mock as an image for prepared test environments (see the README,
# "Running the mock in a test environment (Docker)"). Builds with BuildKit or the classic
# builder alike: no heredocs, no RUN --mount.

# Stage 1: the runtime dependencies, read from pyproject.toml. The next stage copies only this
# list, so editing anything else in pyproject.toml (version, extras, tool settings) keeps the
# dependency layer cached.
FROM python:3.11-slim AS requirements
COPY pyproject.toml /src/pyproject.toml
RUN python -c "import tomllib; project = tomllib.load(open('/src/pyproject.toml', 'rb'))['project']; print('\n'.join(project['dependencies']))" > /requirements.txt

FROM python:3.11-slim

LABEL org.opencontainers.image.title="n2g-mock" \
      org.opencontainers.image.description="A stateful mock of the Newsletter2Go REST API"

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# A fixed uid/gid, so a bind-mounted data directory can be prepared with `chown 10001:10001`.
RUN groupadd --system --gid 10001 n2g \
 && useradd --system --uid 10001 --gid n2g --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin n2g \
 && mkdir /data \
 && chown n2g:n2g /data

# Dependencies first (cached until the dependency list changes), then the project itself.
COPY --from=requirements /requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir -r /tmp/requirements.txt && rm /tmp/requirements.txt
COPY pyproject.toml README.md /src/
COPY mock_n2g /src/mock_n2g
RUN pip install --no-cache-dir /src && rm -rf /src

# State lives in SQLite under /data; a fresh named volume takes over the owner set above.
VOLUME /data
WORKDIR /data
USER n2g:n2g
EXPOSE 8080

# No curl in slim images: Python's urllib. urlopen raises (exit 1) on anything but a 2xx.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/_mock/health', timeout=3)"]

# Arguments given to `docker run IMAGE ...` or compose's `command:` are appended to the serve
# line, e.g. `--accounts /config/accounts.yaml` or `--base-url https://n2g-mock.qa.example`.
ENTRYPOINT ["n2g-mock", "serve", "--host", "0.0.0.0", "--port", "8080", "--data", "/data/n2g-mock.sqlite"]
CMD []
