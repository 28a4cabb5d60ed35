"""deploy/k8s: each kustomization rendered by `kubectl kustomize` and validated offline by
kubernetes-validate against Kubernetes' own schemas (strict: unknown fields fail). KEDA's
ScaledObject is a CRD those schemas do not know; it is checked against a schema of the fields
used (tests/deploy/schemas) and against the app's stream and the worker Deployment."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from healthapp.job_queue import STREAM
from tests.deploy.conftest import (
    DEPLOY,
    K8S_TARGETS,
    K8S_VERSION,
    failed,
    find,
    kustomize,
    manifests,
    run,
    tool,
)

SCHEMAS = Path(__file__).parent / "schemas"
# Kinds kubernetes-validate cannot know (CustomResourceDefinitions installed with their operator).
CRDS = {("keda.sh/v1alpha1", "ScaledObject")}
DEPLOYMENTS = ("healthapp-web", "healthapp-worker", "healthapp-triton")
APP_UID = 10001


def pod_spec(docs: list[dict], name: str) -> dict:
    return find(docs, "Deployment", name)["spec"]["template"]["spec"]


def env_names(container: dict, docs: list[dict]) -> set[str]:
    names = {item["name"] for item in container.get("env", [])}
    for source in container.get("envFrom", []):
        config = find(docs, "ConfigMap", source["configMapRef"]["name"])
        names |= set(config["data"])
    return names


@pytest.mark.parametrize("target", K8S_TARGETS)
def test_kubernetes_validate(target: str, tmp_path: Path) -> None:
    rendered = tmp_path / "rendered.yaml"
    rendered.write_text(kustomize(target))
    result = run([tool("kubernetes-validate"), "-k", K8S_VERSION, "--strict", str(rendered)])
    assert result.returncode == 0, failed(result)
    missing = set(
        re.findall(r"Couldn't find schema for kind (\S+) with api version (\S+)", result.stdout)
    )
    assert {(api, kind) for kind, api in missing} == CRDS, result.stdout
    passed = result.stdout.count(" passed for resource ")
    assert passed == len(manifests(target)) - len(CRDS)


@pytest.mark.parametrize("target", K8S_TARGETS)
def test_scaledobject_schema(target: str, tmp_path: Path) -> None:
    scaled = [d for d in manifests(target) if d["kind"] == "ScaledObject"]
    assert len(scaled) == 1
    document = tmp_path / "scaledobject.json"
    document.write_text(json.dumps(scaled[0]))
    result = run(
        [
            tool("check-jsonschema"),
            "--schemafile",
            str(SCHEMAS / "keda-scaledobject.schema.json"),
            str(document),
        ]
    )
    assert result.returncode == 0, failed(result)


def test_schema_refuses_a_broken_scaledobject(tmp_path: Path) -> None:
    """The schema is not a rubber stamp: an unquoted number and an unknown key fail it."""
    broken = next(d for d in manifests("base") if d["kind"] == "ScaledObject")
    broken["spec"]["triggers"][0]["metadata"]["streamLength"] = 8
    broken["spec"]["triggers"][0]["metadata"]["streamLenght"] = "8"
    document = tmp_path / "broken.json"
    document.write_text(json.dumps(broken))
    result = run(
        [
            tool("check-jsonschema"),
            "--schemafile",
            str(SCHEMAS / "keda-scaledobject.schema.json"),
            str(document),
        ]
    )
    assert result.returncode == 1, failed(result)


def test_workers_scale_on_the_apps_job_stream() -> None:
    docs = manifests("base")
    scaled = find(docs, "ScaledObject", "healthapp-worker")
    target = scaled["spec"]["scaleTargetRef"]["name"]
    worker = pod_spec(docs, target)["containers"][0]
    trigger = scaled["spec"]["triggers"][0]
    assert trigger["type"] == "redis-streams"
    metadata = trigger["metadata"]
    prefix = find(docs, "ConfigMap", "healthapp-config")["data"]["REDIS_PREFIX"]
    assert metadata["stream"] == f"{prefix}{STREAM}"
    # streamLength, not the group's lag: acked entries are deleted (see keda.yaml).
    assert "streamLength" in metadata
    assert "consumerGroup" not in metadata
    # The ...FromEnv names must exist in the worker container (KEDA reads them from there).
    names = env_names(worker, docs)
    for key in ("addressFromEnv", "passwordFromEnv"):
        assert metadata[key] in names, f"{metadata[key]} is not in the worker's environment"
    assert "replicas" not in find(docs, "Deployment", target)["spec"]  # KEDA owns the count
    assert scaled["spec"]["minReplicaCount"] >= 1  # the sweeper and rank refresh keep running


@pytest.mark.parametrize("target", K8S_TARGETS)
def test_pods_are_locked_down_and_probed(target: str) -> None:
    docs = manifests(target)
    for name in DEPLOYMENTS:
        spec = pod_spec(docs, name)
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] == APP_UID  # USER in deploy/Dockerfile.*
        assert spec["automountServiceAccountToken"] is False
        for container in spec.get("initContainers", []) + spec["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            assert context["readOnlyRootFilesystem"] is True, name
            resources = container["resources"]
            assert resources["requests"]["cpu"], name
            assert resources["requests"]["memory"], name
            assert resources["limits"]["memory"], name
        for container in spec["containers"]:
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                assert probe in container, f"{name}/{container['name']} has no {probe}"


@pytest.mark.parametrize("target", K8S_TARGETS)
def test_secrets_are_referenced_never_shipped(target: str) -> None:
    docs = manifests(target)
    assert [d for d in docs if d["kind"] == "Secret"] == []
    for name in DEPLOYMENTS:
        for container in pod_spec(docs, name)["containers"]:
            for item in container.get("env", []):
                ref = item.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] == "healthapp-secrets", item
            for source in container.get("envFrom", []):
                assert "secretRef" not in source


@pytest.mark.parametrize("target", K8S_TARGETS)
def test_every_deployment_has_a_disruption_budget(target: str) -> None:
    docs = manifests(target)
    budgets = [
        d["spec"]["selector"]["matchLabels"] for d in docs if d["kind"] == "PodDisruptionBudget"
    ]
    for name in DEPLOYMENTS:
        labels = find(docs, "Deployment", name)["spec"]["template"]["metadata"]["labels"]
        assert any(b.items() <= labels.items() for b in budgets), f"{name} has no PDB"


def test_web_runs_several_replicas_with_state_in_redis() -> None:
    docs = manifests("base")
    web = find(docs, "Deployment", "healthapp-web")
    assert web["spec"]["replicas"] >= 2
    container = web["spec"]["template"]["spec"]["containers"][0]
    assert "REFLEX_REDIS_URL" in env_names(container, docs)
    assert int(find(docs, "ConfigMap", "healthapp-config")["data"]["GRANIAN_WORKERS"]) >= 2
    assert container["ports"] == [{"name": "http", "containerPort": 8000}]
    # The init container migrates (with the advisory lock); the main container does not again.
    init = web["spec"]["template"]["spec"]["initContainers"][0]
    assert "prestart.py" in " ".join(init["command"])
    assert {"name": "RUN_PRESTART", "value": "0"} in container["env"]


def test_metrics_are_not_routed_to_the_internet() -> None:
    docs = manifests("base")
    ingress = find(docs, "Ingress", "healthapp")
    paths = ingress["spec"]["rules"][0]["http"]["paths"]
    metrics = [p for p in paths if p["path"] == "/metrics"]
    assert metrics
    assert metrics[0]["backend"]["service"]["name"] != "web"
    blackhole = find(docs, "Service", metrics[0]["backend"]["service"]["name"])
    labels = blackhole["spec"]["selector"]
    assert not any(
        labels.items() <= d["spec"]["template"]["metadata"]["labels"].items()
        for d in docs
        if d["kind"] == "Deployment"
    ), "the /metrics service must select no pods"


def test_gpu_overlay_puts_tensorrt_triton_on_a_gpu_node() -> None:
    docs = manifests("overlays/gpu")
    spec = pod_spec(docs, "healthapp-triton")
    container = spec["containers"][0]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert {"name": "TRITON_VARIANT", "value": "gpu"} in container["env"]
    assert spec["nodeSelector"]
    assert spec["tolerations"]
    model = find(docs, "ConfigMap", "healthapp-config")["data"]["TRITON_MODEL"]
    config = (DEPLOY / "triton" / "models" / "food_classifier_trt.pbtxt").read_text()
    assert f'name: "{model}"' in config
    base = pod_spec(manifests("base"), "healthapp-triton")["containers"][0]
    assert {"name": "TRITON_VARIANT", "value": "cpu"} in base["env"]
    assert "nvidia.com/gpu" not in base["resources"]["limits"]


def test_kustomizations_parse_as_yaml() -> None:
    for path in sorted((DEPLOY / "k8s").rglob("*.yaml")):
        list(yaml.safe_load_all(path.read_text()))
