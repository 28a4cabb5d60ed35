"""Rank ("top n%") metrics kept current from the worker: users the web app marked as having
written something, and once an hour the users whose local day has just begun (their metrics
roll into the new period). Scheduled by scheduled.py; nothing here touches analysis jobs."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from healthapp.services import ranking

log = logging.getLogger(__name__)

# Once an hour, in one worker: users whose local day began in the last 65 minutes (overlap, so a
# late round misses nobody) get their rank metrics rolled into the new period.
NEW_DAY_LEASE_MS = 55 * 60 * 1000
NEW_DAY_WINDOW = timedelta(minutes=65)
DIRTY_INTERVAL_S = 5.0


def refresh_dirty(engine: Engine) -> int:
    """Refresh the users marked dirty by the web app; how many were refreshed."""
    with Session(engine) as db:
        return ranking.refresh_dirty(db)


def refresh_new_days(engine: Engine) -> int:
    """Roll users whose local day has just begun into the new period; how many moved."""
    # The refresh commits chunk by chunk, so it gets a plain session, not one transaction.
    with Session(engine) as db:
        users = ranking.refresh_new_days(db, within=NEW_DAY_WINDOW)
    log.info("rank refresh: %d user(s) moved to their new day", users)
    return users
