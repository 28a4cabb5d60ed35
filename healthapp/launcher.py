"""`make run`: a small supervisor that starts healthapp's processes and stops them all.

Each process gets its own process group, is waited for until it is ready (or its timeout
names what failed), and on Ctrl-C / SIGTERM every group it started is terminated, then killed
if it lingers, so nothing is left behind. Redis is started here only when REDIS_URL is unset;
later processes (Triton, the analysis workers) join the same list.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from healthapp.config import (
    PROJECT_ROOT,
    ConfigError,
    Settings,
    get_settings,
    private_dir,
    redact_url,
)
from healthapp.observability import logs
from healthapp.observability.metrics import MULTIPROC_ENV
from healthapp.processes import free_port, stop_group

log = logging.getLogger("healthapp.launcher")

TOOLS_BIN = PROJECT_ROOT / ".tools" / "node_modules" / ".bin"
STOP_GRACE_SECONDS = 10.0


class LaunchError(RuntimeError):
    """Something the launcher cannot work around; the message says what and how to fix it."""


@dataclass
class Service:
    name: str
    argv: list[str]
    ready: Callable[[], bool]
    timeout: float
    env: dict[str, str] = field(default_factory=dict)
    log_file: Path | None = None
    cleanup: Callable[[], object] | None = None  # after the process is gone
    process: subprocess.Popen[bytes] | None = None


def ensure_port_free(host: str, port: int, what: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the servers themselves do: connections in TIME_WAIT from a previous run are fine.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise LaunchError(
                f"port {port} on {host} is already in use ({exc.strerror}); {what} needs it. "
                f"Stop whatever holds it, or choose another port with PORT=<n>."
            ) from exc


def redis_ready(url: str) -> Callable[[], bool]:
    import redis

    def check() -> bool:
        try:
            return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
        except redis.RedisError:
            return False

    return check


def http_ok(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310  (our own URL)
                return response.status == 200
        except OSError:
            return False

    return check


class Supervisor:
    def __init__(self) -> None:
        self.services: list[Service] = []
        self._stopping = False

    def start(self, service: Service) -> None:
        log.info("starting %s", service.name)
        out = service.log_file.open("ab") if service.log_file else None
        try:
            service.process = subprocess.Popen(
                service.argv,
                cwd=PROJECT_ROOT,
                env={**os.environ, **service.env},
                stdout=out,
                stderr=subprocess.STDOUT if out else None,
                start_new_session=True,  # its own process group, so stop() reaches its children
            )
        except FileNotFoundError as exc:
            raise LaunchError(f"{service.name}: cannot run {service.argv[0]!r} ({exc})") from exc
        finally:
            if out:
                out.close()
        self.services.append(service)
        deadline = time.monotonic() + service.timeout
        while time.monotonic() < deadline:
            if service.process.poll() is not None:
                hint = f"; see {service.log_file}" if service.log_file else ""
                raise LaunchError(
                    f"{service.name} exited with status {service.process.returncode} "
                    f"before it was ready{hint}"
                )
            if service.ready():
                log.info("%s is ready", service.name)
                return
            time.sleep(0.25)
        raise LaunchError(f"{service.name} was not ready within {service.timeout:.0f} s")

    def watch(self) -> int:
        """Block until a signal arrives or a service dies; returns the exit status."""
        while not self._stopping:
            for service in self.services:
                assert service.process is not None
                if service.process.poll() is not None:
                    log.error(
                        "%s stopped unexpectedly (status %s); stopping the rest",
                        service.name,
                        service.process.returncode,
                    )
                    return 1
            time.sleep(0.5)
        return 0

    def request_stop(self, signum: int, _frame: object) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        self._stopping = True

    def stop_all(self) -> None:
        for service in reversed(self.services):
            process = service.process
            if process is None:
                continue
            log.info("stopping %s", service.name)
            if stop_group(process, grace=STOP_GRACE_SECONDS):
                log.warning("%s did not stop in %.0f s; killed", service.name, STOP_GRACE_SECONDS)
            if service.cleanup:
                service.cleanup()


def redis_service(settings: Settings) -> tuple[Service, str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise LaunchError(
            "REDIS_URL is not set and no redis-server is installed; "
            "install it (apt-get install redis-server) or point REDIS_URL at a Redis server"
        )
    port = free_port()
    data_dir = private_dir(settings.var_dir / "redis")
    url = f"redis://127.0.0.1:{port}/0"
    argv = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    argv += ["--dir", str(data_dir), "--protected-mode", "yes"]
    return Service(
        "redis", argv, redis_ready(url), timeout=15, log_file=data_dir / "redis.log"
    ), url


def metrics_dir(settings: Settings) -> Path:
    """PROMETHEUS_MULTIPROC_DIR for the web's server workers (observability/metrics.py): the
    one given, else var/metrics; emptied, since values left by an earlier run would add up."""
    given = os.environ.get(MULTIPROC_ENV, "")
    path = Path(given) if given else settings.var_dir / "metrics"
    private_dir(path)
    for stale in path.glob("*.db"):
        stale.unlink()
    return path


def web_service(settings: Settings, env: dict[str, str]) -> Service:
    env = {**env, MULTIPROC_ENV: str(metrics_dir(settings))}
    reflex = Path(sys.executable).with_name("reflex")
    port = str(settings.port)
    argv = [str(reflex), "run", "--env", "prod", "--frontend-port", port, "--backend-port", port]
    argv += ["--backend-host", settings.host, "--loglevel", "warning"]
    probe_host = "127.0.0.1" if settings.host in {"0.0.0.0", "::"} else settings.host
    base = f"http://{probe_host}:{settings.port}"
    ping, page = http_ok(f"{base}/ping"), http_ok(f"{base}/")
    # The first start builds the frontend with bun, which takes minutes on two cores.
    return Service("web", argv, lambda: ping() and page(), timeout=600, env=env)


def triton_service(settings: Settings) -> tuple[Service, str]:
    """tritonserver from the nvidia-pytriton wheel (its own venv), serving triton_models/."""
    from healthapp.inference import triton_server

    try:
        triton_server.load_install()
    except triton_server.TritonSetupError as exc:
        raise LaunchError(f"Triton is not set up ({exc}); `make run` does it") from exc
    grpc, http, metrics = free_port(), free_port(), free_port()
    # The ensemble and the models it chains, and the configured one when it is another.
    models = tuple(dict.fromkeys((*triton_server.DEFAULT_MODELS, settings.triton_model)))
    argv, env = triton_server.triton_command(
        triton_server.DEFAULT_MODEL_REPOSITORY, grpc, http, metrics, models=models
    )
    base = f"http://127.0.0.1:{http}/v2"
    server_ok = http_ok(f"{base}/health/ready")
    model_ok = http_ok(f"{base}/models/{settings.triton_model}/ready")
    log_dir = private_dir(settings.var_dir / "log")
    service = Service(
        "triton",
        argv,
        lambda: server_ok() and model_ok(),
        timeout=180,
        env=env,
        log_file=log_dir / "triton.log",
        cleanup=lambda: triton_server.cleanup_shm(grpc),
    )
    return service, f"127.0.0.1:{grpc}"


def worker_service(index: int, env: dict[str, str]) -> Service:
    port = free_port()
    argv = [sys.executable, "-m", "healthapp.worker"]
    argv += ["--consumer", f"worker-{index}-{os.getpid()}", "--health-port", str(port)]
    return Service(
        f"worker-{index}", argv, http_ok(f"http://127.0.0.1:{port}/healthz"), timeout=60, env=env
    )


def child_environment(settings: Settings, redis_url: str, triton_url: str) -> dict[str, str]:
    return {
        "PATH": f"{TOOLS_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": redis_url,
        "TRITON_URL": triton_url,
        # Children read the same key the launcher resolved (a development key lives in var/).
        "SECRET_KEY": settings.secret_key.get_secret_value(),
        "HEALTHAPP_ENV": settings.healthapp_env,
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        "REFLEX_DIR": str(PROJECT_ROOT / ".tools" / "reflex"),
        "GRANIAN_WORKERS": os.environ.get("GRANIAN_WORKERS", "1"),
    }


def run(settings: Settings) -> int:
    from healthapp.db import migrate

    supervisor = Supervisor()
    signal.signal(signal.SIGINT, supervisor.request_stop)
    signal.signal(signal.SIGTERM, supervisor.request_stop)
    try:
        private_dir(settings.var_dir)  # before anything writes under it
        ensure_port_free(settings.host, settings.port, "the web app")
        redis_url = settings.redis_url
        if redis_url:
            if not redis_ready(redis_url)():
                raise LaunchError(f"REDIS_URL={redact_url(redis_url)} does not answer PING")
        else:
            service, redis_url = redis_service(settings)
            supervisor.start(service)
        log.info("applying database migrations to %s", redact_url(settings.database_url))
        migrate(settings.database_url)
        triton_url = settings.triton_url
        if not triton_url and settings.workers:
            service, triton_url = triton_service(settings)
            supervisor.start(service)
        env = child_environment(settings, redis_url, triton_url)
        for index in range(settings.workers):
            supervisor.start(worker_service(index, env))
        supervisor.start(web_service(settings, env))
        host = "localhost" if settings.host in {"127.0.0.1", "0.0.0.0"} else settings.host
        print(f"\n  healthapp is running at http://{host}:{settings.port}/  (Ctrl-C stops it)\n")
        sys.stdout.flush()
        return supervisor.watch()
    except LaunchError as exc:
        log.error("%s", exc)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        supervisor.stop_all()
        log.info("stopped")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="healthapp", description=(__doc__ or "").partition("\n")[0]
    )
    parser.add_argument("--port", type=int, help="port of the web app (default: PORT or 3000)")
    args = parser.parse_args(argv)
    if args.port:
        os.environ["PORT"] = str(args.port)
    try:
        settings = get_settings()
    except ConfigError as exc:
        logs.configure(process="launcher")
        log.error("configuration error: %s", exc)
        return 2
    logs.configure(settings.log_level, settings.log_format, process="launcher")
    return run(settings)


if __name__ == "__main__":
    sys.exit(main())
