"""Every route of the app in one place, so links and redirects cannot drift apart."""

HOME = "/"
LOGIN = "/login"
SIGNUP = "/signup"
ACCOUNT = "/account"
