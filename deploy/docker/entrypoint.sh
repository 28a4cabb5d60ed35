#!/bin/sh
# Entrypoint of the web and worker images: the prestart step (wait for the database, apply the
# migrations; deploy/docker/prestart.py), then the command. RUN_PRESTART=0 skips the prestart
# (e.g. a Kubernetes pod whose init container already ran it).
set -eu
if [ "${RUN_PRESTART:-1}" != "0" ]; then
    python "$(dirname "$0")/prestart.py" ${PRESTART_ARGS:-}
fi
exec "$@"
