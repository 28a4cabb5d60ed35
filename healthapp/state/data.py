"""Export all my data, print a report, import readings from a CSV file."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import reflex as rx
from sqlmodel import Session

from healthapp.db import utcnow
from healthapp.domain.errors import ServiceError, ValidationError
from healthapp.i18n import translate
from healthapp.services import importer, preferences
from healthapp.services.pending_files import default_pending_files
from healthapp.state.base import AppState, FormState, guarded
from healthapp.state.uploads import refusal_key, refused_names

NOT_MAPPED = "-1"


class DataState(FormState, AppState):
    report_start: str = ""
    report_end: str = ""

    import_kind: str = "glucose"
    file_name: str = ""
    header: rx.Field[list[str]] = rx.field(default_factory=list)
    sample: list[list[str]] = []
    row_count: int = 0
    fields: list[str] = []
    required: list[str] = []
    mapping: rx.Field[dict[str, str]] = rx.field(
        default_factory=dict
    )  # field -> column index as text ("-1": none)
    unit: str = "mg/dL"
    date_order: str = "ymd"
    row_errors: list[dict[str, str]] = []
    result: dict[str, str] = {}
    # The chosen file waits on disk (services/pending_files): state keeps only its name.
    _pending: str = ""

    @rx.var
    def shown_row_errors(self) -> list[str]:
        lang = self.current_lang
        return [
            translate(lang, "import.row_error", line=e["line"],
                      column=e["column"] or translate(lang, f"import.field.{e['field']}"),
                      message=translate(lang, e["key"], **e))
            for e in self.row_errors
        ]  # fmt: skip

    @rx.var
    def result_text(self) -> str:
        return translate(self.current_lang, "import.result", **self.result) if self.result else ""

    @rx.var
    def report_href(self) -> str:
        return (f"/api/export/report?start={self.report_start}&end={self.report_end}"
                f"&lang={self.current_lang}")  # fmt: skip

    @rx.event
    async def load(self) -> Any:
        self._clear_messages()
        self._forget_file()
        attempt = await self._attempt(
            lambda db, uid: preferences.get_preferences(db, user_id=uid).tz
        )
        if not attempt.ok or attempt.value is None:
            return attempt.redirect
        today = utcnow().astimezone(attempt.value).date()
        self.report_end = today.isoformat()
        self.report_start = (today - timedelta(days=29)).isoformat()
        return None

    def _forget_file(self) -> None:
        pending, self._pending = self._pending, ""
        default_pending_files().remove(pending)
        self.file_name, self.header, self.sample, self.fields, self.required = "", [], [], [], []
        self.mapping, self.row_errors, self.result, self.row_count = {}, [], {}, 0

    @rx.event
    def set_report_start(self, value: str) -> None:
        self.report_start = value

    @rx.event
    def set_report_end(self, value: str) -> None:
        self.report_end = value

    @rx.event
    def set_import_kind(self, value: str) -> None:
        self.import_kind = value if value in {k.value for k in importer.ImportKind} else "glucose"
        self._forget_file()

    def _show_service_error(self, exc: ServiceError) -> None:
        # The page has one place for a message, about the whole file, whatever field it names.
        self._show_error(exc.key, None, **exc.params)
        if isinstance(exc, importer.ImportInvalid):
            self.row_errors = [
                {"line": str(e.line), "field": e.field, "column": e.column, "key": e.key,
                 **{k: str(v) for k, v in e.params.items()}}
                for e in exc.errors
            ]  # fmt: skip

    @rx.event
    @guarded
    async def preview(self, files: list[rx.UploadFile]) -> None:
        self._clear_messages()
        self._forget_file()
        if not files:
            return
        if len(files) > 1:
            raise ValidationError("upload.too_many_files", field="file", max=1)
        size = getattr(files[0], "size", None)
        if size is not None and size > importer.MAX_IMPORT_BYTES:  # refused before it is read
            raise ValidationError("import.too_large", field="file",
                                  max_mb=importer.MAX_IMPORT_BYTES >> 20)  # fmt: skip
        data = await files[0].read()
        preview = await asyncio.to_thread(importer.preview_import, data, kind=self.import_kind)
        self._pending = await asyncio.to_thread(default_pending_files().keep, data)
        self.file_name = files[0].filename or ""
        self.header, self.sample, self.row_count = preview.header, preview.rows, preview.row_count
        self.fields, self.required = list(preview.fields), list(preview.required)
        self.mapping = {f: str(preview.mapping.get(f, NOT_MAPPED)) for f in preview.fields}
        self.unit, self.date_order = preview.unit, preview.date_order

    @rx.event
    def set_mapping(self, field: str, column: str) -> None:
        self.mapping = {**self.mapping, field: column}

    @rx.event
    def set_unit(self, value: str) -> None:
        self.unit = value

    @rx.event
    def set_date_order(self, value: str) -> None:
        self.date_order = value

    @rx.event
    async def run_import(self) -> Any:
        self._clear_messages()
        self.row_errors, self.result = [], {}
        pending, kind, unit, order = self._pending, self.import_kind, self.unit, self.date_order
        choices = dict(self.mapping)
        files = default_pending_files()

        def work(db: Session, user_id: int) -> importer.ImportResult:
            data = files.read(pending)  # ValidationError once expired: "choose it again"
            # Inside the unit of work: a forged column index is refused like any bad field.
            mapping = importer.mapping_from_choices(choices, not_mapped=NOT_MAPPED)
            prefs = preferences.get_preferences(db, user_id=user_id)
            return importer.import_readings(
                db, user_id=user_id, prefs=prefs, data=data, kind=kind, mapping=mapping,
                unit=unit, date_order=order,
            )  # fmt: skip

        attempt = await self._attempt(work)
        if not attempt.ok or attempt.value is None:
            return attempt.redirect
        result = attempt.value
        # Imported: the kept file goes now (a failed import keeps it, for another mapping).
        self._forget_file()
        self.result = {"imported": str(result.imported), "duplicates": str(result.duplicates)}
        return None

    @rx.event
    def file_refused(self, rejections: list[dict[str, Any]]) -> None:
        """The picker refused the file (type, size, count) before any upload: say which rule."""
        self._clear_messages()
        self._forget_file()
        self._show_error(refusal_key(rejections), None, names=refused_names(rejections),
                         max_mb=str(importer.MAX_IMPORT_BYTES >> 20), max="1")  # fmt: skip
