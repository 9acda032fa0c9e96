"""Static checks of the production-like Docker setup (docker/compose.yml, docker/Dockerfile,
.env.example). No Docker engine is needed: the files are parsed and cross-referenced, so a
renamed service, a forgotten variable or a hard-coded secret fails here, not at `compose up`."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKER_DIR = ROOT / "docker"
COMPOSE_FILE = DOCKER_DIR / "compose.yml"
DOCKERFILE = DOCKER_DIR / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"

AIRFLOW_COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
SECRET_KEY_RE = re.compile(r"PASSWORD|PASSWD|_PASS$|SECRET|KEY|TOKEN")
# `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`; `$${…}` is
# an escaped dollar (the container's shell variable), not compose interpolation.
INTERPOLATION_RE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}")
BARE_VARIABLE_RE = re.compile(r"(?<!\$)\$([A-Za-z_][A-Za-z0-9_]*)")
REFERENCE_ONLY_RE = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*(?::?\?[^}]*)?\}$")
URL_CREDENTIALS_RE = re.compile(r"://[^:/@\s]+:(?P<password>[^@\s]+)@")
ENV_LINE_RE = re.compile(r"^(?P<commented>#\s*)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)$")


# --------------------------------------------------------------------------------------------
# Parsing helpers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mount:
    source: str
    target: str
    read_only: bool

    @property
    def is_named_volume(self) -> bool:
        return bool(self.source) and not self.source.startswith(("/", ".", "~", "$"))


@pytest.fixture(scope="module")
def compose() -> dict:
    assert COMPOSE_FILE.is_file(), f"{COMPOSE_FILE} is missing"
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and isinstance(data.get("services"), dict), (
        f"{COMPOSE_FILE}: expected a mapping with a `services:` mapping"
    )
    return data


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict]:
    return compose["services"]


@pytest.fixture(scope="module")
def env_example() -> dict[str, tuple[str, bool]]:
    """name -> (value, commented) for every `NAME=value` line, commented out or not.
    An uncommented line wins over a commented example of the same name."""
    assert ENV_EXAMPLE.is_file(), f"{ENV_EXAMPLE} is missing"
    found: dict[str, tuple[str, bool]] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = ENV_LINE_RE.match(line.strip())
        if not match:
            continue
        name, value = match["name"], match["value"].strip()
        commented = bool(match["commented"])
        if name not in found or (found[name][1] and not commented):
            found[name] = (value, commented)
    return found


def command_text(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def env_of(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def profiles_of(service: dict) -> list[str]:
    return list(service.get("profiles") or [])


def mounts_of(service: dict) -> list[Mount]:
    mounts = []
    for item in service.get("volumes") or []:
        if isinstance(item, dict):
            mounts.append(
                Mount(str(item.get("source", "")), str(item["target"]), bool(item.get("read_only")))
            )
            continue
        parts = str(item).split(":")
        if len(parts) == 1:  # anonymous volume
            mounts.append(Mount("", parts[0], False))
            continue
        options = parts[2].split(",") if len(parts) > 2 else []
        mounts.append(Mount(parts[0], parts[1], "ro" in options))
    return mounts


def depends_on_names(service: dict) -> list[str]:
    deps = service.get("depends_on") or []
    return list(deps) if isinstance(deps, list | dict) else [str(deps)]


def with_defaults(value: str) -> str:
    """The value compose would produce with no variable set (`:?` ones marked as <VAR>)."""

    def repl(match: re.Match) -> str:
        name, op, arg = match.group(1), match.group(2) or "", match.group(3) or ""
        if op in (":-", "-"):
            return arg
        if op in (":?", "?"):
            return f"<{name}>"
        return ""

    return INTERPOLATION_RE.sub(repl, value)


def strings_in(node) -> list[str]:
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in (*strings_in(k), *strings_in(v))]
    if isinstance(node, list):
        return [s for item in node for s in strings_in(item)]
    return [node] if isinstance(node, str) else []


def airflow_services(services: dict) -> dict[str, dict]:
    """Services built on x-airflow-common (they carry its metadata-database setting)."""
    return {
        name: svc
        for name, svc in services.items()
        if "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN" in env_of(svc)
    }


def component(services: dict, command: str) -> tuple[str, dict]:
    matches = [(n, s) for n, s in services.items() if command_text(s).strip() == command]
    assert len(matches) == 1, (
        f"expected exactly one service running `airflow {command}`, found "
        f"{[n for n, _ in matches] or 'none'}"
    )
    return matches[0]


def bi_service(services: dict) -> tuple[str, dict]:
    matches = [(n, s) for n, s in services.items() if n in ("metabase", "superset")]
    assert len(matches) == 1, f"expected one BI service (metabase or superset), found {matches}"
    return matches[0]


def init_service(services: dict) -> tuple[str, dict]:
    matches = [(n, s) for n, s in services.items() if "airflow db migrate" in command_text(s)]
    assert len(matches) == 1, (
        f"expected one init service running `airflow db migrate`, found {[n for n, _ in matches]}"
    )
    return matches[0]


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    instructions, current = [], ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if current and line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        keyword, _, rest = current.strip().partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
        current = ""
    return instructions


def dockerfile_env(path: Path) -> dict[str, str]:
    env = {}
    for keyword, rest in dockerfile_instructions(path):
        if keyword != "ENV":
            continue
        for token in shlex.split(rest):
            name, sep, value = token.partition("=")
            assert sep, f"{path}: write ENV as NAME=value, got {token!r}"
            env[name] = value
    return env


def resolve_build(service: dict) -> tuple[Path, Path]:
    build = service["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    context_dir = (DOCKER_DIR / context).resolve()
    return context_dir, (context_dir / dockerfile).resolve()


# --------------------------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------------------------


def test_airflow_components_postgres_init_and_bi_exist(compose, services):
    assert "x-airflow-common" in compose, "compose.yml must define the x-airflow-common anchor"
    common_image = compose["x-airflow-common"].get("image")
    for command in AIRFLOW_COMPONENTS:
        name, svc = component(services, command)
        assert not profiles_of(svc), f"{name} (`airflow {command}`) must run in every profile"
        assert svc.get("image") == common_image, f"{name} must use the x-airflow-common image"
        assert name in airflow_services(services), f"{name} must be built on x-airflow-common"

    assert "postgres" in services, "a `postgres` metadata database service is required"
    postgres = services["postgres"]
    assert str(postgres.get("image", "")).startswith("postgres:"), "postgres: use a postgres image"
    assert "pg_isready" in " ".join(strings_in(postgres.get("healthcheck", {}))), (
        "postgres needs a pg_isready healthcheck (the Airflow services wait for it)"
    )

    name, init = init_service(services)
    assert name in airflow_services(services), f"{name} must be built on x-airflow-common"
    assert not profiles_of(init), f"{name} must run in every profile"
    assert str(init.get("restart", "no")) == "no", f"{name} is a one-shot: restart: 'no'"

    bi_name, bi = bi_service(services)
    assert not profiles_of(bi), f"{bi_name} must run in every profile"


def test_init_migrates_and_creates_the_one_slot_writer_pool(services):
    from ruche.orchestration import WRITER_POOL

    name, init = init_service(services)
    script = command_text(init)
    assert re.search(rf"airflow pools set {re.escape(WRITER_POOL)} 1\b", script), (
        f"{name} must create the DAGs' pool with one slot: "
        f"`airflow pools set {WRITER_POOL} 1 …` (ruche.orchestration.WRITER_POOL)"
    )
    for other, svc in airflow_services(services).items():
        if other == name:
            continue
        deps = svc.get("depends_on") or {}
        condition = deps.get(name, {}).get("condition") if isinstance(deps, dict) else None
        assert condition == "service_completed_successfully", (
            f"{other} must wait for {name}: depends_on.{name}.condition: "
            "service_completed_successfully"
        )


def test_local_executor_is_the_default(services, env_example):
    value, commented = env_example.get("AIRFLOW__CORE__EXECUTOR", ("LocalExecutor", True))
    assert commented or value == "LocalExecutor", (
        ".env.example must not switch the executor: keep AIRFLOW__CORE__EXECUTOR commented out"
    )
    for name, svc in airflow_services(services).items():
        if profiles_of(svc):
            continue
        executor = with_defaults(env_of(svc).get("AIRFLOW__CORE__EXECUTOR", ""))
        assert executor == "LocalExecutor", (
            f"{name}: AIRFLOW__CORE__EXECUTOR must default to LocalExecutor, got {executor!r}"
        )


def test_celery_services_only_in_the_celery_profile(services):
    celery = {n: s for n, s in services.items() if "celery" in profiles_of(s)}
    workers = {n: s for n, s in celery.items() if command_text(s).startswith("celery worker")}
    brokers = {n: s for n, s in celery.items() if str(s.get("image", "")).startswith("redis:")}
    assert workers, "the celery profile needs at least one `celery worker` service"
    assert brokers, "the celery profile needs a redis broker service"

    for name, svc in {**workers, **brokers}.items():
        assert profiles_of(svc) == ["celery"], f"{name}: profiles must be exactly ['celery']"
    for name, svc in workers.items():
        env = env_of(svc)
        assert env.get("AIRFLOW__CORE__EXECUTOR") == "CeleryExecutor", (
            f"{name}: a Celery worker must set AIRFLOW__CORE__EXECUTOR: CeleryExecutor"
        )
        broker_host = urlsplit(with_defaults(env.get("AIRFLOW__CELERY__BROKER_URL", ""))).hostname
        assert broker_host in brokers, (
            f"{name}: AIRFLOW__CELERY__BROKER_URL must point at the broker service "
            f"{sorted(brokers)}, got host {broker_host!r}"
        )
        assert set(brokers) & set(depends_on_names(svc)), f"{name} must depend on the broker"

    for name, svc in services.items():
        text = command_text(svc)
        uses_celery = text.startswith("celery") or (
            env_of(svc).get("AIRFLOW__CORE__EXECUTOR") == "CeleryExecutor"
        )
        if uses_celery or name in brokers:
            assert profiles_of(svc), f"{name} is Celery-only: it must sit behind a profile"


def worker_queues(service: dict) -> set[str]:
    """The queues of an `airflow celery worker` command (`--queues a,b` or `-q a,b`); Airflow's
    default queue when none is given."""
    words = shlex.split(with_defaults(command_text(service)))
    for flag, value in zip(words, [*words[1:], ""], strict=True):
        if flag in ("--queues", "-q"):
            return set(value.split(","))
        if flag.startswith("--queues="):
            return set(flag.split("=", 1)[1].split(","))
    return {"default"}


def test_warehouse_writers_run_only_where_the_warehouse_is(services):
    # The DAGs put every warehouse-writing task on RUCHE_WAREHOUSE_QUEUE (when set): a Celery
    # deployment needs a worker serving that queue, with the warehouse volume mounted, or those
    # tasks wait forever; every worker serves `default`, where the extracts go.
    workers = {
        n: s
        for n, s in services.items()
        if "celery" in profiles_of(s) and command_text(s).startswith("celery worker")
    }
    _, scheduler = component(services, "dag-processor")
    queue = with_defaults(env_of(scheduler).get("RUCHE_WAREHOUSE_QUEUE", ""))
    assert queue, "the dag-processor must set RUCHE_WAREHOUSE_QUEUE (it parses the DAGs)"
    for name, svc in airflow_services(services).items():
        assert with_defaults(env_of(svc).get("RUCHE_WAREHOUSE_QUEUE", "")) == queue, (
            f"{name}: RUCHE_WAREHOUSE_QUEUE differs from the dag-processor's ({queue!r})"
        )
    serving = {n for n, s in workers.items() if queue in worker_queues(s)}
    assert serving, f"no Celery worker serves the warehouse queue {queue!r}: add --queues"
    for name in serving:
        assert any(m.source == "warehouse" and not m.read_only for m in mounts_of(workers[name])), (
            f"{name} serves the warehouse queue but does not mount the `warehouse` volume"
        )
    for name, svc in workers.items():
        assert "default" in worker_queues(svc), f"{name} must serve `default` (the extracts)"
    assert set(workers) - serving, "expected an extract-only worker (queue `default`) to scale"


def test_depends_on_names_defined_services(services):
    for name, svc in services.items():
        for dep in depends_on_names(svc):
            assert dep in set(services), f"{name} depends on undefined service {dep!r}"
            if not profiles_of(svc):
                assert not profiles_of(services[dep]), (
                    f"{name} runs in every profile but depends on {dep}, which only runs under "
                    f"profiles {profiles_of(services[dep])}: compose would refuse to start"
                )
            deps = svc["depends_on"]
            if isinstance(deps, dict) and deps[dep].get("condition") == "service_healthy":
                assert services[dep].get("healthcheck"), (
                    f"{name} waits for {dep} to be healthy, but {dep} has no healthcheck"
                )


def test_connection_urls_point_at_defined_services(services):
    for name, svc in airflow_services(services).items():
        env = env_of(svc)
        db_host = urlsplit(with_defaults(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])).hostname
        assert db_host == "postgres", f"{name}: the metadata database must be the postgres service"
        api_url = env.get("AIRFLOW__CORE__EXECUTION_API_SERVER_URL", "")
        api_host = urlsplit(api_url).hostname
        api_name, _ = component(services, "api-server")
        assert api_host == api_name, (
            f"{name}: AIRFLOW__CORE__EXECUTION_API_SERVER_URL must reach the api-server "
            f"service ({api_name}), got {api_url!r}"
        )


# --------------------------------------------------------------------------------------------
# Volumes
# --------------------------------------------------------------------------------------------


def test_named_volumes_are_declared(compose, services):
    declared = set(compose.get("volumes") or {})
    for name, svc in services.items():
        for mount in mounts_of(svc):
            if mount.is_named_volume:
                assert mount.source in declared, (
                    f"{name} mounts volume {mount.source!r}, which is not declared under the "
                    f"top-level `volumes:` ({sorted(declared)})"
                )


def test_bind_mount_sources_exist(services):
    for name, svc in services.items():
        for mount in mounts_of(svc):
            if mount.source.startswith("."):
                assert (DOCKER_DIR / mount.source).exists(), (
                    f"{name} bind-mounts {mount.source} (relative to docker/), which does not exist"
                )


def test_landing_and_warehouse_are_mounted_in_every_airflow_service(services):
    for name, svc in airflow_services(services).items():
        mounts = {m.source: m for m in mounts_of(svc) if m.is_named_volume}
        env = {k: with_defaults(v) for k, v in env_of(svc).items()}
        for volume, variables in (
            ("landing", ["RUCHE_LANDING_ROOT"]),
            ("warehouse", ["RUCHE_WAREHOUSE", "RUCHE_PUBLISHED"]),
        ):
            assert volume in mounts, f"{name} must mount the `{volume}` volume"
            mount = mounts[volume]
            assert not mount.read_only, f"{name}: the `{volume}` volume must be writable"
            for variable in variables:
                path = PurePosixPath(env.get(variable, ""))
                assert (
                    path == PurePosixPath(mount.target)
                    or PurePosixPath(mount.target) in path.parents
                ), (
                    f"{name}: {variable}={env.get(variable)!r} is not inside the `{volume}` "
                    f"volume mounted at {mount.target}"
                )


def test_bi_reads_only_the_published_file_through_a_read_only_mount(services):
    bi_name, bi = bi_service(services)
    warehouse = [m for m in mounts_of(bi) if m.source == "warehouse"]
    assert warehouse, f"{bi_name} must mount the `warehouse` volume (it holds the published file)"
    assert all(m.read_only for m in warehouse), f"{bi_name} must mount `warehouse` read-only (:ro)"
    assert not any(m.source == "landing" for m in mounts_of(bi)), (
        f"{bi_name} has no use for landing"
    )

    _, scheduler = component(services, "scheduler")
    published = PurePosixPath(with_defaults(env_of(scheduler)["RUCHE_PUBLISHED"]))
    airflow_target = next(m.target for m in mounts_of(scheduler) if m.source == "warehouse")
    assert published.parent != PurePosixPath(airflow_target), (
        "publish the BI file in a subdirectory of the warehouse volume, not beside ruche.duckdb"
    )


# --------------------------------------------------------------------------------------------
# Variables and secrets
# --------------------------------------------------------------------------------------------


def test_every_compose_variable_is_in_env_example(compose, env_example):
    strings = strings_in(compose)
    bare = sorted({m for s in strings for m in BARE_VARIABLE_RE.findall(s)})
    assert not bare, f"write compose variables as ${{VAR}}, not $VAR: {bare}"
    referenced = {m.group(1) for s in strings for m in INTERPOLATION_RE.finditer(s)}
    missing = sorted(referenced - set(env_example))
    assert not missing, (
        f"variables used in compose.yml but absent from .env.example: {missing} — add them "
        "(commented out with their default when optional)"
    )


def test_required_variables_are_left_empty_in_env_example(compose, env_example):
    required = {
        m.group(1)
        for s in strings_in(compose)
        for m in INTERPOLATION_RE.finditer(s)
        if m.group(2) in (":?", "?")
    }
    assert required, "expected required secrets written as ${VAR:?message}"
    for name in sorted(required):
        value, commented = env_example[name]
        assert not commented and value == "", (
            f".env.example: {name} is required: list it uncommented and empty (`{name}=`) so "
            "compose refuses to start until it is filled in"
        )


def test_no_literal_secrets_in_compose(compose):
    def check_mapping(where: str, mapping: dict[str, str]) -> None:
        for key, value in mapping.items():
            if SECRET_KEY_RE.search(key.upper()) and not key.upper().endswith("_FILE"):
                assert REFERENCE_ONLY_RE.match(value), (
                    f"{where}: {key} must be a ${{VAR}} or ${{VAR:?message}} reference to .env "
                    f"(no literal, no default), got {value!r}"
                )
            for match in URL_CREDENTIALS_RE.finditer(value):
                assert REFERENCE_ONLY_RE.match(match["password"]), (
                    f"{where}: {key} embeds a literal password in a URL; use ${{VAR:?…}}"
                )

    anchors = {k: v for k, v in compose.items() if k.startswith("x-") and isinstance(v, dict)}
    for name, svc in {**anchors, **compose["services"]}.items():
        check_mapping(f"{name}.environment", env_of(svc))
        build = svc.get("build")
        if isinstance(build, dict) and isinstance(build.get("args"), dict):
            check_mapping(f"{name}.build.args", {k: str(v) for k, v in build["args"].items()})


def test_env_example_holds_only_placeholders(env_example):
    for name, (value, _) in env_example.items():
        unquoted = value.strip("'\"")
        assert not re.search(r"EAA[A-Za-z0-9]{20,}", unquoted), (
            f".env.example: {name} looks like a real Meta access token"
        )
        if name.startswith("AIRFLOW_CONN_"):
            assert re.search(r"REPLACE|placeholder", unquoted, re.IGNORECASE), (
                f".env.example: {name} must carry an obvious placeholder (REPLACE_…)"
            )
        elif SECRET_KEY_RE.search(name) and unquoted:
            assert re.search(r"REPLACE|placeholder", unquoted, re.IGNORECASE), (
                f".env.example: {name} must be empty or an obvious placeholder, got {value!r}"
            )


def test_airflow_services_read_the_git_ignored_env_file(compose, services):
    for name, svc in airflow_services(services).items():
        env_files = svc.get("env_file") or []
        env_files = [env_files] if isinstance(env_files, str | dict) else env_files
        paths = [(e["path"] if isinstance(e, dict) else e) for e in env_files]
        assert any((DOCKER_DIR / p).resolve() == ROOT / ".env" for p in paths), (
            f"{name} must load the repository's .env (env_file: ../.env) for AIRFLOW_CONN_* tokens"
        )


def test_env_file_is_git_ignored_and_the_example_is_not():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("git or the repository metadata is not available")

    def ignored(path: str) -> bool:
        result = subprocess.run(
            ["git", "-C", str(ROOT), "check-ignore", "--quiet", "--no-index", path],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode in (0, 1), f"git check-ignore failed: {result.stderr}"
        return result.returncode == 0

    assert ignored(".env"), ".env must be git-ignored (it holds the secrets): add it to .gitignore"
    assert not ignored(".env.example"), ".env.example must not be git-ignored"


# --------------------------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------------------------


def test_build_contexts_and_dockerfiles_exist(compose, services):
    anchors = {k: v for k, v in compose.items() if k.startswith("x-") and isinstance(v, dict)}
    built = {n: s for n, s in {**anchors, **services}.items() if "build" in s}
    assert built, "no service builds an image"
    for name, svc in built.items():
        context, dockerfile = resolve_build(svc)
        assert context.is_dir(), f"{name}: build context {context} does not exist"
        assert dockerfile.is_file(), f"{name}: dockerfile {dockerfile} does not exist"
    _, scheduler = component(services, "scheduler")
    assert resolve_build(scheduler) == (ROOT, DOCKERFILE), (
        "the Airflow services must build docker/Dockerfile with the repository root as context"
    )


def test_dockerfile_pins_airflow_3_3_and_turns_telemetry_off():
    assert DOCKERFILE.is_file(), f"{DOCKERFILE} is missing"
    instructions = dockerfile_instructions(DOCKERFILE)
    froms = [rest.split()[0] for keyword, rest in instructions if keyword == "FROM"]
    assert froms, f"{DOCKERFILE}: no FROM"
    assert re.fullmatch(r"apache/airflow:3\.3\.\d+(-python3\.11)?", froms[-1]), (
        f"{DOCKERFILE}: the final image must be an official Airflow 3.3 image "
        f"(apache/airflow:3.3.x-python3.11), got {froms[-1]}"
    )

    env = dockerfile_env(DOCKERFILE)
    expected_off = {
        "DBT_SEND_ANONYMOUS_USAGE_STATS": {"false", "0"},
        "DO_NOT_TRACK": {"1", "true"},
        "GX_ANALYTICS_ENABLED": {"false", "0"},
        "AIRFLOW__CORE__LOAD_EXAMPLES": {"false", "0"},
    }
    for name, allowed in expected_off.items():
        assert env.get(name, "").lower() in allowed, (
            f"{DOCKERFILE}: ENV {name} must be one of {sorted(allowed)}, got {env.get(name)!r}"
        )


def test_dockerfile_installs_the_lock_and_copies_the_project():
    text = " ".join(rest for _, rest in dockerfile_instructions(DOCKERFILE))
    for fragment in ("uv export --frozen", "--no-dev", "apache-airflow==${AIRFLOW_VERSION}"):
        assert fragment in text, f"{DOCKERFILE}: expected `{fragment}` (locked install)"

    copied = set()
    for keyword, rest in dockerfile_instructions(DOCKERFILE):
        if keyword != "COPY" or "--from=" in rest:
            continue
        sources = [t for t in shlex.split(rest) if not t.startswith("--")][:-1]
        for source in sources:
            assert (ROOT / source).exists(), f"{DOCKERFILE}: COPY source {source} does not exist"
            copied.add(source.rstrip("/"))
    for needed in ("dags", "dbt_project", "config", "expectations", "connectors", "ruche"):
        assert needed in copied, f"{DOCKERFILE} must COPY {needed}/ into the image"


def test_compose_paths_agree_with_the_image(services):
    image_env = dockerfile_env(DOCKERFILE)
    _, scheduler = component(services, "scheduler")
    env = {k: with_defaults(v) for k, v in env_of(scheduler).items()}
    for name in ("RUCHE_LANDING_ROOT", "RUCHE_WAREHOUSE", "RUCHE_PUBLISHED"):
        assert env.get(name) == image_env.get(name), (
            f"{name}: compose ({env.get(name)!r}) and docker/Dockerfile "
            f"({image_env.get(name)!r}) disagree"
        )


def test_metabase_image_has_the_duckdb_driver_on_glibc(services):
    bi_name, bi = bi_service(services)
    if bi_name != "metabase":
        pytest.skip("the BI service is not Metabase")
    _, dockerfile = resolve_build(bi)
    instructions = dockerfile_instructions(dockerfile)
    base = [rest.split()[0] for keyword, rest in instructions if keyword == "FROM"][-1]
    assert "alpine" not in base, f"{dockerfile}: the DuckDB driver needs glibc, not {base}"
    adds = " ".join(rest for keyword, rest in instructions if keyword == "ADD")
    assert "metabase_duckdb_driver" in adds and "metabase.jar" in adds, (
        f"{dockerfile}: download metabase.jar and the DuckDB driver jar at build time (ADD)"
    )


def test_the_webhook_receiver_and_its_redis_are_the_webhooks_profile(services):
    # `ruche webhooks serve` and the events' Redis start only with `--profile webhooks`; the
    # receiver's stream and the triggerer's doorbell connection are that one Redis.
    receiver = services["webhooks"]
    assert profiles_of(receiver) == ["webhooks"]
    assert profiles_of(services["events-redis"]) == ["webhooks"]
    assert command_text(receiver).startswith("webhooks serve")
    assert "--appendonly" in command_text(services["events-redis"])  # the mailbox is durable
    url = env_of(receiver)["RUCHE_WEBHOOK_REDIS_URL"]
    assert urlsplit(url).hostname == "events-redis"
    assert "events-redis" in depends_on_names(receiver)
    _, triggerer = component(services, "triggerer")
    assert env_of(triggerer)["AIRFLOW_CONN_RUCHE_REDIS"] == url
    assert env_of(triggerer)["RUCHE_WEBHOOK_REDIS_URL"] == url
    # The secrets come from .env through env_file, never from compose.yml.
    assert "../.env" in str(receiver.get("env_file"))
    assert not {"RUCHE_META_APP_SECRET", "RUCHE_WEBHOOK_VERIFY_TOKEN"} & set(env_of(receiver))
