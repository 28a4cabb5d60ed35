"""The failure policy: which error key each failure gets and whether it is retried."""

from __future__ import annotations

import pytest

from healthapp.inference.preprocess import ImageDecodeError
from healthapp.inference.triton_client import (
    ModelMismatch,
    TritonRequestError,
    TritonTimeout,
    TritonUnavailable,
)
from healthapp.services import analysis
from healthapp.services.meals.storage import PhotoNotFound, PhotoReadTimeout
from healthapp.worker.failure_policy import GAVE_UP, HANDLED, Action, classify, retry_delay


@pytest.mark.parametrize(("attempts", "expected"), [(1, 2.0), (2, 4.0), (3, 8.0), (6, 60.0)])
def test_backoff_doubles_up_to_the_cap(attempts, expected) -> None:
    assert retry_delay(attempts, base_s=2, max_s=60, jitter=0) == expected
    spread = [retry_delay(attempts, base_s=2, max_s=60) for _ in range(50)]
    assert all(0.8 * expected <= delay <= 1.2 * expected for delay in spread)


@pytest.mark.parametrize(
    ("exc", "action", "error_key"),
    [
        (TritonUnavailable("down", "UNAVAILABLE"), Action.WAIT, ""),
        (PhotoNotFound("ab/cd.jpg"), Action.FAIL, analysis.ERROR_PHOTO_MISSING),
        (ImageDecodeError("not an image"), Action.FAIL, analysis.ERROR_BAD_IMAGE),
        (TritonTimeout("slow", "DEADLINE_EXCEEDED"), Action.RETRY, analysis.ERROR_TIMEOUT),
        # A TimeoutError, so an OSError: its own row comes first.
        (PhotoReadTimeout("ab/cd.jpg", 30), Action.RETRY, analysis.ERROR_TIMEOUT),
        (TritonRequestError("bad", "INTERNAL"), Action.RETRY, analysis.ERROR_MODEL),
        (ModelMismatch("wrong outputs"), Action.RETRY, analysis.ERROR_MODEL),
        (OSError("disk"), Action.RETRY, analysis.ERROR_INTERNAL),
        (ValueError("shape"), Action.RETRY, analysis.ERROR_INTERNAL),
        (RuntimeError("numpy"), Action.RETRY, analysis.ERROR_INTERNAL),
    ],
)
def test_each_failure_has_one_row(exc: Exception, action: Action, error_key: str) -> None:
    assert isinstance(exc, HANDLED)
    failure = classify(exc)
    assert (failure.action, failure.error_key) == (action, error_key)
    assert failure.permanent == (action is Action.FAIL)


def test_only_unexpected_errors_log_a_traceback() -> None:
    assert classify(RuntimeError("numpy")).log == "traceback"
    assert classify(TritonRequestError("bad")).log == "warning"
    assert classify(PhotoNotFound("x")).log == ""


def test_anything_else_is_outside_the_policy() -> None:
    # Such an error leaves the job pending for a later delivery instead of failing it.
    assert not isinstance(KeyError("x"), HANDLED)
    with pytest.raises(LookupError):
        classify(KeyError("x"))


def test_a_job_started_too_often_fails_for_good() -> None:
    assert (GAVE_UP.action, GAVE_UP.error_key) == (Action.FAIL, analysis.ERROR_GAVE_UP)
