"""The command line: python -m healthapp.cli.demo (see the package's docstring)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date

from healthapp.cli.demo.population import generate_demo, generate_rank_population
from healthapp.domain.errors import ValidationError
from healthapp.services.auth import passwords

DEFAULT_DAYS = 90


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m healthapp.cli.demo",
        description="Create demo users with correlated readings, meals and exercise.",
    )
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--start",
        type=date.fromisoformat,
        default=None,
        help="first day (YYYY-MM-DD); default: --days days before today",
    )
    parser.add_argument(
        "--password", default=None, help="password of every demo user; or set DEMO_PASSWORD"
    )
    parser.add_argument("--prefix", default=None, help="login prefix (default demo<seed>)")
    parser.add_argument("--database-url", default=None, help="default: the app's DATABASE_URL")
    parser.add_argument(
        "--rank-population",
        action="store_true",
        help="benchmark mode: only the rows the top-n%% rank reads",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from healthapp.config import get_settings
    from healthapp.db import make_engine, migrate, session_scope
    from healthapp.services.ranking import refresh_all_metrics

    args = _parser().parse_args(argv)
    settings = get_settings()
    if settings.is_production:
        print("refusing to create demo users with HEALTHAPP_ENV=production", file=sys.stderr)
        return 2
    password = args.password or os.environ.get("DEMO_PASSWORD", "")
    if not password:
        print("give the demo users' password with --password or DEMO_PASSWORD", file=sys.stderr)
        return 2
    try:
        passwords.check_new_password(password, login="", min_length=settings.password_min_length)
    except ValidationError as exc:
        print(f"the password is refused ({exc.key})", file=sys.stderr)
        return 2
    url = args.database_url or settings.database_url
    migrate(url)
    engine = make_engine(url)
    password_hash = passwords.hash_password(password)
    try:
        with session_scope(engine) as db:
            if args.rank_population:
                count = generate_rank_population(
                    db, users=args.users, seed=args.seed, password_hash=password_hash,
                    prefix=args.prefix, after_batch=lambda session, _ids: session.commit(),
                )  # fmt: skip
                refresh_all_metrics(db)
                prefix = args.prefix or f"rank{args.seed}"
                print(f"created {count} rank-benchmark users ({prefix}-...), ranks refreshed")
                return 0
            result = generate_demo(
                db,
                users=args.users,
                days=args.days,
                seed=args.seed,
                start=args.start,
                password_hash=password_hash,
                prefix=args.prefix,
            )
            refresh_all_metrics(db, commit=False)  # demo users appear in the "top n%" ranks
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    rows = ", ".join(f"{name} {n}" for name, n in result.rows.items())
    print(f"created {len(result.users)} demo users ({rows}); password as given")
    shown = result.users if len(result.users) <= 100 else result.users[:20]
    for user in shown:
        print(f"{user.login}\t{user.persona}")
    if len(shown) < len(result.users):
        print(f"... and {len(result.users) - len(shown)} more, up to {result.users[-1].login}")
    return 0
