"""The address the state hands to the throttles, from the router data Reflex builds for a socket
(`ip` is the ASGI scope's client while rxconfig leaves trusted_proxy_hops at 0)."""

from __future__ import annotations

import pytest
import reflex as rx
from reflex.istate.data import RouterData

from healthapp.config import Settings
from healthapp.state import auth
from healthapp.state.auth import LoginState, request_client

SPOOFED = {"x-forwarded-for": "6.6.6.6, 203.0.113.9"}


def login_state(peer: str, headers: dict[str, str]) -> LoginState:
    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(LoginState.get_full_name().split("."))
    assert isinstance(state, LoginState)
    state.router = RouterData.from_router_data({"sid": "s", "ip": peer, "headers": headers})
    return state


@pytest.mark.parametrize(
    ("trusted", "peer", "expected"),
    [
        ("", "10.0.0.2", "10.0.0.2"),  # no trusted proxy: the header is ignored
        ("10.0.0.0/8", "198.51.100.1", "198.51.100.1"),  # from elsewhere: ignored too
        ("10.0.0.0/8", "10.0.0.2", "203.0.113.9"),  # through our proxy: the hop it added
    ],
)
def test_request_client(
    monkeypatch: pytest.MonkeyPatch, trusted: str, peer: str, expected: str
) -> None:
    settings = Settings(_env_file=None, trusted_proxies=trusted)  # type: ignore[call-arg]
    monkeypatch.setattr(auth, "get_settings", lambda: settings)
    assert request_client(login_state(peer, SPOOFED)) == expected
