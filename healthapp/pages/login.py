"""Log in."""

import reflex as rx

from healthapp import routes
from healthapp.components.forms import field, form_alert, submit_button
from healthapp.components.layout import template
from healthapp.state.auth import LoginState
from healthapp.state.base import AppState


@template(route=routes.LOGIN, protected=False, on_load=[LoginState.on_guest_load])
def login() -> rx.Component:
    return rx.center(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading(AppState.t["login.title"], size="6", as_="h1"),
                    rx.cond(
                        LoginState.ended_text != "",
                        rx.callout(
                            LoginState.ended_text,
                            icon="info",
                            role="status",
                            id="session-ended",
                            width="100%",
                        ),
                    ),
                    form_alert(LoginState),
                    field(
                        LoginState, "login", "login", "login.login_label", autocomplete="username"
                    ),
                    field(
                        LoginState,
                        "login",
                        "password",
                        "login.password_label",
                        type_="password",
                        autocomplete="current-password",
                    ),
                    submit_button("login.submit"),
                    rx.text(
                        AppState.t["login.no_account"],
                        " ",
                        rx.link(AppState.t["login.signup_link"], href=routes.SIGNUP),
                        size="2",
                    ),
                    spacing="4",
                    width="100%",
                ),
                on_submit=LoginState.submit,
                id="login-form",
            ),
            width="min(100%, 26rem)",
        ),
        padding_top="2em",
    )
