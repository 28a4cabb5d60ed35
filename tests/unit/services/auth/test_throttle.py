"""The throttle's windows and client addresses. The windows run on the real Redis of
tests/conftest.py: the check-and-count is a Lua script, which fakeredis cannot run."""

import dataclasses
import ipaddress

import pytest
import redis

from healthapp.domain.errors import ThrottledError
from healthapp.services.auth.throttle import LoginThrottle, client_address

T0 = 1_700_000_000.0


def fail(throttle: LoginThrottle, login: str, client: str, now: float) -> None:
    """One admitted password check that turned out wrong (nothing is taken back)."""
    assert throttle.admit_password_check(login, client, now=now) is not None


def test_account_client_limit_and_retry_time(throttle: LoginThrottle) -> None:
    for i in range(5):
        fail(throttle, "alice", "ip1", T0 + i)
    with pytest.raises(ThrottledError) as info:
        throttle.admit_password_check("alice", "ip1", now=T0 + 10)
    # The first failure (T0) ages out at T0 + 900.
    assert info.value.retry_after == 891
    assert info.value.params == {"minutes": 15}
    throttle.admit_password_check("bob", "ip1", now=T0 + 10)  # other accounts are unaffected
    throttle.admit_password_check("alice", "ip1", now=T0 + 901)  # the window slid past T0


def test_one_client_cannot_lock_the_account_for_others(throttle: LoginThrottle) -> None:
    for i in range(5):
        fail(throttle, "alice", "attacker", T0 + i)
    with pytest.raises(ThrottledError):
        throttle.admit_password_check("alice", "attacker", now=T0 + 10)
    throttle.succeeded(throttle.admit_password_check("alice", "owner", now=T0 + 10))


def test_account_ceiling_across_clients(throttle: LoginThrottle) -> None:
    for i in range(throttle.max_per_account_total):
        fail(throttle, "alice", f"10.0.{i}.1", T0)
    with pytest.raises(ThrottledError):
        throttle.admit_password_check("alice", "a fresh address", now=T0 + 1)
    throttle.admit_password_check("bob", "a fresh address", now=T0 + 1)


def test_client_limit_spans_accounts(throttle: LoginThrottle) -> None:
    for i in range(20):
        fail(throttle, f"user{i}", "10.0.0.9", T0)
    with pytest.raises(ThrottledError):
        throttle.admit_password_check("someone-new", "10.0.0.9", now=T0 + 1)
    throttle.admit_password_check("someone-new", "10.0.0.10", now=T0 + 1)


def test_a_refused_check_is_not_counted(throttle: LoginThrottle) -> None:
    for i in range(5):
        fail(throttle, "alice", "ip", T0 + i)
    for _ in range(50):
        with pytest.raises(ThrottledError):
            throttle.admit_password_check("alice", "ip", now=T0 + 10)
    # Only the five failures hold the window: it reopens when the first ages out.
    throttle.admit_password_check("alice", "ip", now=T0 + 901)


def test_success_takes_its_attempt_back_and_forgives_this_client(
    throttle: LoginThrottle,
) -> None:
    tight = dataclasses.replace(throttle, max_per_client=6)
    for _ in range(4):
        fail(tight, "alice", "ip", T0)
    tight.succeeded(tight.admit_password_check("alice", "ip", now=T0))
    # The success is no failure: two more fit the client's window of 6 (4 + 2), and the
    # account-client window starts again.
    for _ in range(2):
        fail(tight, "alice", "ip", T0)
    # The forgiven failures still count across accounts: the client's window is full.
    with pytest.raises(ThrottledError):
        tight.admit_password_check("bob", "ip", now=T0)


def test_sign_ups_per_client(throttle: LoginThrottle) -> None:
    for _ in range(throttle.signup_max_per_client):
        throttle.admit_signup("10.1.1.1", now=T0)
    with pytest.raises(ThrottledError) as info:
        throttle.admit_signup("10.1.1.1", now=T0 + 1)
    assert info.value.key == "error.signup_throttled"
    assert info.value.retry_after == 3600
    throttle.admit_signup("10.1.1.2", now=T0 + 1)
    throttle.admit_signup("10.1.1.1", now=T0 + 3601)


def test_keys_hold_hashes_and_expire(throttle: LoginThrottle) -> None:
    fail(throttle, "alice@example.org", "203.0.113.7", T0)
    throttle.admit_signup("203.0.113.7")
    client = throttle.client
    keys = list(client.scan_iter(f"{throttle.prefix}*"))
    assert len(keys) == 4
    assert all("alice" not in key and "203.0" not in key for key in keys)
    assert all(0 < client.ttl(key) <= 3600 for key in keys)


def test_redis_down_fails_open(throttle: LoginThrottle, caplog: pytest.LogCaptureFixture) -> None:
    broken = dataclasses.replace(
        throttle,
        client=redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2),
        max_per_account=1,
        max_per_client=1,
        max_per_account_total=1,
        signup_max_per_client=1,
    )
    for _ in range(3):
        admission = broken.admit_password_check("alice", "ip")
        assert admission is None
        broken.succeeded(admission)
        broken.admit_signup("ip")
    assert "throttle unavailable" in caplog.text


PROXIES = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128")]


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "trusted", "expected"),
    [
        # No trusted proxies: the header is anyone's to write, the peer is the client.
        ("198.51.100.4", "1.1.1.1", [], "198.51.100.4"),
        # The peer is not a trusted proxy: its header is ignored.
        ("198.51.100.4", "1.1.1.1", PROXIES, "198.51.100.4"),
        # Through one trusted proxy: the hop it added, not the client's own left-hand claims.
        ("10.0.0.2", "6.6.6.6, 203.0.113.9", PROXIES, "203.0.113.9"),
        # Through two trusted proxies: skip both.
        ("10.0.0.2", "6.6.6.6,203.0.113.9 , 10.1.2.3", PROXIES, "203.0.113.9"),
        ("::1", "2001:db8::5", PROXIES, "2001:db8::5"),
        # A trusted proxy with no header, or only trusted hops: the left-most address seen.
        ("10.0.0.2", "", PROXIES, "10.0.0.2"),
        ("10.0.0.2", "10.0.0.3", PROXIES, "10.0.0.3"),
        # Garbage written by the proxy's peer is that peer's address as far as we can know.
        ("10.0.0.2", "1.1.1.1, not-an-ip", PROXIES, "not-an-ip"),
    ],
)
def test_client_address(
    peer: str, forwarded_for: str, trusted: list[ipaddress.IPv4Network], expected: str
) -> None:
    assert client_address(peer, forwarded_for, trusted) == expected


def test_refused_attempts_are_counted_as_throttle_hits(throttle: LoginThrottle) -> None:
    from healthapp.observability import metrics

    def hits(kind: str) -> float:
        return metrics.WEB.get_sample_value("healthapp_throttle_hits_total", {"kind": kind}) or 0

    login, signup = hits("login"), hits("signup")
    for i in range(5):
        fail(throttle, "carol", "ip9", T0 + i)
    for _ in range(2):
        with pytest.raises(ThrottledError):
            throttle.admit_password_check("carol", "ip9", now=T0 + 10)
    for _ in range(3):
        throttle.admit_signup("ip9", now=T0)
    with pytest.raises(ThrottledError):
        throttle.admit_signup("ip9", now=T0 + 1)
    assert (hits("login"), hits("signup")) == (login + 2, signup + 1)
