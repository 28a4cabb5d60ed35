"""The demo command line: python -m healthapp.cli.demo."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlmodel import Session, select

from healthapp.cli import demo
from healthapp.db import make_engine
from healthapp.models import User
from healthapp.services.auth import passwords


def test_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    password = "tangerine violin 42"
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    assert demo.main(["--users", "2", "--days", "3", "--database-url", url]) == 2
    assert "DEMO_PASSWORD" in capsys.readouterr().err
    monkeypatch.setenv("DEMO_PASSWORD", password)
    assert demo.main(["--users", "2", "--days", "3", "--seed", "9", "--database-url", url]) == 0
    out = capsys.readouterr().out
    assert "created 2 demo users" in out
    assert "demo9-0001\tt2_controlled" in out
    engine = make_engine(url)
    with Session(engine) as db:
        stored = db.exec(select(User.password_hash).where(User.login == "demo9-0002")).one()
    engine.dispose()
    assert passwords.verify_password(password, stored)
    assert demo.main(["--users", "2", "--seed", "9", "--database-url", url]) == 2  # taken
    assert demo.main(["--rank-population", "--users", "3", "--database-url", url]) == 0

    production = SimpleNamespace(is_production=True, password_min_length=10, database_url=url)
    monkeypatch.setattr("healthapp.config.get_settings", lambda: production)
    assert demo.main(["--users", "1", "--database-url", url]) == 2
    assert "production" in capsys.readouterr().err


def test_runs_as_a_module() -> None:
    root = Path(__file__).resolve().parents[4]
    done = subprocess.run(
        [sys.executable, "-m", "healthapp.cli.demo", "--help"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: python -m healthapp.cli.demo")
