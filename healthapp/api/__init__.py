"""HTTP routes served next to the Reflex app (mounted with rx.App(api_transformer=api))."""

from healthapp.api.app import api

__all__ = ["api"]
