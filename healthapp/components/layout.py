"""The one layout every page uses: header, navigation, language switch, user menu."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from healthapp import routes
from healthapp.components.html_lang import html_lang
from healthapp.i18n import LANGUAGES
from healthapp.state.base import AppState

APP_TITLE = "healthapp"

# (route, catalogue key): only pages that exist appear here.
SIGNED_IN_NAV: tuple[tuple[str, str], ...] = (
    (routes.HOME, "nav.home"),
    (routes.MEALS, "nav.meals"),
    (routes.BLOOD_PRESSURE, "nav.bp"),
    (routes.GLUCOSE, "nav.glucose"),
    (routes.HBA1C, "nav.hba1c"),
    (routes.EXERCISE, "nav.exercise"),
    (routes.REPORTS, "nav.reports"),
    (routes.DATA, "nav.data"),
    (routes.SETTINGS, "nav.settings"),
)  # the account page is in the user menu
GUEST_NAV: tuple[tuple[str, str], ...] = (
    (routes.LOGIN, "nav.login"),
    (routes.SIGNUP, "nav.signup"),
)


# Below Radix's `md` breakpoint (62em) the navigation folds into a sheet behind a menu button.
PHONE_ONLY = rx.breakpoints(initial="flex", md="none")
WIDE_ONLY = rx.breakpoints(initial="none", md="flex")


def language_switch() -> rx.Component:
    return rx.el.select(
        *[rx.el.option(AppState.t[f"lang.{lang}"], value=lang) for lang in LANGUAGES],
        value=AppState.current_lang,
        on_change=AppState.set_language,
        aria_label=AppState.t["lang.label"],
        id="language-switch",
        class_name="language-switch",
    )


def _nav(items: tuple[tuple[str, str], ...]) -> rx.Component:
    return rx.el.nav(
        rx.hstack(
            *[rx.link(AppState.t[key], href=route, class_name="nav-link") for route, key in items],
            spacing="4",
            wrap="wrap",
        ),
        aria_label=AppState.t["nav.label"],
        display=WIDE_ONLY,
    )


def nav_sheet(items: tuple[tuple[str, str], ...]) -> rx.Component:
    """The phone's navigation: a menu button opening the links in a sheet; a link closes it."""
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.icon_button(
                rx.icon("menu", aria_hidden="true"),
                variant="soft",
                size="3",
                aria_label=AppState.t["nav.menu_open"],
                display=PHONE_ONLY,
            )
        ),
        rx.dialog.content(
            rx.hstack(
                rx.dialog.title(AppState.t["nav.menu"], size="4", margin="0"),
                rx.spacer(),
                rx.dialog.close(
                    rx.icon_button(
                        rx.icon("x", aria_hidden="true"),
                        variant="ghost",
                        size="3",
                        color_scheme="gray",
                        aria_label=AppState.t["nav.menu_close"],
                    )
                ),
                align="center",
                width="100%",
            ),
            rx.el.nav(
                rx.vstack(
                    *[
                        rx.dialog.close(
                            rx.link(AppState.t[key], href=route, class_name="sheet-link")
                        )
                        for route, key in items
                    ],
                    spacing="0",
                    width="100%",
                ),
                aria_label=AppState.t["nav.label"],
            ),
            align="start",
            class_name="nav-sheet",
        ),
    )


def user_menu() -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.icon("circle-user", aria_hidden="true"),
                # on a phone the icon alone: a long login would push the header off screen
                rx.el.span(AppState.user_login, class_name="user-login"),
                variant="soft",
                aria_label=AppState.t["user_menu.label"],
            )
        ),
        rx.menu.content(
            rx.box(rx.text(AppState.signed_in_as, size="2", color_scheme="gray"), padding="0.5em"),
            rx.menu.item(AppState.t["nav.account"], on_select=rx.redirect(routes.ACCOUNT)),
            rx.menu.separator(),
            rx.menu.item(AppState.t["nav.logout"], on_select=AppState.logout, color="red"),
        ),
    )


def header(signed_in: bool) -> rx.Component:
    items = SIGNED_IN_NAV if signed_in else GUEST_NAV
    return rx.el.header(
        rx.hstack(
            nav_sheet(items),
            rx.link(
                rx.heading(AppState.t["app.name"], size=rx.breakpoints(initial="4", sm="5")),
                href=routes.HOME,
                underline="none",
                class_name="app-title",
            ),
            _nav(items),
            rx.spacer(),
            language_switch(),
            user_menu() if signed_in else rx.fragment(),
            align="center",
            spacing=rx.breakpoints(initial="2", md="5"),
            width="100%",
        ),
        class_name="app-header",
    )


def _shell(content: rx.Component, signed_in: bool) -> rx.Component:
    return rx.box(
        html_lang(),
        header(signed_in),
        rx.el.main(
            rx.cond(
                AppState.flash != "",
                rx.callout(AppState.flash, role="status", margin_bottom="1em"),
            ),
            content,
            class_name="app-main",
        ),
    )


def template(
    *, route: str, protected: bool = True, on_load: list | None = None
) -> Callable[[Callable[[], rx.Component]], Callable[[], rx.Component]]:
    """Register a page with the shared layout. Protected pages resolve the user on the server
    first and render nothing of theirs until that has succeeded."""

    def decorator(page: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def wrapped() -> rx.Component:
            if not protected:
                return _shell(page(), signed_in=False)
            return _shell(
                rx.cond(
                    AppState.user_login != "",
                    page(),
                    rx.center(rx.spinner(size="3"), aria_label=AppState.t["common.loading"]),
                ),
                signed_in=True,
            )

        wrapped.__name__ = page.__name__
        if protected:
            loaders = [AppState.require_login, *(on_load or [])]
        else:
            loaders = on_load or [AppState.detect_language]
        rx.page(route=route, title=APP_TITLE, on_load=loaders)(wrapped)
        return wrapped

    return decorator
