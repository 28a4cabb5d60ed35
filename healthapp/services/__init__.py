"""Domain logic shared by the web UI, the REST API and the workers. Never imports Reflex."""
