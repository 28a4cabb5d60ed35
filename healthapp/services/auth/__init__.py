"""Accounts, password hashing, server-side sessions, the log-in throttle and safe redirects."""
