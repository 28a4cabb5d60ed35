"""One typed settings object, read from the environment and an optional `.env` file."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"

# Anything shorter than this cannot carry the 256 bits an HMAC key deserves.
MIN_SECRET_KEY_LENGTH = 32
# Multipart headers and boundaries around the files of one upload request.
UPLOAD_OVERHEAD_BYTES = 64 * 1024


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says which variable and why."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        case_sensitive=False,
    )

    healthapp_env: Literal["development", "production"] = "development"
    # Empty means the embedded default: a SQLite file under var_dir.
    database_url: str = ""
    # Empty means "no Redis given": the launcher then starts a private redis-server.
    redis_url: str = ""
    redis_prefix: str = "healthapp:"
    secret_key: SecretStr = SecretStr("")

    host: str = "127.0.0.1"
    port: int = Field(default=3000, ge=1, le=65535)
    var_dir: Path = VAR_DIR

    session_ttl_hours: int = Field(default=24 * 14, ge=1)
    password_min_length: int = Field(default=10, ge=8, le=128)
    login_max_failures_account: int = Field(default=5, ge=1)
    login_max_failures_client: int = Field(default=20, ge=1)
    login_window_seconds: int = Field(default=15 * 60, ge=1)

    # Meal photos (intake limits, storage) and their analysis.
    photo_dir: Path | None = None  # default: <var_dir>/photos, outside Reflex's public uploads
    photo_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    # Above ~89 MP Pillow's own decompression-bomb guard fires first.
    photo_max_pixels: int = Field(default=40_000_000, ge=10_000, le=89_000_000)
    # Empty: photos under photo_dir. s3://bucket/prefix: an S3-compatible bucket (extra "s3").
    photo_storage_url: str = ""
    photo_s3_endpoint_url: str = ""  # empty: boto3's default (AWS, or AWS_ENDPOINT_URL_S3)
    # Every upload request (photos, a CSV import): the whole body, refused while it streams in,
    # and how many files one request may carry. The body limit must leave room for
    # upload_max_files photos of photo_max_bytes each.
    upload_max_bytes: int = Field(default=64 * 1024 * 1024, ge=64 * 1024)
    upload_max_files: int = Field(default=6, ge=1, le=50)
    photo_uploads_per_minute: int = Field(default=10, ge=1)
    photo_uploads_per_day: int = Field(default=100, ge=1)
    # Empty: the launcher starts tritonserver from the nvidia-pytriton wheel on a free port.
    triton_url: str = ""
    triton_model: str = "food_classifier"
    triton_timeout_seconds: float = Field(default=10.0, gt=0)
    workers: int = Field(default=1, ge=0, le=16)
    # "Top n%" is shown only when at least this many users are compared (privacy and meaning).
    rank_min_cohort: int = Field(default=20, ge=2)
    job_max_attempts: int = Field(default=5, ge=1)
    job_reclaim_idle_seconds: float = Field(default=30.0, gt=0)

    @model_validator(mode="after")
    def _defaults_and_production_rules(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.var_dir.resolve() / 'healthapp.db'}"
        if self.photo_dir is None:
            self.photo_dir = self.var_dir.resolve() / "photos"
        needed = self.upload_max_files * self.photo_max_bytes + UPLOAD_OVERHEAD_BYTES
        if self.upload_max_bytes < needed:  # else a meal the picker allows is refused with 413
            raise ConfigError(
                f"UPLOAD_MAX_BYTES={self.upload_max_bytes} is below UPLOAD_MAX_FILES x "
                f"PHOTO_MAX_BYTES plus {UPLOAD_OVERHEAD_BYTES} bytes of form overhead ({needed})."
            )
        if self.healthapp_env == "production":
            problem = secret_key_problem(self.secret_key.get_secret_value())
            if problem:
                raise ConfigError(
                    f"SECRET_KEY {problem}; HEALTHAPP_ENV=production refuses to start."
                )
        return self

    @property
    def is_production(self) -> bool:
        return self.healthapp_env == "production"


def secret_key_problem(key: str) -> str | None:
    """Why a secret key is unfit for production, or None when it is fine."""
    if not key:
        return "is not set"
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"is shorter than {MIN_SECRET_KEY_LENGTH} characters"
    if len(set(key)) < 8:
        return "repeats too few distinct characters to be random"
    if key.lower().startswith(("change", "secret", "default", "example")):
        return "looks like a placeholder value"
    return None


def development_secret_key(var_dir: Path) -> str:
    """A random key kept under var/ so development sessions survive a restart."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(key)
    return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    settings = Settings()
    if not settings.secret_key.get_secret_value():
        settings.secret_key = SecretStr(development_secret_key(settings.var_dir))
    return settings
