"""The security headers middleware, around a minimal Starlette app and around Reflex's own
static file server of the built frontend."""

from __future__ import annotations

import base64
import gzip
import hashlib
from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from healthapp.api.headers import MAX_HASHED_HTML_BYTES, security_headers
from healthapp.config import PROJECT_ROOT
from tests.aio import run

THEME = 'document.documentElement.dataset.theme = "dark";'
ROUTES = 'import "/assets/manifest.js";\nwindow.__routes = {"root": 1};'
PAGE = (
    f"<!DOCTYPE html><html><head><script>{THEME}</script>"
    '<script src="/assets/app.js"></script>'
    f'<script type="module" async="">{ROUTES}</script></head><body></body></html>'
)


def sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def directives(response: Response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {part.split(" ", 1)[0]: part.partition(" ")[2] for part in policy.split("; ")}


async def page(_request: Request) -> Response:
    return HTMLResponse(PAGE)


async def gzipped(_request: Request) -> Response:
    body = gzip.compress(PAGE.encode())
    return Response(body, media_type="text/html", headers={"content-encoding": "gzip"})


async def streamed(_request: Request) -> Response:
    async def parts() -> AsyncIterator[bytes]:
        for i in range(0, len(PAGE), 7):
            yield PAGE[i : i + 7].encode()

    return StreamingResponse(parts(), media_type="text/html; charset=utf-8")


async def huge(_request: Request) -> Response:
    async def parts() -> AsyncIterator[bytes]:
        yield PAGE.encode()
        yield b" " * (MAX_HASHED_HTML_BYTES + 1)
        yield b"<!-- end -->"

    return StreamingResponse(parts(), media_type="text/html")


async def data(_request: Request) -> Response:
    return JSONResponse({"ok": True})


async def encodings(request: Request) -> Response:
    return JSONResponse({"accept_encoding": request.headers.get("accept-encoding", "")})


@pytest.fixture
def client() -> TestClient:
    inner = Starlette(
        routes=[
            Route("/", page),
            Route("/gz", gzipped),
            Route("/streamed", streamed),
            Route("/huge", huge),
            Route("/data", data),
            Route("/encodings", encodings),
        ]
    )
    return TestClient(security_headers(inner), base_url="http://health.example:3000")


def test_an_html_page_gets_a_policy_with_the_hashes_of_its_own_inline_scripts(
    client: TestClient,
) -> None:
    response = client.get("/")
    assert response.text == PAGE  # the body is passed on untouched
    policy = directives(response)
    # the src= script is covered by 'self'; each inline one by its own hash, nothing else
    assert set(policy["script-src"].split()) == {"'self'", "'unsafe-eval'", sha(THEME), sha(ROUTES)}
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["frame-ancestors"] == "'none'"
    assert policy["connect-src"] == "'self' ws://health.example:3000 wss://health.example:3000"
    assert policy["object-src"] == "'none'"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/gz", "/streamed"])
def test_gzipped_and_streamed_pages_are_hashed_the_same(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.text == PAGE
    assert {sha(THEME), sha(ROUTES)} <= set(directives(response)["script-src"].split())


def test_a_page_too_large_to_hold_still_gets_a_policy_but_no_hashes(client: TestClient) -> None:
    response = client.get("/huge")
    assert response.content.endswith(b"<!-- end -->")
    assert directives(response)["script-src"] == "'self' 'unsafe-eval'"
    assert directives(response)["frame-ancestors"] == "'none'"


def test_other_responses_get_nosniff_and_referrer_policy_only(client: TestClient) -> None:
    response = client.get("/data")
    assert response.json() == {"ok": True}
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "content-security-policy" not in response.headers


def test_a_forged_host_does_not_reach_the_policy(client: TestClient) -> None:
    response = client.get("/", headers={"host": "evil.example; script-src *"})
    assert directives(response)["connect-src"] == "'self'"
    assert "evil" not in response.headers["content-security-policy"]


def test_only_encodings_the_middleware_can_read_are_asked_for(client: TestClient) -> None:
    sent = client.get("/encodings", headers={"accept-encoding": "br, zstd, gzip;q=0.8"}).json()
    assert sent == {"accept_encoding": "gzip;q=0.8"}


BUILT = PROJECT_ROOT / ".web" / "build" / "client"


def test_every_built_page_served_by_reflex_is_covered_by_its_policy() -> None:
    """Reflex's own static server (as the production backend mounts it, gzip copies included):
    every inline script of every page has its hash in that page's policy."""
    # Checked when the test runs, not at collection: in `make test` the e2e tests build it first.
    if not (BUILT / "index.html").exists():
        pytest.skip("the frontend is not built here (make run or the e2e tests build .web)")
    from reflex.utils.precompressed_staticfiles import PrecompressedStaticFiles

    static = PrecompressedStaticFiles(directory=BUILT, html=True, encodings=["gzip"])
    client = TestClient(security_headers(static))
    pages = sorted(BUILT.glob("*.html"))
    assert pages
    for built in pages:
        path = "/" if built.name == "index.html" else f"/{built.stem}"
        response = client.get(path, headers={"accept-encoding": "gzip, br"})
        assert response.status_code in (200, 404), path
        html = built.read_text()
        scripts = [
            part.split(">", 1)[1]
            for part in html.split("<script")[1:]
            if "src=" not in part.split(">", 1)[0]
        ]
        inline = {sha(s.split("</script>", 1)[0]) for s in scripts}
        assert inline, path
        assert inline <= set(directives(response)["script-src"].split()), path


def test_the_reflex_app_wraps_its_backend_in_the_middleware() -> None:
    from healthapp.healthapp import app

    transformers = app.api_transformer
    assert isinstance(transformers, list)
    # After the FastAPI app (which mounts Reflex, and the frontend in production): it wraps all.
    assert transformers.index(security_headers) > 0


def test_a_page_sent_as_a_path_is_read_hashed_and_sent_whole(tmp_path) -> None:
    """granian offers `http.response.pathsend`, which Starlette's FileResponse (Reflex's built
    pages) uses: the middleware must read that file itself, or the response never starts."""
    html = tmp_path / "index.html"
    html.write_text(PAGE)

    async def file_app(scope, receive, send) -> None:
        headers = [(b"content-type", b"text/html; charset=utf-8"),
                   (b"content-length", str(len(PAGE)).encode())]  # fmt: skip
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.pathsend", "path": str(html)})

    sent: list[dict] = []

    async def send(message) -> None:
        sent.append(message)

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"host", b"h:3000")],
             "extensions": {"http.response.pathsend": {}}}  # fmt: skip
    run(security_headers(file_app)(scope, receive, send))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert b"".join(m.get("body", b"") for m in sent[1:]) == PAGE.encode()
    policy = dict(sent[0]["headers"])[b"content-security-policy"].decode()
    assert sha(THEME) in policy
    assert sha(ROUTES) in policy
