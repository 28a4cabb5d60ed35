"""Pages. Importing this package registers every page with its route."""

from healthapp.pages import account, home, login, signup

__all__ = ["account", "home", "login", "signup"]
