"""Scripts that are not the app: run each with `python -m tools.<name>` from the repository root."""
