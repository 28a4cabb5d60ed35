"""The settings page's "API access" card (state/api_access.py): personal access tokens for
scripts and apps, and the Nightscout uploader address. Phone first: one column, rows as
stacked lines."""

from __future__ import annotations

import reflex as rx

from healthapp.components.forms import form_alert
from healthapp.components.records import confirm_dialog
from healthapp.state.api_access import ApiAccessState, TokenRow
from healthapp.state.base import AppState


def _secret(text_key: str, value: rx.Var[str] | str, label_key: str) -> rx.Component:
    return rx.callout(
        rx.vstack(
            rx.text(AppState.t[text_key], size="2"),
            rx.code(
                value,
                aria_label=AppState.t[label_key],
                word_break="break-all",
                class_name="secret-value",
            ),
            spacing="2",
        ),
        color_scheme="amber",
        role="status",
        width="100%",
    )


def _token_row(token: TokenRow) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.vstack(
                rx.text(token.name, weight="medium"),
                rx.text(token.what, size="1", color_scheme="gray"),
                rx.text(token.when, size="1", color_scheme="gray"),
                spacing="0",
                min_width="0",
            ),
            rx.button(
                AppState.t["api.revoke"],
                variant="soft",
                color_scheme="red",
                on_click=ApiAccessState.ask_revoke(token.id),
                min_height="44px",
                aria_label=AppState.t["api.revoke"] + " " + token.name,
            ),
            justify="between",
            align="center",
            width="100%",
            wrap="wrap",
            spacing="2",
        ),
        data_token_id=token.id,
        class_name="token-row",
    )


def api_access_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(AppState.t["api.title"], size="4", as_="h2"),
            rx.text(AppState.t["api.intro"], size="2"),
            form_alert(ApiAccessState),
            rx.cond(
                ApiAccessState.shown_token != "",
                _secret("api.token_once", ApiAccessState.shown_token, "api.new_token"),
            ),
            rx.el.label(
                AppState.t["api.token_name"], html_for="api-token-name", class_name="field-label"
            ),
            rx.input(
                id="api-token-name",
                value=ApiAccessState.new_name,
                on_change=ApiAccessState.set_new_name,
                max_length=60,
                width="100%",
                aria_invalid=rx.cond(ApiAccessState.error_texts.contains("name"), "true", "false"),
            ),
            rx.cond(
                ApiAccessState.error_texts.contains("name"),
                rx.text(
                    ApiAccessState.error_texts["name"], color_scheme="red", size="2", role="alert"
                ),
            ),
            rx.el.label(
                AppState.t["api.token_scopes"],
                html_for="api-token-scopes",
                class_name="field-label",
            ),
            rx.el.select(
                rx.el.option(AppState.t["api.scopes.read"], value="read"),
                rx.el.option(AppState.t["api.scopes.read_write"], value="read write"),
                id="api-token-scopes",
                value=ApiAccessState.new_scopes,
                on_change=ApiAccessState.set_new_scopes,
                class_name="native-select",
            ),
            rx.button(AppState.t["api.create"], on_click=ApiAccessState.create_token),
            rx.cond(
                ApiAccessState.tokens.length() > 0,
                rx.el.ul(
                    rx.foreach(ApiAccessState.tokens, _token_row),
                    aria_label=AppState.t["api.tokens"],
                    class_name="token-list",
                ),
                rx.text(AppState.t["api.no_tokens"], size="2", color_scheme="gray"),
            ),
            rx.heading(AppState.t["api.nightscout_title"], size="3", as_="h3"),
            rx.text(AppState.t["api.nightscout_intro"], size="2"),
            rx.cond(
                ApiAccessState.shown_nightscout != "",
                _secret(
                    "api.nightscout_once", ApiAccessState.shown_nightscout, "api.nightscout_url"
                ),
            ),
            rx.hstack(
                rx.button(
                    rx.cond(
                        ApiAccessState.has_nightscout,
                        AppState.t["api.nightscout_new"],
                        AppState.t["api.nightscout_make"],
                    ),
                    on_click=ApiAccessState.make_nightscout_secret,
                ),
                rx.cond(
                    ApiAccessState.has_nightscout,
                    rx.button(
                        AppState.t["api.nightscout_remove"],
                        variant="soft",
                        color_scheme="red",
                        on_click=ApiAccessState.remove_nightscout_secret,
                    ),
                ),
                wrap="wrap",
                spacing="3",
            ),
            confirm_dialog(
                title_key="api.revoke_title",
                text_key="api.revoke_text",
                confirm_key="api.revoke",
                is_open=ApiAccessState.revoke_id > 0,
                on_open_change=ApiAccessState.set_revoke_open,
                on_confirm=ApiAccessState.revoke_token,
            ),
            spacing="3",
            width="100%",
        ),
        width="min(100%, 34rem)",
    )
