from pathlib import Path

import pytest

from healthapp.config import (
    ConfigError,
    Settings,
    development_secret_key,
    private_dir,
    redact_url,
    secret_key_problem,
)

STRONG = "Zq3vP9-kL2mX8wR4tY6uI1oE5aS7dF0gH_jK3lN"


def make(**env: str) -> Settings:
    return Settings(_env_file=None, **env)  # type: ignore[call-arg]


def test_defaults_are_embedded(tmp_path: Path) -> None:
    settings = make(var_dir=str(tmp_path))
    assert settings.healthapp_env == "development"
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'healthapp.db'}"
    assert settings.redis_url == ""
    assert settings.port == 3000


def test_environment_variables_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@db/h")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/1")
    monkeypatch.setenv("PORT", "8123")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_url == "postgresql+psycopg://u@db/h"
    assert settings.redis_url == "redis://cache:6379/1"
    assert settings.port == 8123


def test_dotenv_file_is_read_and_empty_values_mean_default(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DATABASE_URL=\nREDIS_URL=redis://x:1/0\nSESSION_TTL_HOURS=5\n")
    settings = Settings(_env_file=env_file, var_dir=tmp_path)  # type: ignore[call-arg]
    assert settings.redis_url == "redis://x:1/0"
    assert settings.session_ttl_hours == 5
    assert settings.database_url.startswith("sqlite:///")


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("", "is not set"),
        ("short", "shorter than 32"),
        ("a" * 40, "distinct characters"),
        ("changeme-" + STRONG, "placeholder"),
    ],
)
def test_production_refuses_weak_secret_key(key: str, reason: str) -> None:
    with pytest.raises(ConfigError, match=reason):
        make(healthapp_env="production", secret_key=key)


def test_production_accepts_strong_key() -> None:
    settings = make(healthapp_env="production", secret_key=STRONG)
    assert settings.is_production
    assert secret_key_problem(STRONG) is None


def test_development_key_is_generated_once_and_private(tmp_path: Path) -> None:
    first = development_secret_key(tmp_path)
    assert secret_key_problem(first) is None
    assert development_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_an_upload_limit_below_a_full_meal_of_photos_is_refused() -> None:
    with pytest.raises(ConfigError, match="UPLOAD_MAX_BYTES=1000000 is below"):
        make(upload_max_bytes="1000000")
    assert make(upload_max_files="1", photo_max_bytes="900000").upload_max_bytes > 0


def test_invalid_port_is_rejected() -> None:
    with pytest.raises(ValueError, match="port"):
        make(port="70000")


def test_env_example_documents_every_setting() -> None:
    text = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    documented = {line.split("=", 1)[0].lstrip("# ") for line in text.splitlines() if "=" in line}
    missing = [name.upper() for name in Settings.model_fields if name.upper() not in documented]
    assert not missing, f".env.example lacks {missing}"


def test_trusted_proxies_are_parsed_and_a_bad_one_refused() -> None:
    assert make().trusted_proxy_networks == ()
    networks = make(trusted_proxies=" 127.0.0.1, 10.0.0.0/8 ,::1,").trusted_proxy_networks
    assert [str(network) for network in networks] == ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES: 'proxy.local'"):
        make(trusted_proxies="10.0.0.1,proxy.local")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:hunter2@cache:6379/0", "redis://:***@cache:6379/0"),
        ("rediss://app:hunter2@cache:6380/1", "rediss://app:***@cache:6380/1"),
        ("postgresql+psycopg://app:p%40ss@db:5432/health", "postgresql+psycopg://app:***@db:5432/health"),
        ("redis://cache:6379/0?password=hunter2&db=2", "redis://cache:6379/0?password=***&db=2"),
        ("postgresql://db/health?sslpassword=hunter2&sslmode=require",
         "postgresql://db/health?sslpassword=***&sslmode=require"),
        ("redis://app@cache:6379", "redis://app@cache:6379"),
        ("sqlite:////srv/var/healthapp.db", "sqlite:////srv/var/healthapp.db"),
        ("127.0.0.1:8001", "127.0.0.1:8001"),
        ("http://[::1", "<unparsable URL>"),
    ],
)  # fmt: skip
def test_redact_url_hides_every_credential(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_var_dir_is_private_whether_new_or_left_open(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    development_secret_key(fresh)
    assert fresh.stat().st_mode & 0o777 == 0o700
    opened = tmp_path / "opened"
    opened.mkdir(mode=0o755)
    opened.chmod(0o755)
    assert private_dir(opened) == opened
    assert opened.stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize("keys", ["k1", "k1:short", ":" + "x" * 40, "good:" + "g" * 40 + ",bad"])
def test_malformed_jwt_keys_stop_start_up(keys: str) -> None:
    with pytest.raises(ConfigError, match="JWT_KEYS"):
        make(jwt_keys=keys)
    assert make(jwt_keys="new:" + "n" * 40 + ", old:" + "o" * 32).jwt_keys


def test_log_level_and_format_take_any_case_and_refuse_others() -> None:
    settings = make(log_level="debug", log_format="JSON")
    assert (settings.log_level, settings.log_format) == ("DEBUG", "json")
    assert (make().log_level, make().log_format) == ("INFO", "text")
    with pytest.raises(ValueError, match="log_level"):
        make(log_level="chatty")
    with pytest.raises(ValueError, match="log_format"):
        make(log_format="xml")
