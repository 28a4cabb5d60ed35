"""Pages. Importing this package registers every page with its route."""

from healthapp.pages import account, home, login, meals, records, reports, settings, signup

__all__ = ["account", "home", "login", "meals", "records", "reports", "settings", "signup"]
