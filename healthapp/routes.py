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
# Reflex's upload route (its constants.Endpoint.UPLOAD; a test holds them equal). The edge in
# front of it (api/upload_limits.py) refuses with one of these message keys, and its reply asks
# the page to call UPLOAD_REFUSED_EVENT(key) on the state whose upload it refused.
UPLOAD = "/_upload"
UPLOAD_REFUSED_EVENT = "upload_refused"
UPLOAD_NOT_SIGNED_IN = "upload.not_signed_in"
UPLOAD_TOO_LARGE = "upload.too_large"
UPLOAD_BAD_LENGTH = "upload.bad_length"
