""".github/workflows/ci.yml: the GitHub workflow schema (vendored in check-jsonschema, offline),
actions pinned by commit, a read-only token, PostgreSQL and Redis service containers with the
environment the tests read, `make test` through .ci/run, and every image built without a push.
(It has not run on GitHub from here: no access.)"""

from __future__ import annotations

import re

import pytest
import yaml

from tests.deploy.conftest import DOCKERFILES, ROOT, WORKFLOW, failed, run, tool


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def test_github_workflow_schema() -> None:
    result = run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)]
    )
    assert result.returncode == 0, failed(result)


def test_actions_are_pinned_by_commit_with_their_version() -> None:
    uses = re.findall(r"uses:\s*(\S+)(.*)", WORKFLOW.read_text())
    assert uses
    for action, comment in uses:
        name, _, ref = action.partition("@")
        if name.startswith("./"):
            continue
        assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{name} is pinned to {ref!r}, not a commit"
        assert re.search(r"#\s*v\d+\.\d+\.\d+", comment), f"{name}: say which version the SHA is"


def test_token_is_read_only(workflow: dict) -> None:
    assert workflow["permissions"] == {"contents": "read"}
    for name, job in workflow["jobs"].items():
        for scope, level in job.get("permissions", {}).items():
            assert level in ("read", "none"), f"{name} grants {scope}: {level}"
    for step in (s for job in workflow["jobs"].values() for s in job["steps"]):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False


def test_tests_run_against_postgres_and_redis_services(workflow: dict) -> None:
    job = workflow["jobs"]["test"]
    assert {"postgres", "redis"} <= set(job["services"])
    env = job["env"]
    # The names the test suite reads (tests/conftest.py, tests/integration/conftest.py).
    conftests = (ROOT / "tests/conftest.py").read_text() + (
        ROOT / "tests/integration/conftest.py"
    ).read_text()
    for name in ("TEST_POSTGRES_URL", "TEST_REDIS_URL"):
        assert f'"{name}"' in conftests, f"the tests no longer read {name}"
    assert "@postgres:5432/" in env["TEST_POSTGRES_URL"]  # the service, from the job container
    assert env["TEST_REDIS_URL"].startswith("redis://redis:6379/")
    commands = " ".join(step.get("run", "") for step in job["steps"])
    assert "bash .ci/run" in commands
    assert "make test" in (ROOT / ".ci/run").read_text()
    lint = " ".join(step.get("run", "") for step in workflow["jobs"]["lint"]["steps"])
    assert "make lint" in lint


def test_every_image_is_built_without_a_push(workflow: dict) -> None:
    job = workflow["jobs"]["images"]
    assert set(job["strategy"]["matrix"]["image"]) == set(DOCKERFILES)
    build = next(
        s for s in job["steps"] if s.get("uses", "").startswith("docker/build-push-action@")
    )
    assert build["with"]["push"] is False
    assert build["with"]["file"] == "deploy/Dockerfile.${{ matrix.image }}"
    assert build["with"]["context"] == "."
