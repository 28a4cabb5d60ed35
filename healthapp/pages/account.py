"""Account settings: change password, delete the account."""

import reflex as rx

from healthapp import routes
from healthapp.components.forms import field, form_alert, form_done, submit_button
from healthapp.components.layout import template
from healthapp.state.account import AccountState
from healthapp.state.base import AppState


def _change_password() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(AppState.t["account.password.title"], size="4", as_="h2"),
                form_alert(AccountState),
                form_done(AccountState),
                field(
                    AccountState,
                    "account",
                    "current_password",
                    "account.password.current",
                    type_="password",
                    autocomplete="current-password",
                ),
                field(
                    AccountState,
                    "account",
                    "password",
                    "account.password.new",
                    type_="password",
                    autocomplete="new-password",
                    help_key="signup.password_help",
                ),
                field(
                    AccountState,
                    "account",
                    "password_confirm",
                    "account.password.confirm",
                    type_="password",
                    autocomplete="new-password",
                ),
                submit_button("account.password.submit"),
                spacing="3",
                width="100%",
            ),
            on_submit=AccountState.change_password,
            id="change-password-form",
        ),
        width="min(100%, 30rem)",
    )


def _delete_account() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(AppState.t["account.delete.title"], size="4", as_="h2"),
            rx.text(AppState.t["account.delete.warning"]),
            rx.alert_dialog.root(
                rx.alert_dialog.trigger(
                    rx.button(
                        AppState.t["account.delete.open"],
                        color_scheme="red",
                    )
                ),
                rx.alert_dialog.content(
                    rx.alert_dialog.title(AppState.t["account.delete.confirm_title"]),
                    rx.alert_dialog.description(AppState.t["account.delete.confirm_text"]),
                    rx.form(
                        rx.vstack(
                            form_alert(AccountState),
                            field(
                                AccountState,
                                "account",
                                "delete_password",
                                "account.delete.password",
                                type_="password",
                                autocomplete="current-password",
                            ),
                            rx.hstack(
                                rx.alert_dialog.cancel(
                                    rx.button(
                                        AppState.t["common.cancel"],
                                        variant="soft",
                                        color_scheme="gray",
                                        type="button",
                                    )
                                ),
                                rx.button(
                                    AppState.t["account.delete.confirm"],
                                    color_scheme="red",
                                    type="submit",
                                ),
                                justify="end",
                                spacing="3",
                                width="100%",
                            ),
                            spacing="3",
                            margin_top="1em",
                        ),
                        on_submit=AccountState.delete_account,
                    ),
                ),
                open=AccountState.delete_open,
                on_open_change=AccountState.set_delete_open,
            ),
            spacing="3",
        ),
        width="min(100%, 30rem)",
    )


@template(route=routes.ACCOUNT)
def account() -> rx.Component:
    return rx.vstack(
        rx.heading(AppState.t["account.title"], size="7", as_="h1"),
        _change_password(),
        _delete_account(),
        spacing="5",
    )
