"""The Reflex app: pages, theme and styles."""

import reflex as rx
from reflex.components.component import ComponentStyle

import healthapp.pages  # noqa: F401  (registers every page through its @template decorator)
from healthapp.api import api
from healthapp.api.forwarded import forwarded_proto
from healthapp.api.headers import security_headers
from healthapp.api.observe import observe_requests
from healthapp.api.session_socket import session_socket
from healthapp.api.upload_limits import limit_uploads
from healthapp.components.head import head_components
from healthapp.components.toasts import toast_provider
from healthapp.observability import logs
from healthapp.state.observe import ObserveEvents

PHONE_MEDIA = "@media (max-width: 47.99em)"

STYLE: ComponentStyle = {
    # A phone (below Radix's sm, 48em) keeps its narrow width for the content. Here, not in
    # assets/responsive.css: these global rules would outrank the stylesheet's.
    ".app-header": {
        "padding": "0.75em 1.5em",
        "border_bottom": "1px solid var(--gray-a5)",
        PHONE_MEDIA: {"padding": "0.5em 0.75em"},
    },
    ".app-main": {
        "padding": "1.5em",
        "max_width": "72rem",
        "margin": "0 auto",
        PHONE_MEDIA: {"padding": "1em 0.75em"},
    },
    ".field-label": {"font_weight": "500", "font_size": "0.9em"},
    ".native-select": {
        "padding": "0.35em 0.5em",
        "border_radius": "var(--radius-2)",
        "border": "1px solid var(--gray-a7)",
        "background": "var(--color-background)",
        "width": "100%",
    },
    ".language-switch": {
        "padding": "0.3em 0.5em",
        "border_radius": "6px",
        "border": "1px solid var(--gray-a7)",
        "background": "var(--color-background)",
    },
}

# The REST routes (/api/...) and /metrics are served by the same backend, on the same port. The
# transformers apply in order, each wrapping the ones before: session_socket hands Reflex's
# event socket the session's hash instead of the cookie, limit_uploads bounds bodies before any
# route reads them, observe_requests gives each request its id, log line and metrics (it sees
# the route that answered and the refusals of limit_uploads), the headers middleware (which
# reads no request body) wraps those, and forwarded_proto, outermost, gives every layer the
# scheme the TLS proxy saw (https behind Caddy).
# assets/responsive.css holds the rules that need media queries (phone layout, touch targets).
app = rx.App(
    style=STYLE,
    stylesheets=["/responsive.css"],
    head_components=head_components(),
    toaster=toast_provider(),
    api_transformer=[
        api,
        session_socket,
        limit_uploads,
        observe_requests,
        security_headers,
        forwarded_proto,
    ],
)
# Each Reflex event timed and counted by handler (state/observe.py).
app.add_middleware(ObserveEvents())


def _configure_logging() -> None:
    """LOG_LEVEL and LOG_FORMAT for the web process, as each server worker starts."""
    logs.configure_from_settings(process="web")


app.register_lifespan_task(_configure_logging)
