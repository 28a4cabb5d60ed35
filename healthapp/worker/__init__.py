"""The meal photo analysis worker: `python -m healthapp.worker --consumer NAME --health-port N`.
Run any number of them; they share the Redis consumer group.

    loop.py            the job loop: stream -> photo -> Triton -> result -> announce -> ack
    failure_policy.py  exception -> error key, and retry, fail for good, or wait for Triton
    lease.py           the lease a worker holds on a job while it runs it (no second copy)
    scheduled.py       periodic jobs beside the loop, under Redis leases where one worker runs
    sweeper.py         re-enqueue open jobs Redis holds nowhere (lost, or never queued)
    rank_refresh.py    rank metrics of users who wrote something or whose day began
    health.py          GET /healthz: JSON status, 200 when Redis and Triton answer, else 503;
                       GET /metrics: the page metrics.py builds
    metrics.py         the worker's Prometheus metrics: jobs, attempts, latencies, queue
    cli.py             arguments, wiring, main()

SIGTERM/SIGINT: stop reading, finish the jobs in hand within --shutdown-grace (the rest stay
pending for another worker), exit 0.
"""

from healthapp.worker.cli import build_worker, main, parse_args
from healthapp.worker.config import WorkerConfig
from healthapp.worker.failure_policy import retry_delay
from healthapp.worker.loop import Worker

__all__ = ["Worker", "WorkerConfig", "build_worker", "main", "parse_args", "retry_delay"]
