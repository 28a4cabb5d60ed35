"""What one worker process is told: its name in the consumer group, its limits and intervals."""

from __future__ import annotations

from dataclasses import dataclass

from healthapp.services.analysis.recognition import TOP_K


@dataclass
class WorkerConfig:
    consumer: str
    model: str = "food_recognizer"
    health_host: str = "127.0.0.1"
    health_port: int = 0  # 0: no health server
    concurrency: int = 4  # jobs in flight per worker (Triton batches concurrent requests)
    block_ms: int = 1000
    max_attempts: int = 5
    reclaim_idle_s: float = 30.0
    retry_base_s: float = 2.0
    retry_max_s: float = 60.0
    unavailable_retry_s: float = 1.0
    sweep_interval_s: float = 10.0
    top_k: int = TOP_K
    shutdown_grace_s: float = 8.0
    read_timeout_s: float = 30.0  # one photo read from storage

    @property
    def lease_s(self) -> float:
        """How long a job's lease lasts unrenewed (renewed every third of it). Shorter than the
        reclaim idle time, so an entry reclaimed from a dead worker finds its lease expired."""
        return self.reclaim_idle_s * 0.75
