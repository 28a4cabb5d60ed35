"""The settings page's API access card, signed in on a real database: a token is shown once,
listed without its secret, and revoked; the Nightscout address names the secret once."""

from __future__ import annotations

import hashlib

from healthapp import db
from healthapp.services.auth import api_tokens
from healthapp.services.nightscout import secrets as nightscout_secrets
from healthapp.state.api_access import ApiAccessState
from tests.integration.states import call, secret, state_of, user_with_session


def test_a_token_is_shown_once_listed_and_revoked(app_env: str) -> None:
    user_id, session = user_with_session("alice")
    card = state_of(ApiAccessState, session)
    call(card, "load")
    assert card.tokens == []
    call(card, "set_new_name", "  my   script ")
    call(card, "set_new_scopes", "read write")
    call(card, "create_token")
    token = card.shown_token
    assert token.startswith("hap_")
    assert [(t.name, t.what.endswith("Read and write")) for t in card.tokens] == [
        ("my script", True)
    ]
    assert token not in repr(card.tokens)
    with db.session_scope() as session_db:
        caller = api_tokens.caller_for(session_db, bearer=token,
                                       policy=api_tokens.default_token_policy())  # fmt: skip
        assert caller.user_id == user_id

    call(card, "load")  # leaving and coming back: the secret is gone from the page
    assert card.shown_token == ""
    call(card, "set_new_name", "my script")
    call(card, "create_token")
    assert card.errors["name"]["key"] == "api.token_name_taken"

    call(card, "ask_revoke", card.tokens[0].id)
    call(card, "revoke_token")
    assert card.tokens == []


def test_the_nightscout_address_carries_a_working_secret_once(app_env: str) -> None:
    user_id, session = user_with_session("alice")
    card = state_of(ApiAccessState, session)
    call(card, "load")
    call(card, "make_nightscout_secret")
    address = card.shown_nightscout
    assert address.endswith("/nightscout/api/v1/")
    assert card.has_nightscout
    shown = address.split("://", 1)[1].split("@", 1)[0]
    digest = hashlib.sha1(shown.encode()).hexdigest()  # Nightscout's protocol
    with db.session_scope() as session_db:
        assert nightscout_secrets.user_for(session_db, api_secret=digest, token="",
                                           secret_key=secret()) == user_id  # fmt: skip
    call(card, "remove_nightscout_secret")
    assert not card.has_nightscout
