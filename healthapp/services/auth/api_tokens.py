"""Who calls the REST API: access JWTs with refresh tokens from a log-in, and personal access
tokens (PATs) a person creates for scripts and uploaders.

- A log-in (username + password, the log-in throttle applies) starts a token *family*: a
  short-lived access JWT (HS256, `kid` in its header so keys can rotate: JWT_KEYS) and an opaque
  refresh token. Each refresh marks the token it used and issues the family's next pair; a used
  refresh token presented again means one of the two copies was stolen, so the whole family is
  revoked (OAuth 2.0 Security BCP, RFC 9700 section 4.14.2). An access JWT names its family and
  is honoured only while the family lives: logging out ends both at once.
- A PAT ("hap_" + 32 random bytes) carries scopes ("read", or "read write"), a name and its
  last use; the person sees it once, the database keeps only its keyed hash.
- A password change ends every family and PAT of the user (a thief who made a token while the
  password was known loses it); deleting the account removes them through ON DELETE CASCADE.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OctKey
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, exists, select, update

from healthapp.db import utcnow
from healthapp.domain.errors import ValidationError
from healthapp.models import PersonalAccessToken, RefreshToken
from healthapp.services.auth.sessions import NotSignedIn, token_hash
from healthapp.services.ownership import owned

PAT_PREFIX = "hap_"
ISSUER = "healthapp"
ALGORITHM = "HS256"
NAME_MAX_LENGTH = 60
PATS_PER_USER = 50


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"


# What a person may choose for a PAT: reading only, or reading and writing.
SCOPE_CHOICES: dict[str, frozenset[Scope]] = {
    "read": frozenset({Scope.READ}),
    "read write": frozenset({Scope.READ, Scope.WRITE}),
}
ALL_SCOPES = frozenset(Scope)


@dataclass(frozen=True)
class SigningKeys:
    """The key that signs (the first) and every key that verifies, by kid."""

    signing_kid: str
    keys: KeySet

    @classmethod
    def parse(cls, spec: str, *, secret_key: str) -> SigningKeys:
        """JWT_KEYS ("kid:secret,kid:secret"), or one key derived from SECRET_KEY if empty."""
        pairs: list[tuple[str, bytes]] = []
        for item in (part.strip() for part in spec.split(",")):
            if not item:
                continue
            kid, sep, secret = item.partition(":")
            if not sep or not kid or len(secret) < 32:
                raise ValueError("JWT_KEYS: each entry is kid:secret with 32+ characters")
            pairs.append((kid, secret.encode()))
        if not pairs:
            derived = hmac.new(secret_key.encode(), b"healthapp api jwt v1", hashlib.sha256)
            pairs = [("sk1", derived.digest())]
        keys = KeySet([OctKey.import_key(secret, {"kid": kid}) for kid, secret in pairs])
        return cls(signing_kid=pairs[0][0], keys=keys)

    def sign(self, claims: dict[str, object]) -> str:
        key = self.keys.get_by_kid(self.signing_kid)
        return jwt.encode({"alg": ALGORITHM, "kid": self.signing_kid}, claims, key)


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int  # seconds the access token lives


@dataclass(frozen=True)
class ApiCaller:
    """The user a request acts for, what it may do, and the key its rate limit counts on."""

    user_id: int
    scopes: frozenset[Scope]
    rate_key: str
    # A PAT may not manage tokens: one leaked script token must not mint others.
    via_pat: bool = False


@dataclass(frozen=True)
class TokenPolicy:
    keys: SigningKeys
    secret_key: str
    access_ttl: timedelta
    refresh_ttl: timedelta


class TokenRefused(NotSignedIn):
    """A refresh token that is unknown, expired, or already used (its family is revoked)."""


def _new_refresh(db: Session, *, user_id: int, family: str, policy: TokenPolicy) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.add(RefreshToken(user_id=user_id, family=family, created_at=now,
                        token_hash=token_hash(token, policy.secret_key),
                        expires_at=now + policy.refresh_ttl))  # fmt: skip
    return token


def _access(user_id: int, family: str, policy: TokenPolicy) -> str:
    now = int(time.time())
    return policy.keys.sign({
        "iss": ISSUER, "sub": str(user_id), "iat": now,
        "exp": now + int(policy.access_ttl.total_seconds()), "jti": secrets.token_hex(8),
        "fam": family, "scope": " ".join(sorted(ALL_SCOPES)),
    })  # fmt: skip


def _pair(db: Session, *, user_id: int, family: str, policy: TokenPolicy) -> TokenPair:
    refresh = _new_refresh(db, user_id=user_id, family=family, policy=policy)
    db.flush()
    return TokenPair(access_token=_access(user_id, family, policy), refresh_token=refresh,
                     expires_in=int(policy.access_ttl.total_seconds()))  # fmt: skip


def start_family(db: Session, *, user_id: int, policy: TokenPolicy) -> TokenPair:
    """The tokens of a new log-in (after the password was checked)."""
    return _pair(db, user_id=user_id, family=secrets.token_hex(16), policy=policy)


def refresh(db: Session, *, refresh_token: str, policy: TokenPolicy) -> TokenPair:
    """The family's next pair for an unused, live refresh token; reuse revokes the family."""
    hashed = token_hash(refresh_token, policy.secret_key)
    row = db.exec(select(RefreshToken).where(col(RefreshToken.token_hash) == hashed)).first()
    if row is None or row.expires_at <= utcnow():
        raise TokenRefused
    # Marked used only if nobody marked it first: of two concurrent refreshes one wins and
    # the other counts as reuse.
    marked = db.exec(
        update(RefreshToken)
        .where(col(RefreshToken.id) == row.id, col(RefreshToken.used_at).is_(None))
        .values(used_at=utcnow())
    ).rowcount
    if marked != 1:
        end_family(db, family=row.family)
        raise TokenRefused("refresh token reused: its family is revoked")
    return _pair(db, user_id=row.user_id, family=row.family, policy=policy)


def end_family(db: Session, *, family: str) -> None:
    db.exec(delete(RefreshToken).where(col(RefreshToken.family) == family))


def log_out(db: Session, *, refresh_token: str, secret_key: str) -> None:
    """End the family of this refresh token (used or not): its access tokens stop too."""
    hashed = token_hash(refresh_token, secret_key)
    family = db.exec(select(RefreshToken.family).where(col(RefreshToken.token_hash) == hashed))
    found = family.first()
    if found is not None:
        end_family(db, family=found)


def revoke_all(db: Session, *, user_id: int) -> None:
    """Every token family and PAT of the user (a password change)."""
    db.exec(delete(RefreshToken).where(col(RefreshToken.user_id) == user_id))
    db.exec(delete(PersonalAccessToken).where(col(PersonalAccessToken.user_id) == user_id))


def caller_for(db: Session, *, bearer: str, policy: TokenPolicy) -> ApiCaller:
    """The caller a bearer token names, or NotSignedIn (unknown, expired, revoked, forged)."""
    if bearer.startswith(PAT_PREFIX):
        return _pat_caller(db, bearer, policy.secret_key)
    try:
        token = jwt.decode(bearer, policy.keys.keys, algorithms=[ALGORITHM])
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": ISSUER}, sub={"essential": True},
            exp={"essential": True}, iat={"essential": True}, fam={"essential": True},
        ).validate(token.claims)  # fmt: skip
        user_id, family = int(token.claims["sub"]), str(token.claims["fam"])
        scopes = frozenset(Scope(s) for s in str(token.claims.get("scope", "")).split())
    except (JoseError, ValueError, KeyError):
        raise NotSignedIn from None
    alive = db.exec(
        select(
            exists().where(col(RefreshToken.family) == family,
                           col(RefreshToken.user_id) == user_id)
        )
    ).one()  # fmt: skip
    if not alive:
        raise NotSignedIn
    return ApiCaller(user_id=user_id, scopes=scopes, rate_key=f"family:{family}")


def _pat_caller(db: Session, bearer: str, secret_key: str) -> ApiCaller:
    hashed = token_hash(bearer, secret_key)
    pat = db.exec(
        select(PersonalAccessToken).where(col(PersonalAccessToken.token_hash) == hashed)
    ).first()
    if pat is None or pat.id is None:
        raise NotSignedIn
    now = utcnow()
    # Written at most once a minute: a busy uploader must not turn every read into a write.
    if pat.last_used_at is None or now - pat.last_used_at > timedelta(minutes=1):
        pat.last_used_at = now
        db.add(pat)
    scopes = SCOPE_CHOICES.get(pat.scopes, frozenset())
    return ApiCaller(user_id=pat.user_id, scopes=scopes, rate_key=f"pat:{pat.id}", via_pat=True)


@dataclass(frozen=True)
class PatView:
    id: int
    name: str
    hint: str
    scopes: str
    created_at: datetime
    last_used_at: datetime | None


def _view(pat: PersonalAccessToken) -> PatView:
    assert pat.id is not None
    return PatView(id=pat.id, name=pat.name, hint=pat.hint, scopes=pat.scopes,
                   created_at=pat.created_at, last_used_at=pat.last_used_at)  # fmt: skip


def create_pat(
    db: Session, *, user_id: int, name: str, scopes: str, secret_key: str
) -> tuple[PatView, str]:
    """A new PAT: its view and the token, which is shown this once and never again."""
    name = " ".join(str(name).split())
    if not name:
        raise ValidationError("error.value_required", field="name")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError("api.token_name_too_long", field="name", max=NAME_MAX_LENGTH)
    if scopes not in SCOPE_CHOICES:
        raise ValidationError("error.choice_invalid", field="scopes")
    count = len(db.exec(select(PersonalAccessToken.id).where(
        col(PersonalAccessToken.user_id) == user_id)).all())  # fmt: skip
    if count >= PATS_PER_USER:
        raise ValidationError("api.too_many_tokens", field="name", max=PATS_PER_USER)
    token = PAT_PREFIX + secrets.token_urlsafe(32)
    pat = PersonalAccessToken(user_id=user_id, name=name, scopes=scopes, hint=token[:10],
                              token_hash=token_hash(token, secret_key))  # fmt: skip
    db.add(pat)
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError:
        raise ValidationError("api.token_name_taken", field="name") from None
    return _view(pat), token


def list_pats(db: Session, *, user_id: int) -> list[PatView]:
    rows = db.exec(
        select(PersonalAccessToken)
        .where(col(PersonalAccessToken.user_id) == user_id)
        .order_by(col(PersonalAccessToken.created_at).desc(), col(PersonalAccessToken.id).desc())
    ).all()
    return [_view(row) for row in rows]


def revoke_pat(db: Session, *, user_id: int, pat_id: int) -> None:
    db.delete(owned(db, PersonalAccessToken, pat_id, user_id=user_id))
    db.flush()


def default_token_policy() -> TokenPolicy:
    from healthapp.config import get_settings

    settings = get_settings()
    secret_key = settings.secret_key.get_secret_value()
    return TokenPolicy(
        keys=SigningKeys.parse(settings.jwt_keys.get_secret_value(), secret_key=secret_key),
        secret_key=secret_key,
        access_ttl=timedelta(minutes=settings.api_access_ttl_minutes),
        refresh_ttl=timedelta(days=settings.api_refresh_ttl_days),
    )
