"""Container prestart: wait until the database answers, then apply the Alembic migrations.

    python deploy/docker/prestart.py              # wait (DB_WAIT_SECONDS, default 60), migrate
    python deploy/docker/prestart.py --wait-only  # wait, change nothing

The entrypoint of the web and worker images runs this before the server (RUN_PRESTART=0 skips
it). The migrations are the app's own (`healthapp.db.migrate`, the same call the launcher makes).
On PostgreSQL the upgrade runs under a session-level advisory lock, so several web replicas and
workers starting at once migrate one after the other: the first upgrades, the rest find the
schema at head and do nothing. The database URL is never printed with its password.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import sqlalchemy as sa

from healthapp.config import ConfigError, get_settings, redact_url
from healthapp.db import make_engine, migrate

# pg_advisory_lock key: any 64-bit number that nothing else on the server uses ("healthap").
MIGRATION_LOCK_KEY = 0x6865616C74686170


def wait_for_database(engine: sa.Engine, *, timeout_s: float, interval_s: float = 1.0) -> float:
    """Seconds until `SELECT 1` succeeded; raises TimeoutError with the last error after
    `timeout_s`."""
    started = time.monotonic()
    while True:
        try:
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
            return time.monotonic() - started
        except sa.exc.OperationalError as exc:
            if time.monotonic() - started >= timeout_s:
                reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
                raise TimeoutError(
                    f"database not reachable after {timeout_s:.0f} s: {reason}"
                ) from exc
            time.sleep(interval_s)


def migrate_locked(engine: sa.Engine, url: str) -> None:
    """Alembic upgrade to head; on PostgreSQL one prestart at a time (advisory lock)."""
    if engine.dialect.name != "postgresql":
        migrate(url)
        return
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        try:
            migrate(url)
        finally:
            connection.execute(
                sa.text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
            connection.commit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="prestart", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--wait-only", action="store_true", help="wait for the database only")
    parser.add_argument(
        "--timeout",
        type=float,
        default=float(os.environ.get("DB_WAIT_SECONDS", "60")),
        help="seconds to wait for the database (DB_WAIT_SECONDS)",
    )
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
    except ConfigError as exc:
        print(f"prestart: configuration error: {exc}", file=sys.stderr)
        return 2
    url = settings.database_url
    engine = make_engine(url)
    try:
        waited = wait_for_database(engine, timeout_s=args.timeout)
        print(f"prestart: database {redact_url(url)} answered after {waited:.1f} s", flush=True)
        if not args.wait_only:
            started = time.monotonic()
            migrate_locked(engine, url)
            print(f"prestart: migrations at head ({time.monotonic() - started:.1f} s)", flush=True)
    except TimeoutError as exc:
        print(f"prestart: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
