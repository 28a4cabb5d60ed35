"""Pages. Importing this package registers every page with its route."""

from healthapp.pages import (
    account,
    data,
    home,
    login,
    meals,
    not_found,
    records,
    reports,
    settings,
    signup,
)

__all__ = [
    "account",
    "data",
    "home",
    "login",
    "meals",
    "not_found",
    "records",
    "reports",
    "settings",
    "signup",
]
