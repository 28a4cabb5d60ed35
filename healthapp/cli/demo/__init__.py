"""Demo data: realistic users with months of correlated readings, meals and exercise.

No Reflex import. For trying the app, for tests and for benchmarks:

    python -m healthapp.cli.demo --users 24 --days 120 --seed 1 --password '...'
    DEMO_PASSWORD='...' python -m healthapp.cli.demo --users 1000 --days 21 --seed 2
    python -m healthapp.cli.demo --rank-population --users 1000000 --seed 3 --password '...'

The password comes from --password or DEMO_PASSWORD (none is built in); every demo user of a run
gets it. The command refuses to run with HEALTHAPP_ENV=production.

Personas (users are assigned round-robin): a well-controlled and a poorly controlled person with
type 2 diabetes, a person with hypertension, a person with prediabetes. Each day: fasting glucose
(every morning, so that every user has the readings of the time-in-range badge), meals made of
foods from the seeded food table, glucose before and two hours after meals that rises with the
meal's carbohydrate, bedtime readings now and then; blood pressure morning and evening with a
morning surge; exercise a few times a week (at least once: the weekly exercise badge), which blunts
the day's post-meal rises and slightly lowers the next fasting value; an HbA1c every 90 days
consistent with the mean glucose of the previous 90 days by the ADAG relation (eAG = 28.7 x A1c -
46.7, CLINICAL.md). Everything comes from `random.Random` seeded per user, so a seed and a start
date give the same data every time, and a user's data do not depend on how many other users are
made.

Rows are written with one multi-row INSERT per table and batch (Core `insert()` executemany;
RETURNING where the ids are needed), which keeps 1 user x 10 years, or thousands of users x a few
weeks, within seconds on SQLite.

`generate_rank_population` is the benchmark mode for the "top n%" rank (services.ranking): many
users, each with only the rows the rank metrics read (glucose in the last 14 days, logging days in
the last 30, exercise in the last 7), and an `after_batch` hook; the command line then fills the
rank table with ranking.refresh_all_metrics.

Modules: `personas` (who the users are and what they eat), `generator` (one user's days of
readings, meals and exercise), `bulk` (fast multi-row writes), `population` (`generate_demo`,
`generate_rank_population`), `cli` (the command line, run by `__main__`).
"""

from __future__ import annotations

from healthapp.cli.demo.cli import DEFAULT_DAYS, main
from healthapp.cli.demo.generator import HBA1C_EVERY_DAYS
from healthapp.cli.demo.personas import (
    DEMO_FOOD_IDS,
    KOREAN_MEALS,
    LOCALES,
    PERSONAS,
    WESTERN_MEALS,
    Persona,
)
from healthapp.cli.demo.population import (
    RANK_BATCH,
    USER_BATCH,
    DemoResult,
    DemoUser,
    generate_demo,
    generate_rank_population,
)

__all__ = [
    "DEFAULT_DAYS",
    "DEMO_FOOD_IDS",
    "HBA1C_EVERY_DAYS",
    "KOREAN_MEALS",
    "LOCALES",
    "PERSONAS",
    "RANK_BATCH",
    "USER_BATCH",
    "WESTERN_MEALS",
    "DemoResult",
    "DemoUser",
    "Persona",
    "generate_demo",
    "generate_rank_population",
    "main",
]
