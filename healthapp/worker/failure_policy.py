"""What a failed analysis attempt means: one table from exception to the error key the person
sees and to what happens next, and the backoff before a retry.

Order matters: the first row whose exception type matches wins (TritonUnavailable and
TritonTimeout are TritonErrors, which are RuntimeErrors; ImageDecodeError is a ValueError;
PhotoReadTimeout is a TimeoutError, which is an OSError).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import Enum
from typing import Literal

from healthapp.inference.preprocess import ImageDecodeError
from healthapp.inference.triton_client import TritonError, TritonTimeout, TritonUnavailable
from healthapp.services import analysis
from healthapp.services.meals.storage import PhotoNotFound, PhotoReadTimeout


class Action(Enum):
    RETRY = "retry"  # counts as an attempt; tried again after a backoff until JOB_MAX_ATTEMPTS
    FAIL = "fail"  # permanent: trying again cannot help
    WAIT = "wait"  # nobody's fault (Triton is down): back to the queue, no attempt counted


@dataclass(frozen=True)
class Failure:
    action: Action
    error_key: str = ""
    # "traceback" for errors nobody expected; "warning" for a line that names the cause.
    log: Literal["", "warning", "traceback"] = ""

    @property
    def permanent(self) -> bool:
        return self.action is Action.FAIL


POLICY: tuple[tuple[tuple[type[Exception], ...], Failure], ...] = (
    ((TritonUnavailable,), Failure(Action.WAIT)),
    ((PhotoNotFound,), Failure(Action.FAIL, analysis.ERROR_PHOTO_MISSING)),
    ((ImageDecodeError,), Failure(Action.FAIL, analysis.ERROR_BAD_IMAGE)),
    ((TritonTimeout,), Failure(Action.RETRY, analysis.ERROR_TIMEOUT)),
    ((PhotoReadTimeout,), Failure(Action.RETRY, analysis.ERROR_TIMEOUT, log="warning")),
    ((TritonError,), Failure(Action.RETRY, analysis.ERROR_MODEL, log="warning")),
    (
        (OSError, ValueError, RuntimeError),
        Failure(Action.RETRY, analysis.ERROR_INTERNAL, log="traceback"),
    ),
)
# Started more than JOB_MAX_ATTEMPTS times without an answer (workers died on it).
GAVE_UP = Failure(Action.FAIL, analysis.ERROR_GAVE_UP)
# Everything the table covers: anything else leaves the job pending for a later delivery.
HANDLED: tuple[type[Exception], ...] = tuple(kind for kinds, _ in POLICY for kind in kinds)


def classify(exc: Exception) -> Failure:
    """The policy row for `exc`; raises LookupError for an exception outside HANDLED."""
    for kinds, failure in POLICY:
        if isinstance(exc, kinds):
            return failure
    raise LookupError(f"no failure policy for {type(exc).__name__}") from exc


def retry_delay(attempts: int, *, base_s: float, max_s: float, jitter: float = 0.2) -> float:
    """Exponential backoff after the `attempts`-th failed attempt: base, 2 base, 4 base, ...
    capped at `max_s`, spread by +-`jitter` so failed jobs do not come back all at once."""
    delay = min(max_s, base_s * 2 ** max(0, attempts - 1))
    return delay * random.uniform(1 - jitter, 1 + jitter)  # noqa: S311 (not security)
