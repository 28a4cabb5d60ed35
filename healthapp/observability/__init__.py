"""Logs and metrics shared by every process: the logging set-up (JSON lines or text, the ids of
the request, event or job a line belongs to) and the Prometheus plumbing with the metrics the web
process records from several layers. A base package: it imports nothing of healthapp's but the
settings."""
