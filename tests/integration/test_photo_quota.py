"""The photo quotas on a real Redis (their Lua scripts): a sliding minute window, the UTC day,
attempts counted before decoding, all-or-none counting, and no overshoot under concurrency."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import redis

from healthapp.domain.errors import ValidationError
from healthapp.services.meals.photos import PhotoLimits, PhotoQuota, intake, intake_and_count

NOW = 1_800_000_000.0  # 2027-01-15 08:00:00 UTC, 0 s into its minute
DAY = "20270115"
APPLE = (Path(__file__).resolve().parents[1] / "fixtures" / "photos" / "apple.jpg").read_bytes()
Redis = tuple[redis.Redis, str]


def make_quota(
    redis_client: Redis,
    per_minute: int = 3,
    per_day: int = 5,
    attempts_per_minute: int = 100,
    attempts_per_day: int = 1000,
) -> PhotoQuota:
    client, prefix = redis_client
    return PhotoQuota(client=client, prefix=prefix, per_minute=per_minute, per_day=per_day,
                      attempts_per_minute=attempts_per_minute,
                      attempts_per_day=attempts_per_day)  # fmt: skip


def refusal(call: object, *args: object, **kwargs: object) -> tuple[str, dict[str, object]]:
    with pytest.raises(ValidationError) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    assert info.value.field == "photos"
    return info.value.key, info.value.params


def test_minute_limit_names_itself_and_reopens_a_minute_later(redis_client: Redis) -> None:
    quota = make_quota(redis_client, per_minute=3, per_day=100)
    for _ in range(3):
        quota.check_and_count(7, now=NOW)
    assert refusal(quota.check_and_count, 7, now=NOW + 59) == (
        "error.photo_quota_minute",
        {"limit": 3},
    )
    quota.check_and_count(8, now=NOW)  # another user has their own window
    quota.check_and_count(7, now=NOW + 60)


def test_the_minute_is_a_sliding_window_not_a_clock_minute(redis_client: Redis) -> None:
    quota = make_quota(redis_client, per_minute=3, per_day=100)
    for _ in range(3):
        quota.check_and_count(7, now=NOW + 59.9)  # the end of one clock minute
    # A fixed minute bucket would take three more here, a second later.
    assert refusal(quota.check_and_count, 7, now=NOW + 60.9)[0] == "error.photo_quota_minute"
    assert refusal(quota.check_and_count, 7, now=NOW + 119.8)[0] == "error.photo_quota_minute"
    for _ in range(3):
        quota.check_and_count(7, now=NOW + 119.9)  # 60 s after the first three


def test_day_limit_names_itself_and_reopens_next_utc_day(redis_client: Redis) -> None:
    quota = make_quota(redis_client, per_minute=10, per_day=5)
    for i in range(5):
        quota.check_and_count(7, now=NOW + 120 * i)
    assert refusal(quota.check_and_count, 7, now=NOW + 3600) == (
        "error.photo_quota_day",
        {"limit": 5},
    )
    assert refusal(quota.check, 7, now=NOW + 3600)[0] == "error.photo_quota_day"
    quota.check_and_count(7, now=(NOW // 86_400 + 1) * 86_400)


def test_refused_uploads_do_not_count_and_keys_expire(redis_client: Redis) -> None:
    client, prefix = redis_client
    quota = make_quota(redis_client, per_minute=2, per_day=5)
    quota.check_and_count(7, now=NOW + 30)
    quota.check_and_count(7, now=NOW + 30)
    for _ in range(5):
        refusal(quota.check_and_count, 7, now=NOW + 30)
    window, day = f"{prefix}photo-quota:minute:7", f"{prefix}photo-quota:day:7:{DAY}"
    assert sorted(client.scan_iter(f"{prefix}*")) == sorted([window, day])
    assert client.zcard(window) == 2
    assert client.get(day) == "2"
    assert 0 < client.pttl(window) <= 60_000
    assert 8 * 3600 < client.ttl(day) <= 16 * 3600 + 60


def test_a_meals_photos_count_all_or_none_and_refunds_give_back(redis_client: Redis) -> None:
    client, prefix = redis_client
    quota = make_quota(redis_client, per_minute=5, per_day=100)
    quota.check_and_count(7, count=3, now=NOW)
    quota.check(7, count=2, now=NOW)
    assert refusal(quota.check, 7, count=3, now=NOW)[0] == "error.photo_quota_minute"
    refusal(quota.check_and_count, 7, count=3, now=NOW)  # 6 > 5: none of the three counts
    quota.check_and_count(7, count=2, now=NOW)
    quota.refund(7, count=2, now=NOW)
    quota.check_and_count(7, count=0, now=NOW)  # nothing to count
    assert client.zcard(f"{prefix}photo-quota:minute:7") == 3
    assert client.get(f"{prefix}photo-quota:day:7:{DAY}") == "3"
    quota.refund(7, count=5, now=NOW + 86_400)  # another day: no counter is created
    assert client.exists(f"{prefix}photo-quota:day:7:20270116") == 0


def test_refused_photos_count_as_attempts_before_any_decoding(
    redis_client: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, prefix = redis_client
    quota = make_quota(redis_client, per_minute=10, per_day=100, attempts_per_minute=3)
    limits = PhotoLimits()
    for _ in range(3):
        assert refusal(intake_and_count, [b"not a photo"], user_id=7, limits=limits,
                       quota=quota)[0] == "error.photo_type"  # fmt: skip

    def no_intake(_data: bytes, *, limits: PhotoLimits) -> None:
        raise AssertionError("decoded although the attempts were spent")

    monkeypatch.setattr(intake, "intake_photo", no_intake)
    assert refusal(intake_and_count, [APPLE], user_id=7, limits=limits, quota=quota) == (
        "error.photo_attempts_minute",
        {"limit": 3},
    )
    assert client.zcard(f"{prefix}photo-attempts:minute:7") == 3
    assert client.exists(f"{prefix}photo-quota:minute:7") == 0  # no upload was used up


def test_attempts_have_a_day_limit_too(redis_client: Redis) -> None:
    quota = make_quota(redis_client, attempts_per_minute=10, attempts_per_day=4)
    quota.count_attempts(7, count=4, now=NOW)
    assert refusal(quota.count_attempts, 7, now=NOW + 3600) == (
        "error.photo_attempts_day",
        {"limit": 4},
    )


def test_kept_photos_count_both_budgets(redis_client: Redis) -> None:
    client, prefix = redis_client
    quota = make_quota(redis_client, per_minute=1, per_day=10)
    [photo] = intake_and_count([APPLE], user_id=7, limits=PhotoLimits(), quota=quota)
    assert photo.width == 512
    assert client.zcard(f"{prefix}photo-attempts:minute:7") == 1
    assert client.zcard(f"{prefix}photo-quota:minute:7") == 1
    # The spent upload quota refuses before the file counts as an attempt or is decoded.
    key, _ = refusal(intake_and_count, [APPLE], user_id=7, limits=PhotoLimits(), quota=quota)
    assert key == "error.photo_quota_minute"
    assert client.zcard(f"{prefix}photo-attempts:minute:7") == 1


def test_concurrent_uploads_never_pass_the_limit(redis_client: Redis) -> None:
    client, prefix = redis_client
    quota = make_quota(redis_client, per_minute=5, per_day=1000)
    passed: list[int] = []
    refused: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    def upload() -> None:
        start.wait()
        try:
            quota.check_and_count(42, now=NOW)
        except ValidationError as exc:
            with lock:
                refused.append(exc.key)
        else:
            with lock:
                passed.append(1)

    threads = [threading.Thread(target=upload) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(passed) == 5
    assert refused == ["error.photo_quota_minute"] * 15
    assert client.zcard(f"{prefix}photo-quota:minute:42") == 5
    assert client.get(f"{prefix}photo-quota:day:42:{DAY}") == "5"
