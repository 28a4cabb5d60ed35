"""The Dockerfiles: hadolint, non-root, pinned bases, health checks, and ports and paths that
agree with the app's settings, the compose file, Caddy and the Kubernetes manifests. No image is
built here (no Docker engine on these machines): CI builds them (.github/workflows/ci.yml)."""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path

import pytest

from healthapp.config import Settings
from healthapp.worker.cli import parse_args
from tests.deploy.conftest import (
    CADDYFILE,
    DEPLOY,
    DOCKERFILES,
    ROOT,
    Dockerfile,
    failed,
    run,
    tool,
)

APP_UID = "10001"


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_hadolint(name: str) -> None:
    result = run(
        [tool("hadolint"), "--config", str(DEPLOY / ".hadolint.yaml"), str(DOCKERFILES[name])]
    )
    assert result.returncode == 0, failed(result)


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_runs_as_a_numeric_non_root_user(name: str, dockerfiles: dict[str, Dockerfile]) -> None:
    stage = dockerfiles[name].final_stage()
    users = [i for i, (key, _) in enumerate(stage) if key == "USER"]
    assert users, f"{name}: the final stage sets no USER, so it runs as root"
    user = stage[users[-1]][1]
    # Numeric, so that Kubernetes' runAsNonRoot can verify it without the image's /etc/passwd.
    assert re.fullmatch(r"\d+(:\d+)?", user), user
    assert user.split(":")[0] == APP_UID
    after = [key for key, _ in stage[users[-1] :]]
    assert "RUN" not in after, f"{name}: RUN after the last USER runs as that user, not root"


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_base_images_are_pinned(name: str, dockerfiles: dict[str, Dockerfile]) -> None:
    dockerfile = dockerfiles[name]
    stages = {m.group(1) for m in re.finditer(r"\bAS (\S+)", " ".join(dockerfile.all("FROM")))}
    for source in dockerfile.all("FROM"):
        image = source.split()[0]
        if image in stages:
            continue
        if image.startswith("${"):
            image = dockerfile.args()[image.strip("${}")]
        _repository, _, tag = image.partition(":")
        assert tag, f"{name}: {image} has no tag"
        assert tag != "latest", f"{name}: {image} is not pinned to an exact tag"
        assert re.search(r"\d+\.\d+", tag) or "@sha256:" in image, f"{name}: {image}"


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_has_a_healthcheck_and_an_entrypoint(name: str, dockerfiles: dict[str, Dockerfile]) -> None:
    dockerfile = dockerfiles[name]
    assert dockerfile.final("HEALTHCHECK"), f"{name} has no HEALTHCHECK"
    assert dockerfile.final("ENTRYPOINT") or dockerfile.final("CMD")


def _dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_every_copied_source_exists_and_is_in_the_build_context(
    name: str, dockerfiles: dict[str, Dockerfile]
) -> None:
    patterns = _dockerignore_patterns()
    for rest in dockerfiles[name].all("COPY"):
        if "--from=" in rest:
            continue
        *sources, _destination = [part for part in rest.split() if not part.startswith("--")]
        for source in sources:
            assert (ROOT / source).exists(), f"{name}: COPY {source}: no such file"
            for pattern in patterns:
                pattern = pattern.removeprefix("**/")
                excluded = fnmatch.fnmatch(source, pattern) or source.startswith(pattern + "/")
                assert not excluded, f"{name}: COPY {source} is excluded by .dockerignore {pattern}"


def _settings_from(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The app's Settings as the container would read them (a strong key stands in for the
    secret that comes from the environment)."""
    for key in [k for k in list(os.environ) if k.lower() in Settings.model_fields]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SECRET_KEY", "k3y-" + "0123456789abcdefghijklmnopqrstuvwxyz")
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_web_image_settings_ports_and_paths(
    dockerfiles: dict[str, Dockerfile], compose: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    web = dockerfiles["web"]
    env = web.env()
    settings = _settings_from(env, monkeypatch)
    assert settings.is_production
    # One port for the frontend and the backend: the app's PORT, granian's, EXPOSE, the checks.
    assert settings.port == int(env["GRANIAN_PORT"]) == 8000
    assert web.final("EXPOSE") == ["8000"]
    assert "127.0.0.1:8000/ping" in web.final("HEALTHCHECK")[0]
    assert "web:8000" in compose["services"]["caddy"]["environment"]["WEB_UPSTREAM"]
    assert "{$WEB_UPSTREAM:web:8000}" in CADDYFILE.read_text()
    # Photos and the other private files live on the declared volume.
    assert str(settings.var_dir) == "/data"
    assert str(settings.photo_dir) == "/data/photos"
    assert web.final("VOLUME") == ['["/data"]']
    assert "photos:/data" in compose["services"]["web"]["volumes"]
    # The frontend is mounted on the backend, never rebuilt at start (the image has no bun).
    assert env["__REFLEX_SKIP_COMPILE"] == env["__REFLEX_MOUNT_FRONTEND_COMPILED_APP"] == "true"
    assert int(env["GRANIAN_WORKERS"]) >= 2
    assert any("reflex export --frontend-only" in rest for rest in web.all("RUN"))
    # What the backend needs of the build: the static client, the routes, and .web/backend,
    # where it rewrites its markers at start (seen when the recipe ran without Docker).
    copied = " ".join(web.final("COPY"))
    for part in (".web/build", ".web/routes.json", ".web/backend"):
        assert f"/src/{part} ./{part}" in copied, part
    assert 'ENTRYPOINT ["/app/deploy/docker/entrypoint.sh"]' in (
        f"ENTRYPOINT {rest}" for rest in web.final("ENTRYPOINT")
    )


def test_web_compose_settings_are_accepted_by_the_app(
    dockerfiles: dict[str, Dockerfile], compose: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The compose file's environment for web, with its defaults, passes the app's own checks
    (e.g. UPLOAD_MAX_BYTES against UPLOAD_MAX_FILES x PHOTO_MAX_BYTES, TRUSTED_PROXIES)."""
    env = dict(dockerfiles["web"].env())
    for key, value in compose["services"]["web"]["environment"].items():
        env[key] = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value))
    env = {k: v for k, v in env.items() if "${" not in v}
    settings = _settings_from(env, monkeypatch)
    assert settings.trusted_proxy_networks
    assert settings.upload_max_bytes == 67108864


def test_worker_image_health_port(dockerfiles: dict[str, Dockerfile], compose: dict) -> None:
    worker = dockerfiles["worker"]
    port = worker.env()["WORKER_HEALTH_PORT"]
    assert worker.final("EXPOSE") == [port]
    assert "WORKER_HEALTH_PORT" in worker.final("HEALTHCHECK")[0]
    command = worker.final("CMD")[0]
    assert '--health-port \\"$WORKER_HEALTH_PORT\\"' in command
    assert "--health-host 0.0.0.0" in command
    # The worker's own command line takes exactly these options.
    config = parse_args(["--health-host", "0.0.0.0", "--health-port", port])
    assert (config.health_host, config.health_port) == ("0.0.0.0", int(port))
    service = compose["services"]["worker"]
    assert service["environment"]["WORKER_HEALTH_PORT"] == port
    assert f"127.0.0.1:{port}/healthz" in " ".join(service["healthcheck"]["test"])


def test_triton_image_ports_and_cache(dockerfiles: dict[str, Dockerfile], compose: dict) -> None:
    triton = dockerfiles["triton"]
    assert triton.final("EXPOSE") == ["8000 8001 8002"]
    entrypoint = (DEPLOY / "triton" / "entrypoint.sh").read_text()
    for flag in ("--http-port=8000", "--grpc-port=8001", "--metrics-port=8002"):
        assert flag in entrypoint
    env = triton.env()
    assert env["TRT_ENGINE_CACHE"] == "/cache/trt"
    assert "trt_cache:/cache/trt" in compose["services"]["triton-gpu"]["volumes"]
    assert compose["x-app-env"]["TRITON_URL"] == "triton:8001"
    # The TensorRT variant's engine file is the link the entrypoint keeps pointing at the cache.
    assert any(
        "ln -s /cache/trt/current/model.plan /models/food_classifier_trt/1/model.plan" in rest
        for rest in triton.final("RUN")
    )


def test_entrypoints_are_executable() -> None:
    for script in (DEPLOY / "docker" / "entrypoint.sh", DEPLOY / "triton" / "entrypoint.sh"):
        assert Path(script).stat().st_mode & 0o111, f"{script} is not executable"
