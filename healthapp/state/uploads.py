"""What the upload pickers report when the browser refuses a file before any upload."""

from __future__ import annotations

from typing import Any

# react-dropzone's ErrorCode values -> the message that names the broken rule.
REFUSAL_KEYS = {
    "file-invalid-type": "upload.wrong_type",
    "file-too-large": "upload.file_too_large",
    "too-many-files": "upload.too_many_files",
}
UNKNOWN_REFUSAL = "upload.refused"


def refusal_key(rejections: list[dict[str, Any]]) -> str:
    """The key for the first error of on_drop_rejected's list (browser data: any shape)."""
    for rejection in rejections if isinstance(rejections, list) else []:
        errors = rejection.get("errors") if isinstance(rejection, dict) else None
        for error in errors if isinstance(errors, list) else []:
            if isinstance(error, dict):
                return REFUSAL_KEYS.get(str(error.get("code", "")), UNKNOWN_REFUSAL)
    return UNKNOWN_REFUSAL


def refused_names(rejections: list[dict[str, Any]], *, limit: int = 3) -> str:
    """The first few refused file names, for the message (shortened: they come from the client)."""
    names: list[str] = []
    for rejection in rejections if isinstance(rejections, list) else []:
        file = rejection.get("file") if isinstance(rejection, dict) else None
        name = file.get("path") or file.get("name") if isinstance(file, dict) else None
        if isinstance(name, str) and name:
            names.append(name.rsplit("/", 1)[-1][:60])
    shown = ", ".join(names[:limit])
    return shown + (", ..." if len(names) > limit else "")
