"""`<html lang>` that follows the chosen language: screen readers pick their voice by it, and
browsers their hyphenation and translation offers.

rx.App(html_lang=...) is fixed at build time, so a React effect in the page's bundle sets
`document.documentElement.lang` whenever the language changes (no inline script: the CSP in
api/headers.py allows none)."""

from __future__ import annotations

import reflex as rx
from reflex.vars.base import Var, VarData

from healthapp.state.base import AppState


class HtmlLang(rx.Fragment):
    """Renders nothing; its hook keeps the document's language in step with the state's."""

    def add_hooks(self) -> list[str | Var]:
        lang = AppState.current_lang
        return [
            Var(
                _js_expr=(
                    f"useEffect(() => {{ document.documentElement.lang = {lang!s}; }}, [{lang!s}])"
                ),
                _var_data=VarData.merge(
                    VarData(imports={"react": ["useEffect"]}), lang._get_all_var_data()
                ),
            )
        ]


def html_lang() -> rx.Component:
    return HtmlLang.create()
