"""The app behind Caddy over HTTPS, as deployed: the shipped deploy/caddy/Caddyfile run by
Debian's Caddy with its internal CA (`tls internal`) in front of the app that the launcher
starts (`make run`, production build, HEALTHAPP_ENV=production), driven in Chromium.

- Sign-up, a saved glucose reading and a meal photo, all over https:// with the event socket on
  wss://, no request over plain http:// or ws:// (no mixed content), no CSP violation.
- The headers through the proxy: HSTS (Caddy's), the app's own Content-Security-Policy,
  frame-ancestors and X-Frame-Options, nosniff; /metrics answered 404 by Caddy itself.
- X-Forwarded-For believed only from the proxy (TRUSTED_PROXIES=127.0.0.1/32): the log-in
  throttle per client (LOGIN_MAX_FAILURES_CLIENT) counts the socket's peer when a request comes
  straight to the app with a forged header, and the address Caddy saw when it comes through
  Caddy. The loopback network is all of 127/8, so clients bind their own source addresses
  (127.0.0.2 and up) and stand for different machines; Caddy reaches the app from 127.0.0.1.
  (On one host anything else connecting from 127.0.0.1 is "the proxy" too; in production only
  the proxy reaches the app's port.) X-Forwarded-Proto likewise: redirects through Caddy stay on
  https://, a forged one sent straight to the app changes nothing.

Trust, without touching the system's store: Caddy writes its CA under a temporary
XDG_DATA_HOME; the test adds that root to an NSS database under a temporary HOME (certutil, from
libnss3-tools, which Debian's caddy depends on) and launches Chromium with that HOME, where
Linux Chromium reads user-trusted roots. `ignore_https_errors` stays False, so the chain is
verified for real (without the root in that database the same page fails with
ERR_CERT_AUTHORITY_INVALID); the certificate pin flag (--ignore-certificate-errors-spki-list) is
not needed. Python's clients verify against the same root file.

Why the site is https://127.0.0.1:<free port> and the build gets REFLEX_API_URL: Reflex's
frontend rewrites a "localhost" backend URL to the page's host and, on an HTTPS page, drops the
port (it assumes 443). Behind a proxy on 443 (production) that default is right; on a free port
the build must be told the public URL, under a host name that is not "localhost". That build goes
to its own web directory (REFLEX_WEB_WORKDIR=.web-tls), so the other e2e tests' build in .web is
left alone.

Skipped only when `caddy` is not installed (`make test` installs it).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserType, Page, expect

from healthapp.processes import free_port, stop_group
from healthapp.services.auth.sessions import SESSION_COOKIE
from tests.e2e.conftest import CHROMIUM_ARGS, ROOT, RunningApp, launched_app
from tests.e2e.helpers import close_context, sign_up, toast, unique_login

CADDY = shutil.which("caddy")
CERTUTIL = shutil.which("certutil")
pytestmark = pytest.mark.skipif(
    CADDY is None, reason="caddy is not installed (`make test` installs it from Debian)"
)

CADDYFILE = ROOT / "deploy" / "caddy" / "Caddyfile"
PHOTO = Path(__file__).resolve().parents[1] / "fixtures" / "photos" / "apple.jpg"
HOST = "127.0.0.1"  # the site's name and the proxy's address as the app sees it
# Failed password checks one client may make; the next is refused with 429.
CLIENT_LIMIT = 3


@dataclass
class Stack:
    app: RunningApp  # app.url is the proxy's https:// URL
    https_port: int
    ca_root: Path  # Caddy's local root certificate
    caddy_log: Path

    @property
    def direct_url(self) -> str:
        return f"http://{HOST}:{self.app.port}"

    def tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_root))


def _wait_for(
    what: str, done: Callable[[], bool], log: Path, process: subprocess.Popen[bytes]
) -> None:
    deadline = time.monotonic() + 60
    while not done():
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{what}:\n{log.read_text(errors='replace')[-4000:]}")
        time.sleep(0.25)


def _proxy_answers(url: str, ca_root: Path) -> bool:
    if not ca_root.exists():
        return False
    try:
        context = ssl.create_default_context(cafile=str(ca_root))
        return httpx.get(f"{url}/ping", verify=context, timeout=3).status_code == 200
    except (httpx.HTTPError, ssl.SSLError):
        return False  # the site's certificate may not be issued yet


@contextlib.contextmanager
def caddy(tmp: Path, https_port: int, upstream_port: int) -> Iterator[tuple[Path, Path]]:
    """Caddy with the shipped Caddyfile; yields (its root certificate, its log)."""
    assert CADDY is not None
    home = tmp / "home"
    home.mkdir()
    log = tmp / "caddy.log"
    env = {
        **os.environ,
        # Caddy's CA, certificates and autosave land here, nowhere else.
        "HOME": str(home),
        "XDG_DATA_HOME": str(tmp / "data"),
        "XDG_CONFIG_HOME": str(tmp / "config"),
        "DOMAIN": HOST,
        "CADDY_TLS": "internal",
        "WEB_UPSTREAM": f"{HOST}:{upstream_port}",
        "HTTPS_PORT": str(https_port),
        "HTTP_PORT": str(free_port()),
        "CADDY_ADMIN": "off",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [CADDY, "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        ca_root = tmp / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
        # Probe only once Caddy says it listens (a free port in the ephemeral range must not be
        # connected to before: the probe could connect to itself).
        _wait_for(
            "caddy did not start",
            lambda: "serving initial configuration" in log.read_text(errors="replace"),
            log,
            process,
        )
        url = f"https://{HOST}:{https_port}"
        _wait_for("caddy did not proxy /ping", lambda: _proxy_answers(url, ca_root), log, process)
        yield ca_root, log
    finally:
        stop_group(process, grace=10)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    https_port = free_port()
    public = f"https://{HOST}:{https_port}"
    settings = {
        "HEALTHAPP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "TRUSTED_PROXIES": f"{HOST}/32",
        "LOGIN_MAX_FAILURES_CLIENT": str(CLIENT_LIMIT),
        "REFLEX_API_URL": public,
        "REFLEX_WEB_WORKDIR": str(ROOT / ".web-tls"),
    }
    var_dir = tmp_path_factory.mktemp("var-tls")
    with contextlib.ExitStack() as started:
        running = started.enter_context(launched_app(var_dir, settings, url=public))
        proxy = caddy(tmp_path_factory.mktemp("caddy"), https_port, running.port)
        ca, log = started.enter_context(proxy)
        yield Stack(running, https_port, ca, log)


@pytest.fixture(scope="module")
def app(stack: Stack) -> RunningApp:
    """This module's app, behind the proxy (it overrides the plain one of conftest.py)."""
    return stack.app


@pytest.fixture(scope="module")
def trusting_browser(
    stack: Stack, browser_type: BrowserType, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Browser]:
    """Chromium that trusts Caddy's root through an NSS database under its own HOME."""
    if CERTUTIL is None:
        pytest.fail("certutil is missing (Debian's libnss3-tools, which `make test` installs)")
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed; `make test` installs it")
    home = tmp_path_factory.mktemp("chromium-home")
    nssdb = home / ".pki" / "nssdb"
    nssdb.mkdir(parents=True)
    root = str(stack.ca_root)
    for argv in (
        [CERTUTIL, "-N", "-d", f"sql:{nssdb}", "--empty-password"],
        [CERTUTIL, "-A", "-d", f"sql:{nssdb}", "-n", "caddy-test-root", "-t", "C,,", "-i", root],
    ):
        subprocess.run(argv, check=True, capture_output=True, timeout=30)
    browser = browser_type.launch(
        executable_path=executable, args=CHROMIUM_ARGS, env={**os.environ, "HOME": str(home)}
    )
    yield browser
    browser.close()


@pytest.fixture
def page(trusting_browser: Browser) -> Iterator[Page]:
    context = trusting_browser.new_context(
        ignore_https_errors=False, locale="en-US", timezone_id="Asia/Seoul"
    )
    page = context.new_page()
    yield page
    close_context(context)


def test_sign_up_a_reading_and_a_meal_photo_over_https_and_wss(
    page: Page, app: RunningApp, stack: Stack
) -> None:
    sockets: list[str] = []
    requests: list[str] = []
    problems: list[str] = []
    page.on("websocket", lambda socket: sockets.append(socket.url))
    page.on("request", lambda request: requests.append(request.url))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if re.search(r"Mixed Content|Content.Security.Policy|ERR_CERT", message.text)
            else None
        ),
    )

    response = page.goto(f"{app.url}/signup")
    assert response is not None
    assert response.ok
    assert page.evaluate("window.isSecureContext")
    headers = response.headers
    assert "max-age=" in headers.get("strict-transport-security", "")
    policy = headers.get("content-security-policy", "")
    assert "'sha256-" in policy, policy  # the app's own policy, with its page's script hashes
    assert f"wss://{HOST}:{stack.https_port}" in policy
    assert "frame-ancestors 'none'" in policy
    assert headers.get("x-frame-options") == "DENY"
    assert headers.get("x-content-type-options") == "nosniff"

    sign_up(page, app, unique_login("tls"))
    cookie = next(c for c in page.context.cookies() if c["name"] == SESSION_COOKIE)
    assert cookie["secure"], cookie
    assert cookie["httpOnly"], cookie

    # a glucose reading, saved and listed
    page.get_by_role("navigation").get_by_role("link", name="Glucose", exact=True).click()
    expect(page.get_by_role("heading", name="Blood glucose", exact=True)).to_be_visible()
    expect(page.get_by_label("Date and time", exact=True)).not_to_have_value("")
    page.get_by_label("Blood glucose", exact=True).fill("126")
    page.get_by_label("Timing", exact=True).select_option("fasting")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(toast(page, "Saved.")).to_be_visible()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("126 mg/dL")

    # a meal with a photo: uploaded over https, saved, shown, analysed (the result is pushed
    # over the socket)
    page.get_by_role("navigation").get_by_role("link", name="Meals").click()
    expect(page.get_by_role("heading", name="Meals", exact=True)).to_be_visible()
    expect(page.get_by_label("Date and time")).not_to_have_value("")
    page.get_by_label("Meal", exact=True).select_option("lunch")
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Choose photos").click()
    chooser.value.set_files(PHOTO)
    with page.expect_response(lambda r: "/_upload" in r.url) as upload:
        page.get_by_role("button", name="Save meal").click()
    assert upload.value.ok, upload.value.status
    assert upload.value.url.startswith(f"{app.url}/"), upload.value.url
    expect(toast(page, "Meal saved")).to_be_visible()
    meal = page.get_by_role("region", name="Lunch")
    photo = meal.get_by_role("img", name="Meal photo")
    expect(photo).to_be_visible()
    expect(meal.get_by_role("status").filter(has_text="Analysed")).to_be_visible(timeout=30_000)
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")

    page.reload()  # the reading and the meal are stored, not only shown
    expect(
        page.get_by_role("region", name="Lunch").get_by_role("img", name="Meal photo")
    ).to_be_visible()

    assert sockets, "the page opened no websocket"
    events = f"wss://{HOST}:{stack.https_port}/_event"
    assert all(url.startswith(events) for url in sockets), sockets
    plain = [url for url in requests if url.startswith(("http:", "ws:"))]
    assert not plain, f"requests over plain http/ws (mixed content): {plain}"
    assert not problems, problems


def test_metrics_are_not_served_through_the_proxy(stack: Stack) -> None:
    with httpx.Client(base_url=stack.app.url, verify=stack.tls(), timeout=10) as client:
        for path in ("/metrics", "/METRICS", "/%6detrics", "/metrics/"):
            response = client.get(path)
            assert response.status_code == 404, (path, response.status_code)
            # Caddy's own answer: the app's 404 page would be HTML with its CSP
            assert response.content == b"", (path, response.text[:200])
            assert "content-security-policy" not in response.headers, path
        ping = client.get("/ping")  # any other path reaches the app
        assert ping.status_code == 200
        assert "max-age=" in ping.headers.get("strict-transport-security", "")
        assert ping.headers.get("x-content-type-options") == "nosniff"


def test_redirects_stay_on_https_and_forged_proto_is_ignored(stack: Stack) -> None:
    with httpx.Client(base_url=stack.app.url, verify=stack.tls(), timeout=10) as client:
        redirect = client.get("/signup")  # Starlette adds the trailing slash
        assert redirect.status_code == 307
        assert redirect.headers["location"] == f"{stack.app.url}/signup/"
    with _client(stack.direct_url, "127.0.0.3") as direct:
        redirect = direct.get("/signup", headers={"X-Forwarded-Proto": "https"})
        assert redirect.status_code == 307
        assert redirect.headers["location"].startswith("http://"), redirect.headers


def _token_attempt(client: httpx.Client, headers: dict[str, str] | None = None) -> int:
    """One wrong password for a fresh login (so only the per-client window fills up)."""
    response = client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": unique_login("x"), "password": "wrong" * 3},
        headers=headers or {},
    )
    assert response.status_code in {401, 429}, (response.status_code, response.text[:300])
    return response.status_code


def _client(base_url: str, source: str, verify: ssl.SSLContext | bool = True) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=source, verify=verify)
    return httpx.Client(base_url=base_url, transport=transport, timeout=30)


def test_forwarded_for_is_believed_from_the_proxy_only(stack: Stack) -> None:
    # Straight to the app from 127.0.0.3, a new forged X-Forwarded-For every time: were the
    # header believed, each attempt would count for another "client" and none would be refused.
    with _client(stack.direct_url, "127.0.0.3") as direct:
        for n in range(CLIENT_LIMIT):
            forged = {"X-Forwarded-For": f"203.0.113.{n + 1}"}
            assert _token_attempt(direct, forged) == 401
        assert _token_attempt(direct, {"X-Forwarded-For": "198.51.100.7"}) == 429

    # Through Caddy: the peer is the proxy (127.0.0.1, trusted), and the address Caddy saw is
    # what counts. 127.0.0.2 uses up its own window ...
    with _client(stack.app.url, "127.0.0.2", stack.tls()) as proxied:
        for _ in range(CLIENT_LIMIT):
            assert _token_attempt(proxied) == 401
        assert _token_attempt(proxied) == 429
    # ... and 127.0.0.4, through the same proxy, is another client, not refused; even when it
    # forges 127.0.0.2's address, Caddy replaces the header, so it cannot spend that window.
    # (Were the proxy's own address counted, the window would be full for both.)
    with _client(stack.app.url, "127.0.0.4", stack.tls()) as other:
        assert _token_attempt(other) == 401
        assert _token_attempt(other, {"X-Forwarded-For": "127.0.0.2"}) == 401
    # 127.0.0.3's window, filled directly, is its own too: through the proxy it is still full.
    with _client(stack.app.url, "127.0.0.3", stack.tls()) as again:
        assert _token_attempt(again) == 429
