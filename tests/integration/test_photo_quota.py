"""The photo upload quota on a real Redis: limits, expiry, and no overshoot under concurrency."""

from __future__ import annotations

import threading
import time

import pytest
import redis

from healthapp.domain.errors import ValidationError
from healthapp.services.meals.photos import PhotoQuota


def make_quota(client: redis.Redis, prefix: str, per_minute: int, per_day: int) -> PhotoQuota:
    return PhotoQuota(client=client, prefix=prefix, per_minute=per_minute, per_day=per_day)


def test_minute_and_day_limits_on_real_redis(redis_client: tuple[redis.Redis, str]) -> None:
    client, prefix = redis_client
    now = time.time() // 86_400 * 86_400 + 3600  # 01:00 UTC today: no midnight in between
    quota = make_quota(client, prefix, per_minute=2, per_day=3)
    quota.check_and_count(1, now=now)
    quota.check_and_count(1, now=now)
    with pytest.raises(ValidationError) as info:
        quota.check_and_count(1, now=now)
    assert (info.value.key, info.value.params) == ("error.photo_quota_minute", {"limit": 2})
    quota.check_and_count(1, now=now + 60)
    with pytest.raises(ValidationError) as info:
        quota.check_and_count(1, now=now + 120)
    assert (info.value.key, info.value.params) == ("error.photo_quota_day", {"limit": 3})

    keys = list(client.scan_iter(f"{prefix}photo-quota:*"))
    counts = {key.removeprefix(prefix): client.get(key) for key in keys}
    minute = int(now // 60)
    assert counts == {
        f"photo-quota:minute:1:{minute}": "2",
        f"photo-quota:minute:1:{minute + 1}": "1",
        f"photo-quota:minute:1:{minute + 2}": "0",  # the refused one, taken back
        f"photo-quota:day:1:{time.strftime('%Y%m%d', time.gmtime(now))}": "3",
    }
    for key in keys:
        assert 0 < client.ttl(key) <= 86_400 + 60


def test_concurrent_uploads_never_pass_the_limit(redis_client: tuple[redis.Redis, str]) -> None:
    client, prefix = redis_client
    quota = make_quota(client, prefix, per_minute=5, per_day=1000)
    now = time.time()
    passed: list[int] = []
    refused: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    def upload() -> None:
        start.wait()
        try:
            quota.check_and_count(42, now=now)
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
    assert client.get(f"{prefix}photo-quota:minute:42:{int(now // 60)}") == "5"
