"""The account page: change password, delete the account."""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from healthapp import routes
from healthapp.config import get_settings
from healthapp.services.auth import accounts, sessions
from healthapp.services.auth.throttle import default_login_throttle
from healthapp.state.auth import request_client
from healthapp.state.base import AppState, FormState, claim_url, navigate

PASSWORD_FIELDS = ("current_password", "password", "password_confirm")


class AccountState(FormState, AppState):
    delete_open: bool = False

    @rx.event
    async def change_password(self, form: dict[str, Any]) -> Any:
        self._clear_messages()
        settings = get_settings()
        user_agent = self.router.headers.user_agent
        client_ip = request_client(self)
        ended = sessions.default_ended_sessions()

        def work(db: Session, user_id: int) -> str:
            accounts.change_password(
                db,
                user_id=user_id,
                current_password=str(form.get("current_password", "")),
                new_password=str(form.get("password", "")),
                new_password_confirm=str(form.get("password_confirm", "")),
                min_length=settings.password_min_length,
                throttle=default_login_throttle(),
                client_ip=client_ip,
            )
            # Every session, this one included, ends; this browser gets a fresh one through
            # the claim route, which sets its cookie and brings it back to this page.
            sessions.revoke_all_sessions(db, user_id=user_id, ended=ended,
                                         reason=sessions.ENDED_ELSEWHERE)  # fmt: skip
            return sessions.default_handoffs().issue(user_id=user_id, user_agent=user_agent)

        attempt = await self._attempt(work)
        if not attempt.ok or attempt.value is None:
            return attempt.redirect
        self.done_key = "account.password.changed"
        return navigate(claim_url(attempt.value, routes.ACCOUNT))

    @rx.event
    def set_delete_open(self, is_open: bool) -> None:
        self.delete_open = is_open
        self._clear_messages()

    @rx.event
    async def delete_account(self, form: dict[str, Any]) -> Any:
        password = str(form.get("delete_password", ""))
        client_ip = request_client(self)
        self._clear_messages()
        attempt = await self._attempt(
            lambda db, uid: accounts.delete_account(
                db,
                user_id=uid,
                password=password,
                throttle=default_login_throttle(),
                client_ip=client_ip,
            )
        )
        if not attempt.ok:
            return attempt.redirect
        self.delete_open = False
        return await self._end_session("account.deleted")
