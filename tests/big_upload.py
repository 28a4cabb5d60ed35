"""A multipart upload of any size, generated while it is sent, and the resident memory of a
process tree: what the 200 MB refusal tests (integration and e2e) share.

The body comes from one 64 KiB buffer, reused, over a raw socket, so neither side of the test
holds it; the reply is read by a second thread while the body is still going out, because the
server answers and closes before the body ends."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from healthapp.api.upload_limits import UPLOAD_PATH
from healthapp.services.auth import sessions

MB = 1024 * 1024
CHUNK = b"\0" * (64 * 1024)
BOUNDARY = "healthapp-test-boundary"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


def rss(pids: Iterable[int]) -> int:
    """Resident bytes of these processes together (gone ones count 0)."""
    total = 0
    for pid in set(pids):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


def post_upload(
    port: int, size: int, *, cookie: str = "", chunked: bool = False, handler: str = "h"
) -> Reply:
    """POST to the upload route a multipart body with one file of `size` zero bytes."""
    head = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n').encode()  # fmt: skip
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    lines = [f"POST {UPLOAD_PATH} HTTP/1.1", f"Host: 127.0.0.1:{port}",
             f"Content-Type: multipart/form-data; boundary={BOUNDARY}",
             "Reflex-Client-Token: t", f"Reflex-Event-Handler: {handler}",
             "Connection: close"]  # fmt: skip
    if cookie:
        lines.append(f"Cookie: {sessions.SESSION_COOKIE}={cookie}")
    lines.append("Transfer-Encoding: chunked" if chunked else
                 f"Content-Length: {len(head) + size + len(tail)}")  # fmt: skip
    received = bytearray()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:

        def read() -> None:
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                received.extend(data)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()

        def parts() -> Iterator[bytes]:
            yield head
            for start in range(0, size, len(CHUNK)):
                yield CHUNK[: min(len(CHUNK), size - start)]
            yield tail

        try:
            conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            for part in parts():
                if b"\r\n\r\n" in received:  # answered: the rest would go unread
                    break
                conn.sendall(b"%x\r\n%b\r\n" % (len(part), part) if chunked else part)
            else:
                if chunked:
                    conn.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server refused and closed while the body was going out
        reader.join(timeout=30)
    head_bytes, _, body = bytes(received).partition(b"\r\n\r\n")
    status_line, *header_lines = head_bytes.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in header_lines if ": " in line)
    return Reply(int(status_line.split()[1]), headers, body)
