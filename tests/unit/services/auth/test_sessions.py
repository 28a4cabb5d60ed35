import gc
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from healthapp.db import utcnow
from healthapp.models import AuthSession
from healthapp.services import preferences
from healthapp.services.auth import sessions

KEY = "k" * 10 + "0123456789abcdefghijklmnop"


def test_token_resolves_to_its_user_and_only_a_hash_is_stored(engine: Engine, user_id: int) -> None:
    with Session(engine) as db:
        token = sessions.create_session(db, user_id=user_id, secret_key=KEY, ttl=timedelta(hours=1))
        db.commit()
        assert sessions.user_id_for_token(db, token=token, secret_key=KEY) == user_id
        stored = db.exec(select(AuthSession)).one()
        assert token not in stored.token_hash
        assert sessions.user_id_for_token(db, token=token, secret_key=KEY + "x") is None
        assert sessions.user_id_for_token(db, token="", secret_key=KEY) is None
        assert sessions.user_id_for_token(db, token=token + "x", secret_key=KEY) is None


def test_expired_session_does_not_resolve_and_is_cleaned(engine: Engine, user_id: int) -> None:
    with Session(engine) as db:
        old = sessions.create_session(db, user_id=user_id, secret_key=KEY, ttl=timedelta(hours=1))
        row = db.exec(select(AuthSession)).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.add(row)
        db.commit()
        assert sessions.user_id_for_token(db, token=old, secret_key=KEY) is None
        sessions.create_session(db, user_id=user_id, secret_key=KEY, ttl=timedelta(hours=1))
        db.commit()
        assert len(db.exec(select(AuthSession)).all()) == 1


def test_revoke_one_and_all(engine: Engine, user_id: int) -> None:
    with Session(engine) as db:
        ttl = timedelta(hours=1)
        a, b, c = (
            sessions.create_session(db, user_id=user_id, secret_key=KEY, ttl=ttl) for _ in range(3)
        )
        sessions.revoke_session(db, token=a, secret_key=KEY)
        assert sessions.user_id_for_token(db, token=a, secret_key=KEY) is None
        assert sessions.user_id_for_token(db, token=b, secret_key=KEY) == user_id
        assert sessions.revoke_all_sessions(db, user_id=user_id) == 2
        assert sessions.user_id_for_token(db, token=b, secret_key=KEY) is None
        assert sessions.user_id_for_token(db, token=c, secret_key=KEY) is None


def test_run_as_user_scopes_work_to_the_session_owner(engine: Engine, user_id: int) -> None:
    with Session(engine) as db:
        token = sessions.create_session(db, user_id=user_id, secret_key=KEY, ttl=timedelta(hours=1))
        db.commit()
    seen = sessions.run_as_user(token, KEY, lambda _db, uid: uid, engine=engine)
    assert seen == user_id
    with pytest.raises(sessions.NotSignedIn):
        sessions.run_as_user("forged", KEY, lambda _db, uid: uid, engine=engine)


def test_the_unit_of_work_reads_the_user_row_once(engine: Engine, user_id: int) -> None:
    """The session lookup loads the user; the work's preference reads (before and after a
    flush) find that row instead of querying it again."""
    with Session(engine) as db:
        token = sessions.create_session(db, user_id=user_id, secret_key=KEY, ttl=timedelta(hours=1))
        db.commit()
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    def work(db: Session, uid: int) -> str:
        first = preferences.get_preferences(db, user_id=uid)
        db.flush()
        gc.collect()  # the identity map holds rows weakly: only a live reference keeps one
        return first.language + preferences.get_preferences(db, user_id=uid).language

    sessions.run_as_user(token, KEY, work, engine=engine)
    assert sum("FROM app_user" in statement for statement in statements) == 1, statements
