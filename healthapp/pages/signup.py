"""Create an account."""

import reflex as rx

from healthapp import routes
from healthapp.components.forms import field, form_alert, submit_button
from healthapp.components.layout import template
from healthapp.state.auth import SignupState
from healthapp.state.base import AppState


@template(route=routes.SIGNUP, protected=False, on_load=[SignupState.on_guest_load])
def signup() -> rx.Component:
    return rx.center(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading(AppState.t["signup.title"], size="6", as_="h1"),
                    form_alert(SignupState),
                    field(
                        SignupState,
                        "signup",
                        "login",
                        "signup.login_label",
                        autocomplete="username",
                        help_key="signup.login_help",
                    ),
                    field(
                        SignupState,
                        "signup",
                        "password",
                        "signup.password_label",
                        type_="password",
                        autocomplete="new-password",
                        help_key="signup.password_help",
                    ),
                    field(
                        SignupState,
                        "signup",
                        "password_confirm",
                        "signup.password_confirm_label",
                        type_="password",
                        autocomplete="new-password",
                    ),
                    submit_button("signup.submit"),
                    rx.text(
                        AppState.t["signup.have_account"],
                        " ",
                        rx.link(AppState.t["signup.login_link"], href=routes.LOGIN),
                        size="2",
                    ),
                    spacing="4",
                    width="100%",
                ),
                on_submit=SignupState.submit,
                id="signup-form",
            ),
            width="min(100%, 26rem)",
        ),
        padding_top="2em",
    )
