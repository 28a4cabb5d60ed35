"""Reports and "top n%" rank benchmark (issue 6, item 4), on SQLite and PostgreSQL.

    python -m bench.reports_rank             # reports: 1 y / 10 y; ranks: 1K / 100K / 1M users
    python -m bench.reports_rank --quick     # smoke run: 30 d / 1 y, 1K / 20K users, few calls
    python -m bench.reports_rank --databases sqlite --sizes 1000,100000 --no-record

Every data set gets a database of its own, created for it and dropped afterwards: a temporary
SQLite file, or a uniquely named PostgreSQL database on the server of `--postgres-url` (default
TEST_POSTGRES_URL, else postgresql+psycopg://postgres@127.0.0.1:5432/postgres), built by the
real migrations, then ANALYZEd (PostgreSQL: VACUUM ANALYZE, so index-only scans are possible).

Reports: one demo user (healthapp.cli.demo.generate_demo: glucose, blood pressure, meals
with items, exercise, HbA1c) with 1 and 10 years of data; services.reports daily_report and
weekly_report for random days / weeks of those years, each call in a new Session, as a request
would run it.

Ranks: ranking.user_ranks (the dashboard's three badges: the user's row, three histogram sums)
for random users counted in every metric, each call in a new Session; and, for one metric, the
histogram query (ranking.cohort_counts) next to the two COUNTs over the cohort's index range
that ranks used before the histogram ("COUNT (old)"), measured side by side in the same run.
Populations: up to `--demo-max` users (default 10,000) from the demo generator's rank mode
(demo.generate_rank_population: the glucose and exercise rows the metrics read) followed by
ranking.refresh_all_metrics, which fills rank_metric and the histogram through the service;
larger ones, which the generator cannot make within minutes (about 1.2 ms per user on SQLite,
plus the refresh), as the minimal rows the rank reads: app_user rows and three rank_metric
rows per user, inserted by SQL (generate_series on PostgreSQL, a recursive CTE on SQLite) with
spread pseudo-random values (exercise 0-1500 minutes, consistency 1-30 days, time in range
0.0-100.0 %), then ranking.rebuild_histogram. The histogram is checked against GROUP BY over
rank_metric before timing.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, col, func, select

from bench import common
from healthapp.cli import demo
from healthapp.db import UTCDateTime, make_engine, migrate
from healthapp.models import RankMetric
from healthapp.models.ranking import RankHistogram
from healthapp.services import preferences, ranking, reports
from healthapp.services.ranking import Metric

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday; every period is NOW's
ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
NO_LOGIN = "!"  # password_hash of the benchmark's users: no password matches it
OLD_COUNT_CALLS = 30  # the old COUNTs take 100+ ms at 1M users: fewer calls


# --- databases -----------------------------------------------------------------------------------


@contextlib.contextmanager
def fresh_database(kind: str, admin_url: str, tmp: Path) -> Iterator[str]:
    """The URL of a new, empty database of `kind`, dropped afterwards."""
    name = f"healthapp_bench_{uuid.uuid4().hex[:12]}"
    if kind == "sqlite":
        path = tmp / f"{name}.db"
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def postgres_reachable(admin_url: str) -> str:
    """The server's version, or "" when it does not answer."""
    engine = sa.create_engine(admin_url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(sa.text("SHOW server_version")).scalar())
    except sa.exc.OperationalError:
        return ""
    finally:
        engine.dispose()


def analyze(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))


# --- timing --------------------------------------------------------------------------------------


def measure(call: Callable[[int], Any], iterations: int, warmup: int = 3) -> common.Summary:
    """Latencies of call(0), call(1), ... (ms), after `warmup` untimed calls."""
    for i in range(warmup):
        call(i)
    latencies = []
    started = time.perf_counter()
    for i in range(iterations):
        t = time.perf_counter()
        call(i)
        latencies.append((time.perf_counter() - t) * 1000)
    return common.summarize(latencies, time.perf_counter() - started)


# --- reports -------------------------------------------------------------------------------------


def bench_reports(url: str, days: int, iterations: int) -> dict[str, Any]:
    migrate(url)
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        first = NOW.date() - timedelta(days=days - 1)
        with Session(engine) as db:
            result = demo.generate_demo(
                db, users=1, days=days, seed=7, start=first, now=NOW, password_hash=NO_LOGIN
            )
            db.commit()
            uid = result.users[0].user_id
            prefs = preferences.get_preferences(db, user_id=uid)
        analyze(engine)
        setup_s = time.perf_counter() - started
        rng = random.Random(days)  # noqa: S311 (benchmark inputs)
        day_choices = [first + timedelta(days=rng.randrange(days)) for _ in range(iterations + 3)]
        weeks = max(1, days // 7)
        week_choices = [
            reports.week_start_of(NOW.date()) - timedelta(weeks=rng.randrange(weeks))
            for _ in range(iterations + 3)
        ]

        def daily(i: int) -> None:
            with Session(engine) as db:
                reports.daily_report(db, user_id=uid, prefs=prefs, day=day_choices[i])

        def weekly(i: int) -> None:
            with Session(engine) as db:
                reports.weekly_report(db, user_id=uid, prefs=prefs, week_start=week_choices[i])

        return {
            "rows": sum(n for name, n in result.rows.items() if name != "app_user"),
            "setup_s": setup_s,
            "daily": measure(daily, iterations),
            "weekly": measure(weekly, iterations),
        }
    finally:
        engine.dispose()


# --- ranks ---------------------------------------------------------------------------------------


def _now_param() -> Any:
    return sa.bindparam("now", NOW, type_=UTCDateTime())


def bulk_population(db: Session, users: int) -> None:
    """`users` app_user rows and their three rank_metric rows, in SQL."""
    columns = (
        "login, password_hash, language, glucose_unit, bp_standard, timezone, hba1c_target, "
        "created_at, password_changed_at"
    )
    values = "'bench-' || i, 'x', 'en', 'mg/dL', '', 'UTC', 7.0, :now, :now"
    if db.get_bind().dialect.name == "postgresql":
        sql = f"INSERT INTO app_user ({columns}) SELECT {values} FROM generate_series(1, :n) i"  # noqa: S608
    else:
        sql = (
            "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < :n) "  # noqa: S608
            f"INSERT INTO app_user ({columns}) SELECT {values} FROM seq"
        )
    db.exec(sa.text(sql).bindparams(_now_param(), n=users))
    period = ranking.period_of(NOW)  # one UTC day for every metric

    # Lehmer-style hashes of the id: the same spread values on both databases, every run.
    def hashed(multiplier: int, modulus: int) -> str:
        return f"(CAST(id AS BIGINT) * {multiplier}) % 2147483647 % {modulus}"

    metrics = (
        (Metric.EXERCISE_WEEK, period, hashed(48271, 1501), "h", "h"),  # 0-1500 minutes
        (Metric.CONSISTENCY_30D, period, hashed(69621, 30), "1 + h", "1 + h"),  # 1-30 days
        # 0.0-100.0 %, ranked as floor(h / 10 + 0.5) = (h + 5) / 10 in integer division.
        (Metric.GLUCOSE_TIR_14D, period, hashed(16807, 1001), "h / 10.0", "(h + 5) / 10"),
    )
    for metric, period, spread, value, key in metrics:
        db.exec(
            sa.text(
                "INSERT INTO rank_metric (user_id, metric, period, value, rank_value, updated_at) "  # noqa: S608
                f"SELECT id, :metric, :period, {value}, {key}, :now "
                f"FROM (SELECT id, {spread} AS h FROM app_user) AS hashed"
            ).bindparams(_now_param(), metric=metric.value, period=period)
        )
    ranking.rebuild_histogram(db)


def histogram_matches(db: Session) -> bool:
    key = (col(RankMetric.metric), col(RankMetric.period), col(RankMetric.rank_value))
    grouped = {tuple(r[:3]): int(r[3]) for r in db.exec(select(*key, func.count()).group_by(*key))}
    hist = {(h.metric, h.period, h.value): h.users for h in db.exec(select(RankHistogram))}
    return grouped == hist


def bench_ranks(url: str, users: int, iterations: int, demo_max: int) -> dict[str, Any]:
    migrate(url)
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        with Session(engine) as db:
            if users <= demo_max:
                source = "demo + refresh_all"
                demo.generate_rank_population(
                    db, users=users, seed=5, now=NOW, password_hash=NO_LOGIN,
                    after_batch=lambda session, _ids: session.commit(),
                )  # fmt: skip
                ranking.refresh_all_metrics(db, now=NOW)
            else:
                source = "bulk SQL + rebuild"
                bulk_population(db, users)
            db.commit()
        analyze(engine)
        setup_s = time.perf_counter() - started
        with Session(engine) as db:
            consistent = histogram_matches(db)
            counted = db.exec(
                select(col(RankMetric.user_id))
                .group_by(col(RankMetric.user_id))
                .having(func.count() == len(Metric))
                .order_by(col(RankMetric.user_id))
            ).all()
            rng = random.Random(users)  # noqa: S311 (benchmark inputs)
            sample = [int(u) for u in rng.sample(list(counted), k=min(len(counted), 500))]
            prefs = preferences.get_preferences(db, user_id=sample[0])  # UTC, like all of them
            period = ranking.period_of(NOW)
            minutes = dict(
                db.exec(
                    select(col(RankMetric.user_id), col(RankMetric.rank_value)).where(
                        col(RankMetric.user_id).in_(sample),
                        RankMetric.metric == Metric.EXERCISE_WEEK.value,
                    )
                ).all()
            )
            hist_rows = db.exec(
                select(func.count()).where(
                    RankHistogram.metric == Metric.EXERCISE_WEEK.value,
                    RankHistogram.period == period,
                )
            ).one()
            cohort = db.exec(
                select(func.sum(RankHistogram.users)).where(
                    RankHistogram.metric == Metric.EXERCISE_WEEK.value,
                    RankHistogram.period == period,
                )
            ).one()

        def pick(i: int) -> int:
            return sample[i % len(sample)]

        def ranks(i: int) -> None:
            with Session(engine) as db:
                results = ranking.user_ranks(db, user_id=pick(i), prefs=prefs, now=NOW)
            assert all(r.cohort for r in results), results

        def one_metric(i: int) -> None:
            with Session(engine) as db:
                ranking.cohort_counts(
                    db, metric=Metric.EXERCISE_WEEK, period=period, value=minutes[pick(i)]
                )

        def old_counts(i: int) -> None:
            base = (
                select(func.count())
                .select_from(RankMetric)
                .where(RankMetric.metric == Metric.EXERCISE_WEEK.value, RankMetric.period == period)
            )
            with Session(engine) as db:
                db.exec(base.where(col(RankMetric.rank_value) > minutes[pick(i)])).one()
                db.exec(base).one()

        return {
            "source": source,
            "setup_s": setup_s,
            "consistent": consistent,
            "hist_rows": int(hist_rows),
            "cohort": int(cohort or 0),
            "ranks": measure(ranks, iterations),
            "one": measure(one_metric, iterations),
            "old": measure(old_counts, min(iterations, OLD_COUNT_CALLS), warmup=2),
        }
    finally:
        engine.dispose()


# --- command line --------------------------------------------------------------------------------


def _ints(text: str) -> list[int]:
    return [int(float(part)) for part in text.split(",") if part.strip()]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.reports_rank", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke run: small sizes, few calls")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--sizes", default=None, help="rank populations (default 1e3,1e5,1e6)")
    parser.add_argument("--days", default=None, help="report data, days (default 365,3650)")
    parser.add_argument("--iterations", type=int, default=None, help="timed calls per figure")
    parser.add_argument("--demo-max", type=int, default=10_000, help="larger: bulk SQL")
    parser.add_argument("--postgres-url", default=ADMIN_URL, help="an admin connection")
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args(argv)
    args.sizes = _ints(args.sizes or ("1000,20000" if args.quick else "1000,100000,1000000"))
    args.days = _ints(args.days or ("30,365" if args.quick else "365,3650"))
    args.iterations = args.iterations or (20 if args.quick else 200)
    args.databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    return args


def _years(days: int) -> str:
    return f"{days / 365:g} y" if days % 365 == 0 else f"{days} d"


def _users(n: int) -> str:
    for unit, size in (("M", 1_000_000), ("K", 1_000)):
        if n >= size and n % size == 0:
            return f"{n // size}{unit}"
    return str(n)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    machine = common.machine_info()
    pg_version = postgres_reachable(args.postgres_url) if "postgresql" in args.databases else ""
    notes = []
    if "postgresql" in args.databases and not pg_version:
        notes.append(f"PostgreSQL not reachable at {args.postgres_url}: skipped")
        args.databases.remove("postgresql")
    report_rows, rank_rows = [], []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp_dir:
        tmp = Path(tmp_dir)
        for kind in args.databases:
            for days in args.days:
                with fresh_database(kind, args.postgres_url, tmp) as url:
                    r = bench_reports(url, days, args.iterations)
                row = (
                    kind, _years(days), r["rows"], r["setup_s"],
                    r["daily"].p50_ms, r["daily"].p95_ms, r["weekly"].p50_ms, r["weekly"].p95_ms,
                )  # fmt: skip
                report_rows.append(row)
                common.print_flush(f"reports {kind} {_years(days)}: {common.table(REPORT, [row])}")
            for users in args.sizes:
                with fresh_database(kind, args.postgres_url, tmp) as url:
                    r = bench_ranks(url, users, args.iterations, args.demo_max)
                ratio = r["old"].p50_ms / r["one"].p50_ms if r["one"].p50_ms else math.nan
                row = (
                    kind, _users(users), r["source"], r["setup_s"],
                    "yes" if r["consistent"] else "NO", r["cohort"], r["hist_rows"],
                    r["ranks"].p50_ms, r["ranks"].p95_ms, r["one"].p50_ms, r["one"].p95_ms,
                    r["old"].p50_ms, r["old"].p95_ms, ratio,
                )  # fmt: skip
                rank_rows.append(row)
                common.print_flush(f"ranks {kind} {_users(users)}: {common.table(RANK, [row])}")
    elapsed = time.monotonic() - started
    body = "\n".join(
        [
            "Reports (one user; each call in a new Session; ms):",
            "",
            common.table(REPORT, report_rows),
            "",
            "Ranks (user_ranks: the three badges of one user; 1 metric: exercise_week, the "
            "histogram query vs the two COUNTs used before; ms):",
            "",
            common.table(RANK, rank_rows),
            "",
            f"Total run time: {elapsed:.0f} s.",
        ]
    )
    common.print_flush("\n" + body)
    ok = all(row[4] == "yes" for row in rank_rows)
    if not args.no_record:
        notes.append(
            f"rank populations up to {args.demo_max} users from demo.generate_rank_population "
            "+ ranking.refresh_all_metrics; larger ones as bulk SQL rows (app_user + 3 "
            "rank_metric rows per user) + ranking.rebuild_histogram"
        )
        common.append_results(
            "Reports and rank" + (" (smoke)" if args.quick else ""),
            settings={
                "databases": "+".join(args.databases),
                "report_days": "/".join(map(str, args.days)),
                "rank_users": "/".join(map(str, args.sizes)),
                "iterations": args.iterations,
                "old_count_calls": min(args.iterations, OLD_COUNT_CALLS),
            },
            body=body,
            machine_start=machine,
            version_info=common.versions(
                extra={
                    "sqlalchemy": sa.__version__,
                    "sqlite": sqlite3.sqlite_version,
                    "postgresql": pg_version or "-",
                }
            ),
            notes=notes,
        )
    return 0 if ok else 1


REPORT = (
    "db", "data", "rows", "setup s",
    "daily p50", "daily p95", "weekly p50", "weekly p95",
)  # fmt: skip
RANK = (
    "db", "users", "built by", "setup s", "hist = GROUP BY", "cohort", "hist rows",
    "user_ranks p50", "user_ranks p95", "1 metric p50", "1 metric p95",
    "COUNT (old) p50", "COUNT (old) p95", "old / new",
)  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
