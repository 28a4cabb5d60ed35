"""Every route of the app in one place, so links and redirects cannot drift apart."""

HOME = "/"
LOGIN = "/login"
SIGNUP = "/signup"
ACCOUNT = "/account"
BLOOD_PRESSURE = "/blood-pressure"
GLUCOSE = "/glucose"
HBA1C = "/hba1c"
EXERCISE = "/exercise"
SETTINGS = "/settings"
MEALS = "/meals"
REPORTS = "/reports"
DATA = "/data"
# HTTP routes (api/session.py) the browser reaches by a full navigation: they set and clear the
# session cookie.
SESSION_CLAIM = "/api/session/claim"
SESSION_LOGOUT = "/api/session/logout"
