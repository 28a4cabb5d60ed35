"""Reflex state classes: thin; they call healthapp.services and hold what the page shows."""
