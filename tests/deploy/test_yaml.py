"""yamllint over every YAML file in deploy/ and .github/ (deploy/.yamllint.yaml)."""

from __future__ import annotations

from tests.deploy.conftest import DEPLOY, ROOT, failed, run, tool


def test_yamllint() -> None:
    result = run(
        [
            tool("yamllint"),
            "--strict",
            "-c",
            str(DEPLOY / ".yamllint.yaml"),
            str(DEPLOY),
            str(ROOT / ".github"),
        ]
    )
    assert result.returncode == 0, failed(result)
