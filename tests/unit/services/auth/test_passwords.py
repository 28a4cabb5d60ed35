import pytest

from healthapp.domain.errors import ValidationError
from healthapp.services.auth import passwords


def test_hash_is_argon2_and_verifies() -> None:
    hashed = passwords.hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert "correct horse" not in hashed
    assert passwords.verify_password("correct horse battery", hashed)
    assert not passwords.verify_password("correct horse batterY", hashed)


def test_same_password_hashes_differently() -> None:
    assert passwords.hash_password("same password!") != passwords.hash_password("same password!")


# the key of each rule, and passwords that break it (the login is "alice")
BROKEN_RULES = {
    "error.password_too_short": ["short", "123456789"],
    "error.password_too_long": ["x" * 257],
    "error.password_common": ["1234567890", "Password123", "iloveyou12"],
    "error.password_contains_login": ["alice-is-great-42"],
}


@pytest.mark.parametrize(
    ("password", "key"),
    [(password, key) for key, examples in BROKEN_RULES.items() for password in examples],
)
def test_new_password_rules(password: str, key: str) -> None:
    with pytest.raises(ValidationError) as info:
        passwords.check_new_password(password, login="alice", min_length=10)
    assert info.value.key == key
    assert info.value.field == "password"


def test_too_short_message_carries_the_minimum() -> None:
    with pytest.raises(ValidationError) as info:
        passwords.check_new_password("abc", login="bob", min_length=12)
    assert info.value.params == {"min": 12}


def test_good_password_passes() -> None:
    passwords.check_new_password("tangerine violin 42", login="alice", min_length=10)
