"""Docker packaging: the Dockerfile, its build context, docker-compose.yml, and the image itself.

Three kinds of check, by what they need:
- static checks of the Dockerfile, .dockerignore and docker-compose.yml: Python only, always run;
- `docker compose config` (or `docker-compose config`): the docker CLI with its compose plugin,
  or the standalone docker-compose, but no engine; skipped, with the reason, without them;
- build, run, restart: a Docker engine that answers (docker SDK); skipped only when none does.
"""

import contextlib
import json
import os
import re
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors
import pytest
import requests
import yaml
from docker.utils.build import exclude_paths

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE_FILE = ROOT / "docker-compose.yml"
SERVICE = "n2g-mock"
HEALTH_PATH = "/_mock/health"
ACCOUNT_VARIABLES = (
    "N2G_MOCK_AUTH_KEY",
    "N2G_MOCK_USERNAME",
    "N2G_MOCK_PASSWORD",
    "N2G_MOCK_FORM_CODE",
)
ADMIN_TOKEN_VARIABLE = "N2G_MOCK_ADMIN_TOKEN"
MAX_CONTEXT_BYTES = 5 * 1024 * 1024


# ---------------------------------------------------------------------------------------------
# The Dockerfile, read as the builder reads it


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str

    def exec_form(self) -> list[str]:
        """The JSON array of an exec-form instruction (shell form fails the test)."""
        value = json.loads(self.args)
        assert isinstance(value, list), f"{self.keyword} is not in exec form: {self.args}"
        return value


def _instructions(text: str) -> list[Instruction]:
    """Instructions in order: comments dropped, continuation lines joined."""
    found: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, args = (pending + line).partition(" ")
        found.append(Instruction(keyword.upper(), " ".join(args.split())))
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    return found


def _stages() -> list[list[Instruction]]:
    """The build stages, each starting with its FROM."""
    stages: list[list[Instruction]] = []
    for instruction in _instructions(DOCKERFILE.read_text()):
        if instruction.keyword == "FROM":
            stages.append([])
        assert stages, f"{instruction.keyword} before the first FROM"
        stages[-1].append(instruction)
    assert stages, "the Dockerfile has no FROM"
    return stages


@pytest.fixture(scope="module")
def final_stage() -> list[Instruction]:
    return _stages()[-1]


def _index(stage: list[Instruction], keyword: str) -> int:
    indexes = [i for i, instruction in enumerate(stage) if instruction.keyword == keyword]
    assert indexes, f"no {keyword} in the final stage"
    return indexes[-1]


def _only(stage: list[Instruction], keyword: str) -> Instruction:
    return stage[_index(stage, keyword)]


def _command(stage: list[Instruction]) -> list[str]:
    """What the container runs: ENTRYPOINT followed by CMD, both in exec form."""
    entrypoint = [i for i in stage if i.keyword == "ENTRYPOINT"]
    cmd = [i for i in stage if i.keyword == "CMD"]
    command = (entrypoint[-1].exec_form() if entrypoint else []) + (
        cmd[-1].exec_form() if cmd else []
    )
    assert command, "neither ENTRYPOINT nor CMD"
    return command


def _option(argv: list[str], name: str) -> str:
    assert name in argv, f"{name} missing from {argv}"
    return argv[argv.index(name) + 1]


def _healthcheck_command(stage: list[Instruction]) -> tuple[dict[str, str], list[str]]:
    """The HEALTHCHECK's options (--interval=... and so on) and its exec-form command."""
    args = _only(stage, "HEALTHCHECK").args
    options: dict[str, str] = {}
    while args.startswith("--"):
        option, _, args = args.partition(" ")
        key, _, value = option[2:].partition("=")
        options[key] = value
    keyword, _, command = args.partition(" ")
    assert keyword.upper() == "CMD", f"HEALTHCHECK without CMD: {args}"
    return options, Instruction("HEALTHCHECK", command).exec_form()


def test_dockerfile_base_images_are_pinned_by_tag():
    for stage in _stages():
        image = stage[0].args.split()[0]
        _name, _, tag = image.partition(":")
        assert "@sha256:" in image or (tag and tag != "latest"), f"unpinned base image {image}"
    final_image = _stages()[-1][0].args.split()[0]
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?(@sha256:[0-9a-f]{64})?", final_image), (
        final_image
    )


def test_dockerfile_runs_as_a_non_root_user_created_in_the_image(final_stage):
    user = _only(final_stage, "USER").args
    name, _, group = user.partition(":")
    assert name not in {"root", "0"}, user
    assert group not in {"root", "0"}, user
    assert _index(final_stage, "USER") < _index(final_stage, "ENTRYPOINT")
    assert _index(final_stage, "USER") < _index(final_stage, "CMD")
    created = [i for i in final_stage if i.keyword == "RUN" and "useradd" in i.args]
    assert created, "the user is not created in the image"
    assert re.search(rf"useradd\b.*\b{re.escape(name)}\b", created[0].args), created[0].args


def test_dockerfile_declares_data_volume_owned_by_the_user(final_stage):
    volume = _only(final_stage, "VOLUME").args
    volumes = json.loads(volume) if volume.startswith("[") else volume.split()
    assert "/data" in volumes
    user = _only(final_stage, "USER").args.partition(":")[0]
    owned_before_volume = [
        i
        for i in final_stage[: _index(final_stage, "VOLUME")]
        if i.keyword == "RUN" and re.search(rf"chown\s+{re.escape(user)}\S*\s+/data\b", i.args)
    ]
    # Changes to a directory after VOLUME declares it are discarded: ownership must come first.
    assert owned_before_volume, f"/data is not chowned to {user} before VOLUME"


def test_dockerfile_serves_on_all_interfaces_with_its_data_in_the_volume(final_stage):
    command = _command(final_stage)
    assert command[:2] == ["n2g-mock", "serve"], command
    assert _option(command, "--host") == "0.0.0.0"
    assert _option(command, "--port") == "8080"
    assert _option(command, "--data").startswith("/data/")
    assert "8080" in _only(final_stage, "EXPOSE").args.split()
    # Exec form (checked by _command): n2g-mock is PID 1 and gets `docker stop`'s SIGTERM itself.


def test_dockerfile_healthcheck_asks_the_health_endpoint_with_urllib(final_stage):
    options, command = _healthcheck_command(final_stage)
    assert command[:2] == ["python", "-c"], command
    code = command[2]
    assert "urllib.request" in code
    assert f"http://127.0.0.1:8080{HEALTH_PATH}" in code
    assert "timeout=" in code
    assert {"interval", "timeout", "retries"} <= options.keys(), options
    compile(code, "<HEALTHCHECK>", "exec")  # the snippet at least parses


def test_dockerfile_installs_dependencies_before_copying_the_source(final_stage):
    runs = [(i, step.args) for i, step in enumerate(final_stage) if step.keyword == "RUN"]
    dependencies = [i for i, args in runs if re.search(r"pip install .*-r ", args)]
    project = [i for i, args in runs if re.search(r"pip install (--no-cache-dir )?/src\b", args)]
    source = [
        i
        for i, step in enumerate(final_stage)
        if step.keyword == "COPY" and "mock_n2g" in step.args
    ]
    assert dependencies, "no `pip install -r` of the dependencies"
    assert project, "no `pip install /src` of the project"
    assert source, "no COPY of mock_n2g"
    assert dependencies[0] < source[0] < project[0]
    for i in dependencies + project:
        args = final_stage[i].args
        assert "--no-cache-dir" in args, args
        assert " -e " not in f" {args} ", args
        assert "[test]" not in args, args


def test_dockerfile_sets_unbuffered_python(final_stage):
    env = " ".join(i.args for i in final_stage if i.keyword == "ENV")
    assert re.search(r"\bPYTHONUNBUFFERED=1\b", env), env


# ---------------------------------------------------------------------------------------------
# The build context that .dockerignore leaves


@pytest.fixture(scope="module")
def context_files() -> set[str]:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    return {path for path in exclude_paths(str(ROOT), patterns) if (ROOT / path).is_file()}


def test_build_context_holds_what_the_dockerfile_copies(context_files):
    package = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "mock_n2g").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    assert package, "no package files found"
    missing = sorted(package - context_files)
    assert not missing, f"package files left out of the build context: {missing}"
    for stage in _stages():
        for step in stage:
            if step.keyword != "COPY" or "--from=" in step.args:
                continue
            *sources, _destination = shlex.split(step.args)
            for source in sources:
                assert source in context_files or any(
                    path.startswith(f"{source}/") for path in context_files
                ), f"COPY {source}: not in the build context"


def test_build_context_is_small(context_files):
    for excluded in (".venv/", ".git/", "tests/", ".pytest_cache/", ".ruff_cache/", ".tox/"):
        leaked = [path for path in context_files if path.startswith(excluded)]
        assert not leaked, f"{excluded} is in the build context: {leaked[:5]}"
    assert not [path for path in context_files if "__pycache__" in path or path.endswith(".pyc")]
    size = sum((ROOT / path).stat().st_size for path in context_files)
    assert size < MAX_CONTEXT_BYTES, f"build context is {size} bytes"


# ---------------------------------------------------------------------------------------------
# docker-compose.yml as written, then as the compose CLI resolves it


def _readme_demo_values() -> dict[str, str]:
    """The demo values of the README's `| `N2G_MOCK_X` | `value` ... |` table (first row wins)."""
    values = {}
    for line in (ROOT / "README.md").read_text().splitlines():
        row = re.match(r"\|\s*`(N2G_MOCK_\w+)`\s*\|\s*`([^`]*)`", line)
        if row:
            values.setdefault(row.group(1), row.group(2))
    return values


@pytest.fixture(scope="module")
def compose_service() -> dict:
    document = yaml.safe_load(COMPOSE_FILE.read_text())
    assert "n2g-mock-data" in (document.get("volumes") or {}), "the named volume is not declared"
    return document["services"][SERVICE]


def test_compose_file_builds_the_dockerfile_and_keeps_state_in_a_named_volume(compose_service):
    assert compose_service["build"] == {"context": ".", "dockerfile": "Dockerfile"}
    assert compose_service["ports"] == ["${N2G_MOCK_PORT:-8080}:8080"]
    assert compose_service["volumes"] == ["n2g-mock-data:/data"]
    assert compose_service["restart"] == "unless-stopped"


def test_compose_file_passes_the_account_through_with_the_readme_demo_values(compose_service):
    environment = compose_service["environment"]
    documented = _readme_demo_values()
    for variable in ACCOUNT_VARIABLES:
        assert variable in documented, f"README documents no demo value for {variable}"
        assert environment[variable] == f"${{{variable}:-{documented[variable]}}}"
    # No default: unset, the variable is not passed at all (never an empty token), and the
    # control API refuses calls from outside the container.
    assert ADMIN_TOKEN_VARIABLE in environment
    assert environment[ADMIN_TOKEN_VARIABLE] is None


def test_compose_healthcheck_is_the_dockerfile_healthcheck(compose_service, final_stage):
    _options, command = _healthcheck_command(final_stage)
    assert compose_service["healthcheck"]["test"] == ["CMD", *command]


@dataclass(frozen=True)
class Compose:
    argv: list[str]
    json_output: bool  # Compose v2 prints `config --format json`; v1 prints YAML only


def _probe(argv: list[str]) -> Compose | str:
    """A working compose command, or what it said when asked for its version."""
    probe = subprocess.run(
        [*argv, "version"], capture_output=True, text=True, timeout=60, check=False
    )
    if probe.returncode != 0:
        said = (probe.stderr or probe.stdout).strip().splitlines()
        return f"`{shlex.join([Path(argv[0]).name, *argv[1:]])} version` failed: " + (
            said[0] if said else f"exit {probe.returncode}"
        )
    major = re.search(r"version v?(\d+)\.\d+", probe.stdout)
    return Compose(argv, json_output=not major or int(major.group(1)) >= 2)


@pytest.fixture(scope="module")
def compose() -> Compose:
    reasons = []
    for name, argv in (("docker", ["compose"]), ("docker-compose", [])):
        program = shutil.which(name)
        if program is None:
            reasons.append(f"no `{name}` on PATH")
            continue
        found = _probe([program, *argv])
        if isinstance(found, Compose):
            return found
        reasons.append(found)
    pytest.skip("no compose CLI to check docker-compose.yml: " + "; ".join(reasons))


def _resolved_service(compose: Compose, tmp_path: Path, variables: dict[str, str]) -> dict:
    """`config` of the compose file with only `variables` set (no .env, no inherited N2G_MOCK_*)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("N2G_", "COMPOSE_"))
    }
    env.update(variables)
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.write_text("")
    argv = [
        *compose.argv,
        "--env-file",
        str(empty_env_file),
        "-f",
        str(COMPOSE_FILE),
        "-p",
        "n2gmockcheck",
        "config",
        *(["--format", "json"] if compose.json_output else []),
    ]
    result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert result.returncode == 0, f"{shlex.join(argv)} refused the file:\n{result.stderr}"
    document = json.loads(result.stdout) if compose.json_output else yaml.safe_load(result.stdout)
    return document["services"][SERVICE]


def _published_ports(service: dict) -> set[tuple[str, str]]:
    """(host port, container port) pairs, from the short or the long port syntax."""
    pairs = set()
    for port in service.get("ports", []):
        if isinstance(port, dict):
            pairs.add((str(port.get("published")), str(port["target"])))
        else:
            host, _, container = str(port).rpartition(":")
            pairs.add((host.rpartition(":")[2], container.split("/")[0]))
    return pairs


def _volume_targets(service: dict) -> dict[str, str]:
    """container path -> source, from the short or the long volume syntax."""
    targets = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            targets[volume["target"]] = volume.get("source", "")
        else:
            source, target = str(volume).split(":")[:2]
            targets[target] = source
    return targets


def test_compose_config_accepts_the_file_with_its_defaults(compose, tmp_path):
    service = _resolved_service(compose, tmp_path, {})
    assert Path(service["build"]["context"]).resolve() == ROOT
    assert ("8080", "8080") in _published_ports(service)
    assert _volume_targets(service)["/data"] == "n2g-mock-data"
    environment = service["environment"]
    documented = _readme_demo_values()
    for variable in ACCOUNT_VARIABLES:
        assert environment[variable] == documented[variable]
    assert environment.get(ADMIN_TOKEN_VARIABLE) is None, "an unset admin token must stay unset"
    assert HEALTH_PATH in " ".join(service["healthcheck"]["test"])
    assert service["restart"] == "unless-stopped"


def test_compose_config_takes_port_account_and_admin_token_from_the_environment(compose, tmp_path):
    variables = {
        "N2G_MOCK_PORT": "18080",
        "N2G_MOCK_AUTH_KEY": "qa_client:qa_secret",
        "N2G_MOCK_USERNAME": "qa@example.org",
        "N2G_MOCK_PASSWORD": "qa-password",
        "N2G_MOCK_FORM_CODE": "qaform01",
        ADMIN_TOKEN_VARIABLE: "qa-admin-token",
    }
    service = _resolved_service(compose, tmp_path, variables)
    assert ("18080", "8080") in _published_ports(service)
    for variable, value in variables.items():
        if variable != "N2G_MOCK_PORT":
            assert service["environment"][variable] == value


# ---------------------------------------------------------------------------------------------
# The image on a real engine

TEST_ACCOUNT = {
    "N2G_MOCK_AUTH_KEY": "docker_client:docker_secret",
    "N2G_MOCK_USERNAME": "docker@example.org",
    "N2G_MOCK_PASSWORD": "docker-Pa55word",
    "N2G_MOCK_FORM_CODE": "dockform",
    ADMIN_TOKEN_VARIABLE: "docker-admin-token",
}
HEALTHY_TIMEOUT = 90
HTTP_TIMEOUT = 10
ENGINE_PROBE_TIMEOUT = 15
ENGINE_CALL_TIMEOUT = 600


@pytest.fixture
def engine() -> Iterator[docker.DockerClient]:
    try:
        client = docker.from_env(timeout=ENGINE_PROBE_TIMEOUT)
        client.ping()
    except (docker.errors.DockerException, requests.RequestException) as error:
        pytest.skip(f"no Docker engine answers: {error}")
    client.api.timeout = ENGINE_CALL_TIMEOUT  # a build streams for minutes
    try:
        yield client
    finally:
        client.close()


def _base_url(container) -> str:
    container.reload()
    bindings = container.attrs["NetworkSettings"]["Ports"].get("8080/tcp") or []
    assert bindings, f"8080/tcp is not published: {container.attrs['NetworkSettings']['Ports']}"
    return f"http://127.0.0.1:{bindings[0]['HostPort']}"


def _wait_healthy(container) -> str:
    """Wait for Docker's health status `healthy` and a 200 from the published port."""
    deadline = time.monotonic() + HEALTHY_TIMEOUT
    while time.monotonic() < deadline:
        container.reload()
        state = container.attrs["State"]
        if not state["Running"]:
            pytest.fail(f"the container stopped:\n{container.logs().decode(errors='replace')}")
        if state.get("Health", {}).get("Status") == "healthy":
            base = _base_url(container)
            try:
                if requests.get(base + HEALTH_PATH, timeout=HTTP_TIMEOUT).status_code == 200:
                    return base
            except requests.ConnectionError:
                pass
        time.sleep(1)
    health = json.dumps(container.attrs["State"].get("Health"), indent=1)
    logs = container.logs().decode(errors="replace")
    pytest.fail(f"not healthy after {HEALTHY_TIMEOUT}s; health: {health}\nlogs:\n{logs}")


def _session(base: str) -> requests.Session:
    """Logged in as the test account, exactly as a client of the real service logs in."""
    session = requests.Session()
    client_id, _, client_secret = TEST_ACCOUNT["N2G_MOCK_AUTH_KEY"].partition(":")
    response = session.post(
        f"{base}/oauth/v2/token",
        auth=(client_id, client_secret),
        json={
            "username": TEST_ACCOUNT["N2G_MOCK_USERNAME"],
            "password": TEST_ACCOUNT["N2G_MOCK_PASSWORD"],
            "grant_type": "https://nl2go.com/jwt",
        },
        timeout=HTTP_TIMEOUT,
    )
    assert response.status_code == 200, response.text
    session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    return session


def _create_list(base: str, name: str) -> str:
    response = _session(base).post(f"{base}/lists", json={"name": name}, timeout=HTTP_TIMEOUT)
    assert response.status_code == 201, response.text
    return response.json()["value"][0]["id"]


def _list_name(base: str, list_id: str) -> str:
    response = _session(base).get(f"{base}/lists/{list_id}", timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()["value"][0]["name"]


def _remove(remove, *args, **kwargs) -> None:
    with contextlib.suppress(docker.errors.NotFound):
        remove(*args, **kwargs)


def test_image_builds_serves_and_keeps_its_data_across_restarts(engine):
    """Build from the repo, run with a random port, log in, write, restart, kill -9, read back.

    Cleans up its container, volume and image; the base image and the builder's cache stay.
    """
    suffix = uuid.uuid4().hex[:12]
    tag = f"n2g-mock-test:{suffix}"
    volume = engine.volumes.create(name=f"n2g-mock-test-{suffix}")
    container = None
    try:
        try:
            engine.images.build(path=str(ROOT), tag=tag, rm=True, forcerm=True)
        except docker.errors.BuildError as error:
            output = "".join(str(chunk.get("stream", chunk)) for chunk in error.build_log)
            pytest.fail(f"docker build failed: {error}\n{output[-4000:]}")
        image = engine.images.get(tag)
        assert image.attrs["Config"]["User"].partition(":")[0] not in {"", "root", "0"}
        assert "/data" in (image.attrs["Config"].get("Volumes") or {})

        container = engine.containers.run(
            tag,
            detach=True,
            environment=TEST_ACCOUNT,
            ports={"8080/tcp": ("127.0.0.1", None)},
            volumes={volume.name: {"bind": "/data", "mode": "rw"}},
        )
        base = _wait_healthy(container)
        first = _create_list(base, "Survives a restart")

        admin = {"X-Mock-Admin-Token": TEST_ACCOUNT[ADMIN_TOKEN_VARIABLE]}
        outbox = requests.get(f"{base}/_mock/outbox", headers=admin, timeout=HTTP_TIMEOUT)
        assert outbox.status_code == 200, outbox.text
        refused = requests.get(f"{base}/_mock/outbox", timeout=HTTP_TIMEOUT)
        assert refused.status_code == 403, refused.text

        container.restart(timeout=20)
        base = _wait_healthy(container)
        assert _list_name(base, first) == "Survives a restart"
        second = _create_list(base, "Survives kill -9")

        container.kill(signal="SIGKILL")
        container.wait(timeout=30)
        container.start()
        base = _wait_healthy(container)
        assert _list_name(base, first) == "Survives a restart"
        assert _list_name(base, second) == "Survives kill -9"

        container.stop(timeout=20)
        assert container.wait(timeout=30)["StatusCode"] == 0
        logs = container.logs().decode(errors="replace")
        assert "Newsletter2Go mock serving on http://0.0.0.0:8080" in logs
        assert TEST_ACCOUNT["N2G_MOCK_PASSWORD"] not in logs
        assert TEST_ACCOUNT[ADMIN_TOKEN_VARIABLE] not in logs
    finally:
        if container is not None:
            _remove(container.remove, force=True, v=True)
        _remove(volume.remove, force=True)
        _remove(engine.images.remove, tag, force=True)
