import json
import threading

from bench import pipeline


def test_tracker_counts_final_announcements():
    tracker = pipeline.Tracker()
    tracker.seen(7, "analysing", 1.0)
    assert not tracker.wait(7, 0.01)
    tracker.seen(7, "done", 2.0)
    assert tracker.wait(7, 0.01)
    tracker.seen(7, "done", 3.0)
    assert tracker.final(7) == [("done", 2.0), ("done", 3.0)]
    assert tracker.final(8) == []


def test_tracker_wakes_a_waiter_in_another_thread():
    tracker = pipeline.Tracker()
    result = []
    thread = threading.Thread(target=lambda: result.append(tracker.wait(3, 5)))
    thread.start()
    tracker.seen(3, "failed", 1.0)
    thread.join()
    assert result == [True]


def test_parse_args_levels():
    args = pipeline.parse_args(["--uploaders", "1, 10,20", "--duration", "5"])
    assert args.levels == [1, 10, 20]
    assert args.duration == 5


def test_worker_breakdown_reads_the_job_log(tmp_path):
    record = {
        "event": "analysis_job",
        "job_id": 5,
        "outcome": "done",
        "infer_ms": 12.0,
        "queued_ms": 3.0,
        "total_ms": 30.0,
    }
    other = {"event": "analysis_job", "job_id": 6, "outcome": "retry", "infer_ms": 99.0}
    log = tmp_path / "worker.log"
    log.write_text(
        "2026-01-01 00:00:00 INFO healthapp.worker: " + json.dumps(record) + "\n"
        "2026-01-01 00:00:00 INFO healthapp.worker: " + json.dumps(other) + "\n"
        "not json\n"
    )
    phase = pipeline.Phase(
        "1 uploader",
        1,
        1.0,
        [pipeline.Upload(5, 0, "1 uploader", 0, 0), pipeline.Upload(6, 0, "1 uploader", 0, 0)],
    )
    (row,) = pipeline.worker_breakdown([log], [phase])
    assert row[0] == "1 uploader"
    assert row[1] == 3.0  # queued
    assert row[5] == 12.0  # infer
    assert row[7] == 30.0  # total
