"""Where a save's or a delete's toast shows: at the top, just below the header.

At Sonner's default place (the bottom corner; the full width of a phone's bottom edge) a
stack of toasts lies over what the person taps next: the form's Add button on a phone, the
rows' Edit and Delete on a desktop. Just below the header it covers neither those nor the
header's menu and log-out."""

from __future__ import annotations

import reflex as rx

# The header is 58-61 px high (one row on every width the app supports); 4 px of air.
BELOW_HEADER = "64px"


def toast_provider() -> rx.Component:
    return rx.toast.provider(
        position="top-center",
        # Sonner takes per-side offsets (the other sides keep its defaults) and a second set
        # for widths under 600 px; Reflex's provider declares neither form.
        custom_attrs={"offset": {"top": BELOW_HEADER}, "mobileOffset": {"top": BELOW_HEADER}},
    )
