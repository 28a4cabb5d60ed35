"""One typed settings object, read from the environment and an optional `.env` file."""

from __future__ import annotations

import ipaddress
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import Field, SecretStr, field_validator, model_validator
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
    # Failures of one account from one client; the total across clients is much higher so
    # that a stranger cannot lock the owner out.
    login_max_failures_account: int = Field(default=5, ge=1)
    login_max_failures_account_total: int = Field(default=100, ge=1)
    login_max_failures_client: int = Field(default=20, ge=1)
    login_window_seconds: int = Field(default=15 * 60, ge=1)
    signup_max_per_client: int = Field(default=10, ge=1)
    signup_window_seconds: int = Field(default=60 * 60, ge=1)
    # Comma-separated proxy IPs/CIDRs whose X-Forwarded-For is believed; empty: the socket's
    # peer is the client (anyone can write that header).
    trusted_proxies: str = ""

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
    # Every other request body (JSON, forms): parsed in memory, so kept small.
    request_max_bytes: int = Field(default=2 * 1024 * 1024, ge=64 * 1024)
    photo_uploads_per_minute: int = Field(default=10, ge=1)
    photo_uploads_per_day: int = Field(default=100, ge=1)
    # Every file sent, refused ones included, counted before decoding: refusals cost a client
    # this budget, so it cannot make the server decode large photos in a loop for free.
    photo_attempts_per_minute: int = Field(default=30, ge=1)
    photo_attempts_per_day: int = Field(default=300, ge=1)
    # Empty: the launcher starts tritonserver from the nvidia-pytriton wheel on a free port.
    triton_url: str = ""
    triton_model: str = "food_recognizer"
    triton_timeout_seconds: float = Field(default=10.0, gt=0)
    workers: int = Field(default=1, ge=0, le=16)
    # "Top n%" is shown only when at least this many users are compared (privacy and meaning).
    rank_min_cohort: int = Field(default=20, ge=2)
    # REST API (/api/v1): access JWTs live minutes, refresh tokens rotate on every use.
    # JWT_KEYS: "kid:secret,kid:secret" (each secret 32+ characters); the first signs, all
    # verify, so a key can rotate. Empty: one key derived from SECRET_KEY.
    jwt_keys: SecretStr = SecretStr("")
    api_access_ttl_minutes: int = Field(default=15, ge=1, le=24 * 60)
    api_refresh_ttl_days: int = Field(default=30, ge=1, le=365)
    # Requests per token (a log-in's token family, or a personal access token) per minute.
    api_requests_per_minute: int = Field(default=120, ge=1)
    job_max_attempts: int = Field(default=5, ge=1)
    job_reclaim_idle_seconds: float = Field(default=30.0, gt=0)
    photo_read_timeout_seconds: float = Field(default=30.0, gt=0)
    # Logs of every process (web, worker, launcher) on stderr: "text" for a terminal, "json"
    # (one object a line, with request / event / job ids) for a log shipper in production.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_case(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _format_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _defaults_and_production_rules(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.var_dir.resolve() / 'healthapp.db'}"
        if self.photo_dir is None:
            self.photo_dir = self.var_dir.resolve() / "photos"
        self.trusted_proxy_networks  # noqa: B018  # refuse a bad list at start, not at log-in
        needed = self.upload_max_files * self.photo_max_bytes + UPLOAD_OVERHEAD_BYTES
        if self.upload_max_bytes < needed:  # else a meal the picker allows is refused with 413
            raise ConfigError(
                f"UPLOAD_MAX_BYTES={self.upload_max_bytes} is below UPLOAD_MAX_FILES x "
                f"PHOTO_MAX_BYTES plus {UPLOAD_OVERHEAD_BYTES} bytes of form overhead ({needed})."
            )
        for entry in filter(None, (e.strip() for e in self.jwt_keys.get_secret_value().split(","))):
            kid, sep, secret = entry.partition(":")
            if not sep or not kid or len(secret) < 32:  # refused at start, not on a request
                raise ConfigError("JWT_KEYS: each entry is kid:secret, the secret 32+ characters.")
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

    @property
    def trusted_proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        networks = []
        for item in (part.strip() for part in self.trusted_proxies.split(",")):
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError as exc:
                raise ConfigError(
                    f"TRUSTED_PROXIES: {item!r} is not an IP address or CIDR network."
                ) from exc
        return tuple(networks)


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


def private_dir(path: Path) -> Path:
    """`path` as a directory only its owner can enter (0700), created when missing and
    tightened when it exists: var/ holds the database, photos, the secret key and logs."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


def development_secret_key(var_dir: Path) -> str:
    """A random key kept under var/ so development sessions survive a restart."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    private_dir(var_dir)
    key = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(key)
    return key


# Query parameters that carry a credential (redis-py reads ?password=, libpq ?password= and
# ?sslpassword=); matched as substrings of the lower-cased name.
_SECRET_PARAMS = ("pass", "secret", "token", "key", "auth")
REDACTED = "***"


def redact_url(url: str) -> str:
    """`url` fit for a log line or an error message: the password of its user part and every
    credential-like query value replaced by ***. The one helper every log of a DATABASE_URL,
    REDIS_URL or other service URL goes through."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced [ in the host: show nothing of it
        return "<unparsable URL>"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user, has_password, _ = userinfo.partition(":")
        netloc = f"{user}:{REDACTED}@{host}" if has_password else f"{userinfo}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, REDACTED if any(s in k.lower() for s in _SECRET_PARAMS) else v) for k, v in pairs],
            safe="*",
        )
    if (netloc, query) == (parts.netloc, parts.query):
        return url  # nothing to hide; urlunsplit would also turn sqlite:////x into sqlite://x
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    settings = Settings()
    if not settings.secret_key.get_secret_value():
        settings.secret_key = SecretStr(development_secret_key(settings.var_dir))
    return settings
