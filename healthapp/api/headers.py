"""Security headers on every HTTP response of the web process: one ASGI middleware, hooked in by
rx.App(api_transformer=[..., security_headers]) so that it wraps the REST routes, Reflex's own
endpoints and the compiled frontend that the backend serves in production.

Every response gets `X-Content-Type-Options: nosniff` and a Referrer-Policy; HTML responses also
get a Content-Security-Policy and `X-Frame-Options: DENY` (frame-ancestors for old browsers).

What the policy allows, and why (read from the built .web/build/client output of Reflex 0.10):
- scripts: 'self' (the /assets bundles) and the SHA-256 of each inline <script> of the page
  being sent (React Router's prerendered pages carry about nine: theme, scroll restoration,
  route modules, hydration data), hashed here from the body itself so a rebuild needs no
  edit. 'unsafe-eval', because Reflex runs rx.call_script (state/base.py learns the browser's
  time zone with it) through eval(); no 'unsafe-inline': an injected <script> does not run.
- styles: 'unsafe-inline', because emotion (Reflex's CSS-in-JS) inserts <style> elements at
  run time; styles cannot run code.
- connections: 'self' plus ws:// and wss:// of the request's host, for Reflex's event socket
  (/_event; older browsers do not let 'self' cover ws:).
- images: 'self', data: and blob: (the preview of a photo picked for upload).
- nothing may frame a page (clickjacking), no plugins, no <base> or form target elsewhere.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
from collections.abc import Iterable

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REFERRER_POLICY = "same-origin"
# An HTML page larger than this is sent without inline-script hashes (its inline scripts then do
# not run) rather than held in memory: Reflex's pages are ~10 kB.
MAX_HASHED_HTML_BYTES = 2 * 1024 * 1024

_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.S | re.I)
_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")
# Encodings this module can read back to hash a page; others are taken off Accept-Encoding.
_READABLE_ENCODINGS = {"gzip", "identity"}

_ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", REFERRER_POLICY.encode()),
]


def content_security_policy(script_hashes: Iterable[str], host: str | None) -> str:
    """The page's policy: `script_hashes` are 'sha256-...' sources of its inline scripts;
    `host` (the request's Host, when well formed) adds its ws:// and wss:// origins."""
    scripts = " ".join(["'self'", "'unsafe-eval'", *sorted(set(script_hashes))])
    sockets = f" ws://{host} wss://{host}" if host else ""
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            f"connect-src 'self'{sockets}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def inline_script_hashes(html: bytes) -> list[str]:
    """CSP hash sources of the inline scripts of `html` (the bytes between the tags are the
    script's text as the browser hashes it: script content is raw text, never unescaped)."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html)
    ]


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _request_host(scope: Scope) -> str | None:
    raw = _header(scope.get("headers", []), b"host")
    host = raw.decode("latin-1") if raw else ""
    return host if _HOST.fullmatch(host) else None


def _readable_encodings_only(scope: Scope) -> Scope:
    """The request with Accept-Encoding cut to what this module can decode (the build makes
    gzip copies only, so nothing that is served precompressed is lost)."""
    headers = []
    for key, value in scope.get("headers", []):
        if key.lower() == b"accept-encoding":
            kept = [
                part
                for part in value.decode("latin-1").split(",")
                if part.split(";")[0].strip().lower() in _READABLE_ENCODINGS
            ]
            value = ",".join(kept).strip().encode("latin-1")
        headers.append((key, value))
    return {**scope, "headers": headers}


def _decoded(body: bytes, encoding: bytes | None) -> bytes | None:
    if encoding is None or encoding.strip().lower() == b"identity":
        return body
    if encoding.strip().lower() == b"gzip":
        try:
            return gzip.decompress(body)
        except (OSError, EOFError):
            return None
    return None


class SecurityHeaders:
    """The ASGI middleware; `security_headers` is its api_transformer form."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # the event websocket: no response headers to add
            await self.app(scope, receive, send)
            return
        host = _request_host(scope)
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal start, size
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), *_ALWAYS]
                content_type = _header(headers, b"content-type") or b""
                if not content_type.lower().startswith(b"text/html"):
                    await send({**message, "headers": headers})
                    return
                start = {**message, "headers": headers}  # sent once the page is hashed
                return
            if message["type"] == "http.response.pathsend" and start is not None:
                # Starlette's FileResponse hands the server a path (granian's pathsend): read
                # the page here instead, since it must be hashed before it goes out.
                page = await anyio.Path(message["path"]).read_bytes()
                await self._send_page(start, [page], host, send, more=False)
                start = None
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if message.get("more_body", False) and size <= MAX_HASHED_HTML_BYTES:
                return
            await self._send_page(start, chunks, host, send, more=message.get("more_body", False))
            start = None
            chunks.clear()

        await self.app(_readable_encodings_only(scope), receive, send_with_headers)

    @staticmethod
    async def _send_page(
        start: Message, chunks: list[bytes], host: str | None, send: Send, *, more: bool
    ) -> None:
        body = b"".join(chunks)
        headers = list(start["headers"])
        page = None if more else _decoded(body, _header(headers, b"content-encoding"))
        hashes = inline_script_hashes(page) if page is not None else []
        headers.append((b"content-security-policy", content_security_policy(hashes, host).encode()))
        headers.append((b"x-frame-options", b"DENY"))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": more})


def security_headers(app: ASGIApp) -> ASGIApp:
    """For rx.App(api_transformer=[..., security_headers]): the app with the headers added."""
    return SecurityHeaders(app)
