import os
import sys

# One worker is one process with its own /metrics: prometheus-client's multiprocess mode (the
# web's, observability/metrics.py) must stay off here, or its values would land in the web's
# directory. Before anything imports prometheus_client, which reads this at import.
os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)

from healthapp.worker.cli import main

sys.exit(main())
