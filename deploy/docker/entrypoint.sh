#!/bin/sh
# Entrypoint of the web and worker images: the prestart step (wait for the database, apply the
# migrations; deploy/docker/prestart.py), then the command. RUN_PRESTART=0 skips the prestart
# (e.g. a Kubernetes pod whose init container already ran it).
set -eu
# The web's server workers keep their Prometheus values here (healthapp/observability/metrics.py);
# values left by the container's previous run would add up, so it starts empty. (The worker
# image does not set it; the worker ignores it anyway.)
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    find "$PROMETHEUS_MULTIPROC_DIR" -maxdepth 1 -name '*.db' -type f -delete
fi
if [ "${RUN_PRESTART:-1}" != "0" ]; then
    python "$(dirname "$0")/prestart.py" ${PRESTART_ARGS:-}
fi
exec "$@"
