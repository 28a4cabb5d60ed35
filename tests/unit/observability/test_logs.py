"""The log formats: JSON lines that parse, with the context ids and fields; text lines; the
credential guard; and which loggers LOG_LEVEL reaches."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from healthapp.observability import logs


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The root logger as configure() leaves it, writing into a buffer; restored after."""
    root = logging.getLogger()
    saved = (root.level, list(root.handlers), logging.getLogger("healthapp").level)
    stream = io.StringIO()
    yield stream
    for handler in list(root.handlers):
        if getattr(handler, "_healthapp_handler", False):
            root.removeHandler(handler)
    root.setLevel(saved[0])
    for handler in saved[1]:
        if handler not in root.handlers:
            root.addHandler(handler)
    logging.getLogger("healthapp").setLevel(saved[2])


def configured(stream: io.StringIO, level: str, fmt: logs.LogFormat) -> None:
    logs.configure(level, fmt, process="test")
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_healthapp_handler", 0))
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)


def lines(stream: io.StringIO) -> list[str]:
    return [line for line in stream.getvalue().splitlines() if line]


def test_json_lines_carry_the_ids_and_fields(captured: io.StringIO) -> None:
    configured(captured, "INFO", "json")
    log = logging.getLogger("healthapp.test")
    request = logs.REQUEST_ID.set("req-1")
    job = logs.JOB_ID.set(42)
    try:
        log.info("saved %s", "thing", extra={"fields": {"duration_ms": 1.5, "route": "/x"}})
    finally:
        logs.REQUEST_ID.reset(request)
        logs.JOB_ID.reset(job)
    log.warning("plain")
    first, second = (json.loads(line) for line in lines(captured))
    assert first["message"] == "saved thing"
    assert (first["level"], first["logger"], first["process"]) == ("INFO", "healthapp.test", "test")
    assert (first["request_id"], first["job_id"]) == ("req-1", 42)
    assert (first["duration_ms"], first["route"]) == (1.5, "/x")
    assert first["ts"].endswith("Z")
    assert "request_id" not in second
    assert "job_id" not in second


def test_a_traceback_stays_inside_its_json_line(captured: io.StringIO) -> None:
    configured(captured, "INFO", "json")
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("healthapp.test").exception("failed")
    [line] = lines(captured)
    record = json.loads(line)
    assert "ValueError: boom" in record["exc"]


def test_text_lines_put_the_fields_after_the_message(captured: io.StringIO) -> None:
    configured(captured, "INFO", "text")
    logging.getLogger("healthapp.worker").info(
        "analysis_job", extra={"fields": {"event": "analysis_job", "job_id": 7}}
    )
    [line] = lines(captured)
    assert " INFO test healthapp.worker: analysis_job " in line
    # What bench/pipeline.py and the worker tests look for in a text log.
    assert json.loads(line[line.index('{"event": "analysis_job"') :]) == {
        "event": "analysis_job",
        "job_id": 7,
    }


def test_credential_like_fields_are_redacted_whatever_their_value(captured: io.StringIO) -> None:
    configured(captured, "INFO", "json")
    fields = {"password": "hunter2-x", "session_token": "tok-abc", "Cookie": "c=1",
              "nested": {"api_secret": "s3"}, "authorization": "Bearer z",
              "route": "/ok"}  # fmt: skip
    logging.getLogger("healthapp.test").info("x", extra={"fields": fields})
    [line] = lines(captured)
    for secret in ("hunter2-x", "tok-abc", "c=1", "s3", "Bearer z"):
        assert secret not in line
    record = json.loads(line)
    assert record["route"] == "/ok"
    assert record["password"] == record["nested"]["api_secret"] == logs.REDACTED


def test_log_level_reaches_healthapp_loggers_only(captured: io.StringIO) -> None:
    configured(captured, "DEBUG", "json")
    logging.getLogger("healthapp.events").debug("ours")
    # Libraries that log payloads, frames or SQL parameters at debug level stay quiet.
    for name in ("reflex", "sqlalchemy.engine", "socketio", "tokio_tungstenite"):
        logging.getLogger(name).debug("glucose 287 in a payload")
        logging.getLogger(name).info("glucose 287 in a payload")
    logging.getLogger("sqlalchemy.engine").warning("library warning")
    messages = [json.loads(line)["message"] for line in lines(captured)]
    assert messages == ["ours", "library warning"]


def test_info_hides_healthapp_debug_lines(captured: io.StringIO) -> None:
    configured(captured, "INFO", "text")
    logging.getLogger("healthapp.events").debug("event line")
    logging.getLogger("healthapp.http").info("request line")
    assert [line.split(": ", 1)[1] for line in lines(captured)] == ["request line"]


def test_configure_twice_keeps_one_handler(captured: io.StringIO) -> None:
    logs.configure("INFO", "text", process="a")
    logs.configure("INFO", "json", process="b")
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_healthapp_handler", 0)]
    assert len(ours) == 1
    assert isinstance(ours[0].formatter, logs.JsonFormatter)
