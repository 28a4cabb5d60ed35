"""HTTP routes served next to the Reflex app (mounted with rx.App(api_transformer=api))."""

from healthapp.api import export  # noqa: F401  (registers the export routes on `api`)
from healthapp.api.photos import api

__all__ = ["api"]
