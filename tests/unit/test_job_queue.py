"""The job queue on a real Redis (a key prefix of its own per test)."""

from __future__ import annotations

import json
import time

import pytest
import redis

from healthapp.job_queue import GROUP, JobQueue


@pytest.fixture
def queue(redis_client: tuple[redis.Redis, str]) -> JobQueue:
    client, prefix = redis_client
    return JobQueue(client, prefix)


def test_enqueue_creates_stream_and_group_and_read_delivers_once(queue: JobQueue) -> None:
    entry = queue.enqueue(42)
    groups = queue.client.xinfo_groups(queue.stream_key)
    assert [group["name"] for group in groups] == [GROUP]
    [message] = queue.read("w1", count=10, block_ms=100)
    assert (message.job_id, message.message_id, message.deliveries) == (42, entry, 1)
    # Handed out once: another consumer does not get it again while it is pending.
    assert queue.read("w2", count=10, block_ms=50) == []
    assert [(p["consumer"], p["deliveries"]) for p in queue.pending()] == [("w1", 1)]


def test_ack_removes_the_entry(queue: JobQueue) -> None:
    queue.enqueue(1)
    [message] = queue.read("w1", block_ms=100)
    queue.ack(message)
    assert queue.pending() == []
    assert queue.length() == 0


def test_read_respects_count_and_order(queue: JobQueue) -> None:
    for job_id in (5, 6, 7):
        queue.enqueue(job_id)
    assert [m.job_id for m in queue.read("w1", count=2, block_ms=100)] == [5, 6]
    assert [m.job_id for m in queue.read("w1", count=2, block_ms=100)] == [7]


def test_read_blocks_until_timeout_when_empty(queue: JobQueue) -> None:
    started = time.monotonic()
    assert queue.read("w1", block_ms=200) == []
    assert time.monotonic() - started >= 0.15


def test_reclaim_takes_over_a_dead_consumers_job_and_counts_deliveries(queue: JobQueue) -> None:
    queue.enqueue(9)
    [first] = queue.read("dead", block_ms=100)
    # Not idle long enough yet: stays with its consumer.
    assert queue.reclaim("alive", min_idle_ms=60_000) == []
    time.sleep(0.05)
    [again] = queue.reclaim("alive", min_idle_ms=20)
    assert (again.job_id, again.message_id, again.deliveries) == (9, first.message_id, 2)
    assert [(p["consumer"], p["deliveries"]) for p in queue.pending()] == [("alive", 2)]
    queue.ack(again)
    assert queue.reclaim("alive", min_idle_ms=0) == []


def test_delayed_retry_is_promoted_when_due(queue: JobQueue) -> None:
    now = time.time()
    queue.schedule_retry(3, 10.0, now=now)
    queue.schedule_retry(4, 30.0, now=now)
    assert queue.promote_due(now=now + 5) == []
    assert queue.read("w1", block_ms=20) == []
    assert queue.promote_due(now=now + 11) == [3]
    assert queue.retry_due_times() == {4: pytest.approx(now + 30)}
    [message] = queue.read("w1", block_ms=100)
    assert message.job_id == 3
    # Promoting again does not add it a second time.
    assert queue.promote_due(now=now + 11) == []
    assert queue.promote_due(now=now + 31) == [4]
    assert queue.retry_due_times() == {}


def test_a_flushed_stream_is_recreated(queue: JobQueue) -> None:
    queue.enqueue(1)
    queue.client.delete(queue.stream_key)
    assert queue.read("w1", block_ms=20) == []  # NOGROUP handled: group made again
    queue.enqueue(2)
    assert [m.job_id for m in queue.read("w1", block_ms=100)] == [2]


def test_foreign_entries_are_dropped(queue: JobQueue) -> None:
    queue.ensure_group()
    queue.client.xadd(queue.stream_key, {"something": "else"})
    queue.enqueue(8)
    assert [m.job_id for m in queue.read("w1", count=5, block_ms=100)] == [8]
    assert len(queue.pending()) == 1


def test_announce_publishes_json_on_the_users_channel(queue: JobQueue) -> None:
    pubsub = queue.client.pubsub()
    channel = queue.events_channel(17)
    assert channel == f"{queue.prefix}meal-events:17"
    pubsub.subscribe(channel)
    assert pubsub.get_message(timeout=1)["type"] == "subscribe"
    payload = {"job_id": 1, "meal_id": 2, "status": "done"}
    assert queue.announce(17, payload) == 1
    message = pubsub.get_message(timeout=1)
    assert json.loads(message["data"]) == payload
    assert queue.announce(18, payload) == 0  # nobody listens to user 18
    pubsub.close()


def test_lock_is_held_by_one_caller_until_it_expires(queue: JobQueue) -> None:
    assert queue.try_lock("sweeper", ttl_ms=150)
    assert not queue.try_lock("sweeper", ttl_ms=150)
    time.sleep(0.2)
    assert queue.try_lock("sweeper", ttl_ms=150)


def test_bytes_clients_work_too(redis_client: tuple[redis.Redis, str]) -> None:
    client, prefix = redis_client
    kwargs = {**client.connection_pool.connection_kwargs, "decode_responses": False}
    raw = redis.Redis(**kwargs)
    queue = JobQueue(raw, prefix)
    queue.enqueue(5)
    [message] = queue.read("w1", block_ms=100)
    assert message.job_id == 5
    assert isinstance(message.message_id, str)
    queue.ack(message)
    raw.close()


# --- a job is in the stream once; leases ---------------------------------------------------


def test_a_job_is_enqueued_once_until_its_entry_is_acked(queue: JobQueue) -> None:
    first = queue.enqueue(4)
    assert first is not None
    assert queue.enqueue(4) is None
    assert queue.length() == 1
    [message] = queue.read("w1", block_ms=100)
    assert queue.enqueue(4) is None  # pending counts as held
    queue.ack(message)
    assert queue.enqueue(4) is not None
    assert queue.length() == 1


def test_a_deleted_stream_does_not_block_enqueueing(queue: JobQueue) -> None:
    queue.enqueue(4)
    queue.client.delete(queue.stream_key)  # the hash still names the lost entry
    assert queue.enqueue(4) is not None


def test_an_entry_id_reused_by_a_new_stream_does_not_hide_a_lost_job(queue: JobQueue) -> None:
    lost = queue.enqueue(4)
    assert lost is not None
    queue.client.delete(queue.stream_key)
    # A new stream hands out the same id to another job (it happens within one millisecond).
    queue.client.xadd(queue.stream_key, {"job_id": "5"}, id=lost)
    assert queue.enqueue_missing([4]) == [4]


def test_promoting_a_retry_of_a_job_already_in_the_stream_adds_nothing(queue: JobQueue) -> None:
    now = time.time()
    queue.enqueue(3)
    queue.schedule_retry(3, 0.0, now=now)
    assert queue.promote_due(now=now + 1) == [3]  # moved out of the retry set ...
    assert queue.length() == 1  # ... but not added twice
    assert queue.retry_due_times() == {}


def test_enqueue_missing_adds_only_jobs_redis_holds_nowhere(queue: JobQueue) -> None:
    queue.enqueue(1)  # in the stream
    queue.schedule_retry(2, 60.0)  # waiting out a backoff
    queue.enqueue(3)
    [leased] = [m for m in queue.read("w1", block_ms=100, count=5) if m.job_id == 3]
    assert queue.take_lease(leased, "w1/a", ttl_ms=60_000) is None
    queue.ack(leased)  # its entry gone, but a worker runs it
    assert queue.enqueue_missing([1, 2, 3, 4, 5]) == [4, 5]
    assert queue.enqueue_missing([1, 2, 3, 4, 5]) == []
    assert queue.length() == 3


def test_a_lease_is_held_by_one_worker_until_released_or_expired(queue: JobQueue) -> None:
    queue.enqueue(7)
    [message] = queue.read("w1", block_ms=100)
    assert queue.take_lease(message, "w1/a", ttl_ms=60_000) is None
    holder = queue.take_lease(message, "w2/b", ttl_ms=60_000)
    assert holder == f"w1/a {message.message_id}"
    assert not queue.renew_lease(message, "w2/b", "w2", ttl_ms=60_000)
    assert queue.renew_lease(message, "w1/a", "w1", ttl_ms=60_000)
    queue.release_lease(message, "w2/b")  # not its lease: nothing happens
    assert queue.take_lease(message, "w2/b", ttl_ms=60_000) is not None
    queue.release_lease(message, "w1/a")
    assert queue.take_lease(message, "w2/b", ttl_ms=100) is None
    time.sleep(0.15)
    assert queue.take_lease(message, "w3/c", ttl_ms=100) is None  # the old one ran out


def test_renewing_a_lease_keeps_the_entry_from_being_reclaimed(queue: JobQueue) -> None:
    queue.enqueue(8)
    [message] = queue.read("w1", block_ms=100)
    queue.take_lease(message, "w1/a", ttl_ms=60_000)
    time.sleep(0.1)
    assert queue.renew_lease(message, "w1/a", "w1", ttl_ms=60_000)
    assert queue.reclaim("w2", min_idle_ms=80) == []  # idle time was reset
    [row] = queue.pending()
    assert (row["consumer"], row["deliveries"]) == ("w1", 1)
    # Redis lost the lease (a flush): the holder sets it again.
    queue.client.delete(queue.lease_key(8))
    assert queue.renew_lease(message, "w1/a", "w1", ttl_ms=60_000)
    assert queue.take_lease(message, "w2/b", ttl_ms=60_000) is not None


def test_a_lost_group_is_made_again_and_counted(queue: JobQueue) -> None:
    queue.enqueue(1)
    assert queue.groups_recreated == 0
    queue.client.delete(queue.stream_key, queue.in_stream_key)
    queue.client.xadd(queue.stream_key, {"job_id": "2"})  # a web process's XADD after the loss
    assert queue.read("w1", block_ms=20) == []
    assert queue.groups_recreated == 1
    [message] = queue.read("w1", block_ms=100)
    assert message.job_id == 2
    queue.client.delete(queue.stream_key)
    queue.client.xadd(queue.stream_key, {"job_id": "3"})  # a stream without the group
    queue.ack(message)  # nothing left to ack: no error
