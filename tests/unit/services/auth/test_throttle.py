import pytest

from healthapp.domain.errors import ThrottledError
from healthapp.services.auth.throttle import LoginThrottle

T0 = 1_700_000_000.0


def test_account_limit_and_retry_time(fake_throttle: LoginThrottle) -> None:
    for i in range(5):
        fake_throttle.check("alice", "ip1", now=T0 + i)
        fake_throttle.record_failure("alice", "ip1", now=T0 + i)
    with pytest.raises(ThrottledError) as info:
        fake_throttle.check("alice", "ip2", now=T0 + 10)
    # The first failure (T0) ages out at T0 + 900.
    assert info.value.retry_after == 891
    assert info.value.params == {"minutes": 15}
    fake_throttle.check("bob", "ip1", now=T0 + 10)  # other accounts are unaffected
    fake_throttle.check("alice", "ip1", now=T0 + 901)  # the window slid past the first failure


def test_client_limit_spans_accounts(fake_throttle: LoginThrottle) -> None:
    for i in range(20):
        fake_throttle.record_failure(f"user{i}", "10.0.0.9", now=T0)
    with pytest.raises(ThrottledError):
        fake_throttle.check("someone-new", "10.0.0.9", now=T0 + 1)
    fake_throttle.check("someone-new", "10.0.0.10", now=T0 + 1)


def test_success_resets_the_account_counter(fake_throttle: LoginThrottle) -> None:
    for _ in range(4):
        fake_throttle.record_failure("alice", "ip", now=T0)
    fake_throttle.reset_account("alice")
    for _ in range(4):
        fake_throttle.record_failure("alice", "ip", now=T0)
    fake_throttle.check("alice", "ip", now=T0)


def test_redis_down_fails_open(caplog: pytest.LogCaptureFixture) -> None:
    import redis

    broken = LoginThrottle(
        client=redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2),
        prefix="x:",
        max_per_account=1,
        max_per_client=1,
        window_seconds=60,
    )
    broken.record_failure("alice", "ip")
    broken.check("alice", "ip")
    assert "throttle unavailable" in caplog.text
