"""The database side of "save a glucose reading", in process: hot (back to back) and cold.

    python -m bench.save_path                     # 1000 saves back to back, 200 with pauses
    python -m bench.save_path --saves 300 --pause-ms 100

It runs the unit of work the glucose page's submit runs (services/auth/sessions.run_as_session:
the session lookup, then create_record and the page's list_records in one transaction, the rank
mark in Redis after the commit) against a temporary SQLite database migrated to head and a
private redis-server, and reports the thread CPU and the SQL statements per save. Once with
the saves back to back, once with `--pause-ms` between them, as a web process sees them: one
person's save every now and then. The gap between the two is what the CPU caches cost when the
code runs cold; on a shared 2-core VM it was the larger part of a save (bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench import common


def unit_of_work(hashed: str) -> Callable[[int], Any]:
    """One save as RecordsState.submit runs it (imported late: the settings come from the
    environment this script sets)."""
    from healthapp.services import preferences, records
    from healthapp.services.auth import sessions

    def save(index: int) -> Any:
        taken = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
        form = {"measured_at": taken.strftime("%Y-%m-%dT%H:%M"), "value": str(80 + index % 100),
                "timing": "fasting", "note": ""}  # fmt: skip

        def work(db: Any, user_id: int) -> Any:
            prefs = preferences.get_preferences(db, user_id=user_id)
            records.create_record(db, user_id=user_id, kind="glucose", form=form, prefs=prefs)
            prefs = preferences.get_preferences(db, user_id=user_id)
            return records.list_records(db, user_id=user_id, kind="glucose", prefs=prefs)

        return sessions.run_as_session(hashed, work)

    return save


def signed_in_user() -> str:
    """A new user with a live session; the session token's hash."""
    from healthapp import db as hdb
    from healthapp.config import get_settings
    from healthapp.services.auth import accounts, sessions

    password = secrets.token_urlsafe(18)
    key = get_settings().secret_key.get_secret_value()
    with hdb.session_scope() as db:
        user = accounts.sign_up(db, login="benchsave", password=password,
                                password_confirm=password, language="en", min_length=10,
                                throttle=None, client_ip="")  # fmt: skip
        assert user.id is not None
        token = sessions.create_session(db, user_id=user.id, secret_key=key,
                                        ttl=dt.timedelta(hours=1))  # fmt: skip
    return sessions.token_hash(token, key)


def measure(save: Callable[[int], Any], saves: int, pause_s: float) -> tuple[float, float]:
    """(thread CPU ms per save, SQL statements per save)."""
    from sqlalchemy import event

    from healthapp import db as hdb

    statements = [0]

    def count(*_args: Any) -> None:
        statements[0] += 1

    event.listen(hdb.get_engine(), "before_cursor_execute", count)
    cpu = 0.0
    try:
        for index in range(saves):
            if pause_s:
                time.sleep(pause_s)
            started = time.thread_time()
            save(index)
            cpu += time.thread_time() - started
    finally:
        event.remove(hdb.get_engine(), "before_cursor_execute", count)
    return cpu * 1000 / saves, statements[0] / saves


HEADERS = ("saves", "pause between saves ms", "thread CPU ms/save", "SQL statements/save")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.save_path", description=__doc__)
    parser.add_argument("--saves", type=int, default=1000, help="back-to-back saves")
    parser.add_argument("--cold-saves", type=int, default=200, help="saves with pauses")
    parser.add_argument("--pause-ms", type=float, default=50.0, help="pause before a cold save")
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    machine = common.machine_info()
    with tempfile.TemporaryDirectory(prefix="bench-save-") as tmp_name, common.Stack() as stack:
        tmp = Path(tmp_name)
        port = common.free_port()
        redis = stack.add(
            common.start_group("redis", common.redis_server_argv(port, tmp / "redis"))
        )
        url = f"redis://127.0.0.1:{port}/0"
        common.wait_for(lambda: common.redis_ping(url), timeout=15, what="redis", group=redis)
        os.environ.update(DATABASE_URL=f"sqlite:///{tmp / 'healthapp.db'}", REDIS_URL=url,
                          REDIS_PREFIX="bench-save:", VAR_DIR=str(tmp),
                          SECRET_KEY=secrets.token_urlsafe(48))  # fmt: skip
        from healthapp import db as hdb

        hdb.migrate()
        save = unit_of_work(signed_in_user())
        measure(save, 50, 0)  # warm up: imports, statement caches, the first pages
        rows = [
            [args.saves, 0, *measure(save, args.saves, 0)],
            [args.cold_saves, args.pause_ms, *measure(save, args.cold_saves, args.pause_ms / 1000)],
        ]
    body = "\n".join(
        ["### Save path in process: hot and cold", "", common.table(HEADERS, rows), ""]
    )
    common.print_flush("\n" + body)
    if not args.no_record:
        common.append_results(
            "Save path in process",
            settings={"db": "SQLite (temp, migrated)", "redis": "private redis-server"},
            body=body,
            machine_start=machine,
            version_info=common.versions(),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
