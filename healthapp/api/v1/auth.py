"""Log-in for API clients (OAuth 2.0 token endpoint, RFC 6749: the password and refresh_token
grants; revocation, RFC 7009) and the personal access tokens a person manages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine
from sqlmodel import Session

from healthapp.api.deps import get_engine_override
from healthapp.api.v1.caller import ReadAccess, WriteAccess, get_token_policy
from healthapp.api.v1.problems import PROBLEM_RESPONSES, ApiProblem
from healthapp.api.v1.types import RecordId
from healthapp.config import get_settings
from healthapp.db import session_scope
from healthapp.domain.errors import AuthenticationError
from healthapp.services.auth import accounts, api_tokens
from healthapp.services.auth.api_tokens import ApiCaller, PatView, TokenPolicy
from healthapp.services.auth.throttle import client_address, default_login_throttle
from healthapp.services.nightscout import secrets as nightscout_secrets

router = APIRouter(tags=["auth"], responses=PROBLEM_RESPONSES)


class TokenReply(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105  # the scheme's name
    expires_in: int = Field(description="Seconds the access token lives")
    refresh_token: str = Field(description="Use once, at POST /auth/token (refresh_token grant)")
    scope: str = "read write"


def _reply(pair: api_tokens.TokenPair) -> TokenReply:
    return TokenReply(access_token=pair.access_token, expires_in=pair.expires_in,
                      refresh_token=pair.refresh_token)  # fmt: skip


def _refused_grant(detail: str) -> ApiProblem:
    return ApiProblem(401, "invalid-grant", "Invalid grant", detail)


@router.post("/auth/token", response_model=TokenReply, summary="Log in, or refresh tokens")
def token(
    request: Request,
    response: Response,
    grant_type: Annotated[Literal["password", "refresh_token"], Form()],
    policy: Annotated[TokenPolicy, Depends(get_token_policy)],
    engine: Annotated[Engine | None, Depends(get_engine_override)],
    username: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    refresh_token: Annotated[str, Form(max_length=256)] = "",
) -> TokenReply:
    """`grant_type=password` with `username` and `password` (the log-in throttle applies), or
    `grant_type=refresh_token` with the last refresh token: a new pair, the used token is spent.
    Presenting a spent refresh token again revokes every token of that log-in."""
    response.headers["Cache-Control"] = "no-store"
    with session_scope(engine) as db:
        if grant_type == "refresh_token":
            try:
                return _reply(api_tokens.refresh(db, refresh_token=refresh_token, policy=policy))
            except api_tokens.TokenRefused:
                db.commit()  # a reuse revoked the family: that must stick
                raise _refused_grant("The refresh token is unknown, expired or used.") from None
        peer = request.client.host if request.client else ""
        ip = client_address(peer, request.headers.get("x-forwarded-for", ""),
                            get_settings().trusted_proxy_networks)  # fmt: skip
        try:
            user = accounts.authenticate(
                db, login=username, password=password, throttle=default_login_throttle(),
                client_ip=ip,
            )  # fmt: skip
        except AuthenticationError:
            raise _refused_grant("Wrong username/e-mail or password.") from None
        assert user.id is not None
        return _reply(api_tokens.start_family(db, user_id=user.id, policy=policy))


@router.post("/auth/revoke", status_code=200, summary="Log out (revoke a refresh token)")
def revoke(
    token: Annotated[str, Form(max_length=256)],
    policy: Annotated[TokenPolicy, Depends(get_token_policy)],
    engine: Annotated[Engine | None, Depends(get_engine_override)],
) -> dict[str, str]:
    """Ends the log-in the refresh token belongs to: its refresh and access tokens stop at
    once. An unknown token is no error (RFC 7009)."""
    with session_scope(engine) as db:
        api_tokens.log_out(db, refresh_token=token, secret_key=policy.secret_key)
    return {}


class PatOut(BaseModel):
    id: int
    name: str
    hint: str = Field(description="The token's first characters")
    scopes: Literal["read", "read write"]
    created_at: datetime
    last_used_at: datetime | None


class PatCreated(PatOut):
    token: str = Field(description="Shown this once: store it now")


class PatIn(BaseModel):
    name: str = Field(min_length=1, max_length=api_tokens.NAME_MAX_LENGTH)
    scopes: Literal["read", "read write"] = "read"


def _pat(view: PatView) -> PatOut:
    return PatOut.model_validate(view, from_attributes=True)


def _no_pat(caller: ApiCaller) -> None:
    if caller.via_pat:
        raise ApiProblem(403, "log-in-token-needed", "A log-in token is needed",
                         "Personal access tokens cannot manage tokens.")  # fmt: skip


@router.get("/tokens", response_model=list[PatOut], tags=["tokens"])
def list_tokens(access: ReadAccess) -> list[PatOut]:
    def work(db: Session, caller: ApiCaller) -> list[PatOut]:
        _no_pat(caller)
        return [_pat(view) for view in api_tokens.list_pats(db, user_id=caller.user_id)]

    return access.run(work)


@router.post("/tokens", response_model=PatCreated, status_code=201, tags=["tokens"])
def create_token(body: PatIn, access: WriteAccess, response: Response) -> PatCreated:
    response.headers["Cache-Control"] = "no-store"

    def work(db: Session, caller: ApiCaller) -> PatCreated:
        _no_pat(caller)
        view, secret = api_tokens.create_pat(db, user_id=caller.user_id, name=body.name,
                                             scopes=body.scopes,
                                             secret_key=access.policy.secret_key)  # fmt: skip
        return PatCreated(**_pat(view).model_dump(), token=secret)

    return access.run(work)


@router.delete("/tokens/{token_id}", status_code=204, tags=["tokens"])
def delete_token(token_id: RecordId, access: WriteAccess) -> Response:
    def work(db: Session, caller: ApiCaller) -> None:
        _no_pat(caller)
        api_tokens.revoke_pat(db, user_id=caller.user_id, pat_id=token_id)

    access.run(work)
    return Response(status_code=204)


class NightscoutSecretOut(BaseModel):
    secret: str = Field(description="Shown this once: the uploader's API_SECRET")
    base_url: str = Field(description="For xDrip+: Nightscout Sync (REST-API) base URL")


@router.post(
    "/nightscout-secret",
    response_model=NightscoutSecretOut,
    status_code=201,
    tags=["tokens"],
    summary="Make (or replace) the Nightscout uploader secret",
)
def make_nightscout_secret(request: Request, access: WriteAccess,
                           response: Response) -> NightscoutSecretOut:  # fmt: skip
    response.headers["Cache-Control"] = "no-store"

    def work(db: Session, caller: ApiCaller) -> str:
        _no_pat(caller)
        return nightscout_secrets.new_secret(db, user_id=caller.user_id,
                                             secret_key=access.policy.secret_key)  # fmt: skip

    secret = access.run(work)
    host = request.headers.get("host", "localhost")
    return NightscoutSecretOut(
        secret=secret, base_url=f"{request.url.scheme}://{secret}@{host}/nightscout/api/v1/"
    )


@router.delete("/nightscout-secret", status_code=204, tags=["tokens"])
def remove_nightscout_secret(access: WriteAccess) -> Response:
    def work(db: Session, caller: ApiCaller) -> None:
        _no_pat(caller)
        nightscout_secrets.remove_secret(db, user_id=caller.user_id)

    access.run(work)
    return Response(status_code=204)
