"""One thin state per record page; the shared behaviour lives in RecordsState."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import reflex as rx
from sqlmodel import Session

from healthapp.db import utcnow
from healthapp.i18n import translate
from healthapp.services import preferences, records, undo
from healthapp.services.forms import to_local_input
from healthapp.state import feedback
from healthapp.state.base import AppState, Attempt, FormState
from healthapp.state.feedback import Undoable

T = TypeVar("T")

# Which field holds the record's time, per kind, and what a new form starts with.
TIME_FIELDS = {"bp": "measured_at", "glucose": "measured_at", "hba1c": "measured_on",
               "exercise": "started_at"}  # fmt: skip
NEW_FORM_DEFAULTS: dict[str, dict[str, str]] = {
    "bp": {},
    "glucose": {"timing": "fasting", "source": "meter"},
    "hba1c": {},
    "exercise": {"kind": "walking", "intensity": "moderate"},
}


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


# What a row of the list shows (components/records.py); the rest of a row stays on the server.
SHOWN_FIELDS = ("id", "day", "time", "note", "level", "source")


@functools.lru_cache(maxsize=4096)
def _shown_row(lang: str, items: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """A listed row with its words. Cached: after a save, all rows but the new one are the
    ones the page showed before, and their words need not be formatted again."""
    row = dict(items)

    def text(key: str) -> str:
        return translate(lang, key, **row) if key else ""

    return (
        *((name, row.get(name, "")) for name in SHOWN_FIELDS),
        ("value", text(row["value_key"])),
        ("level_text", text(f"clinical.level.{row['level']}" if row["level"] else "")),
        ("label_text", text(row["label_key"])),
        ("context_text", text(row["context_key"])),
        ("alert_text", text(row["alert_key"])),
        # glucose only: meter or CGM ("" for the other kinds)
        ("source_text", text(row.get("source_key", ""))),
    )


class RecordsState(rx.State, mixin=True):
    """List, filter, paginate, create, edit and delete one kind of record."""

    kind: ClassVar[str]

    if TYPE_CHECKING:  # supplied by FormState and AppState, which every record state derives from
        current_lang: str

        def _clear_messages(self) -> None: ...
        async def _attempt(self, work: Callable[[Session, int], T]) -> Attempt[T]: ...
        async def _after_delete(self, user_id: int, kept: undo.Deleted, key: str) -> Any: ...

    # Backend only: the browser gets shown_rows (the same rows with their words), not both.
    _rows: list[dict[str, str]] = []
    page: int = 1
    pages: int = 1
    total: int = 0
    filter_start: str = ""
    filter_end: str = ""
    editing_id: int = 0
    form_values: dict[str, str] = {}
    # A new React key remounts the form with form_values; errors keep it, so typed text stays.
    form_version: int = 0
    glucose_unit: str = ""
    delete_id: int = 0
    # The time a new form was filled with: sent back unchanged, the record gets the time of
    # saving instead (a page left open for an hour must not store the hour it was opened).
    _shown_time: str = ""

    @rx.var
    def shown_rows(self) -> list[dict[str, str]]:
        lang = self.current_lang
        return [dict(_shown_row(lang, tuple(row.items()))) for row in self._rows]

    @rx.var
    def page_text(self) -> str:
        return translate(
            self.current_lang,
            "records.page_of",
            page=self.page,
            pages=self.pages,
            total=self.total,
        )

    def _new_form(self, prefs: preferences.Preferences) -> dict[str, str]:
        now = utcnow()
        field = TIME_FIELDS[self.kind]
        when = (
            now.astimezone(prefs.tz).date().isoformat()
            if field == "measured_on"
            else to_local_input(now, prefs.tz)
        )
        self._shown_time = when
        return {field: when, **NEW_FORM_DEFAULTS[self.kind]}

    def _reset_form(self, prefs: preferences.Preferences) -> None:
        self.editing_id = 0
        self.form_values = self._new_form(prefs)
        self.form_version += 1

    def _listing(
        self, *, page: int | None = None
    ) -> Callable[[Session, int], tuple[preferences.Preferences, records.RecordPage]]:
        """The unit of work that reads the page's rows (after a write, in the write's own)."""
        kind, page = self.kind, page or self.page
        start, end = _parse_day(self.filter_start), _parse_day(self.filter_end)

        def work(db: Session, user_id: int) -> tuple[preferences.Preferences, records.RecordPage]:
            prefs = preferences.get_preferences(db, user_id=user_id)
            listing = records.list_records(
                db, user_id=user_id, kind=kind, prefs=prefs, start=start, end=end, page=page
            )
            return prefs, listing

        return work

    def _show(
        self, listed: tuple[preferences.Preferences, records.RecordPage], *, reset_form: bool
    ) -> None:
        prefs, listing = listed
        self._rows = listing.rows
        # Assigned only when changed: Reflex sends each assigned var, and what derives from it.
        shown = {"page": listing.page, "pages": listing.pages, "total": listing.total,
                 "glucose_unit": prefs.glucose_unit.value}  # fmt: skip
        for name, value in shown.items():
            if getattr(self, name) != value:
                setattr(self, name, value)
        if reset_form or not self.form_values:
            self._reset_form(prefs)

    async def _refresh(self, *, reset_form: bool = False) -> Any:
        attempt = await self._attempt(self._listing())
        if not attempt.ok or attempt.value is None:
            return attempt.redirect
        self._show(attempt.value, reset_form=reset_form)
        return None

    @rx.event
    async def load(self) -> Any:
        self._clear_messages()
        self.delete_id = 0
        return await self._refresh(reset_form=True)

    @rx.event
    async def submit(self, form: dict[str, Any]) -> Any:
        self._clear_messages()
        kind, record_id = self.kind, self.editing_id
        at_now = not record_id and str(form.get(TIME_FIELDS[kind], "")) == self._shown_time

        # A new record is on page 1; the rows are read in the same transaction as the write.
        listing = self._listing(page=None if record_id else 1)

        def work(db: Session, user_id: int) -> tuple[preferences.Preferences, records.RecordPage]:
            prefs = preferences.get_preferences(db, user_id=user_id)
            if record_id:
                records.update_record(
                    db, user_id=user_id, kind=kind, record_id=record_id, form=form, prefs=prefs
                )
            else:
                records.create_record(
                    db, user_id=user_id, kind=kind, form=form, prefs=prefs, at_now=at_now
                )
            return listing(db, user_id)

        attempt = await self._attempt(work)
        if not attempt.ok or attempt.value is None:
            return attempt.redirect
        self._show(attempt.value, reset_form=True)
        return feedback.saved(self.current_lang,
                              "records.updated" if record_id else "records.saved")  # fmt: skip

    @rx.event
    async def start_edit(self, record_id: int) -> Any:
        self._clear_messages()
        kind = self.kind

        def work(db: Session, user_id: int) -> dict[str, str]:
            prefs = preferences.get_preferences(db, user_id=user_id)
            return records.edit_form(
                db, user_id=user_id, kind=kind, record_id=int(record_id), prefs=prefs
            )

        attempt = await self._attempt(work)
        if not attempt.ok or attempt.value is None:
            return attempt.redirect
        self.editing_id = int(record_id)
        self.form_values = attempt.value
        self.form_version += 1
        return None

    @rx.event
    async def cancel_edit(self) -> Any:
        self._clear_messages()
        return await self._refresh(reset_form=True)

    @rx.event
    def ask_delete(self, record_id: int) -> None:
        self.delete_id = int(record_id)

    @rx.event
    def set_delete_open(self, is_open: bool) -> None:
        if not is_open:
            self.delete_id = 0

    @rx.event
    async def confirm_delete(self) -> Any:
        self._clear_messages()
        kind, record_id = self.kind, self.delete_id
        self.delete_id = 0
        attempt = await self._attempt(
            lambda db, uid: (uid, undo.take_record(db, user_id=uid, kind=kind, record_id=record_id))
        )
        if not attempt.ok or attempt.value is None:
            return attempt.redirect
        toast = await self._after_delete(*attempt.value, "records.deleted")
        return await self._refresh(reset_form=record_id == self.editing_id) or toast

    @rx.event
    async def apply_filter(self, form: dict[str, Any]) -> Any:
        self.filter_start = str(form.get("filter_start", ""))
        self.filter_end = str(form.get("filter_end", ""))
        self.page = 1
        return await self._refresh()

    @rx.event
    async def clear_filter(self) -> Any:
        self.filter_start = self.filter_end = ""
        self.page = 1
        return await self._refresh()

    @rx.event
    async def go_page(self, page: int) -> Any:
        self.page = max(1, int(page))
        return await self._refresh()


class BloodPressureState(RecordsState, Undoable, FormState, AppState):
    kind: ClassVar[str] = "bp"


class GlucoseState(RecordsState, Undoable, FormState, AppState):
    kind: ClassVar[str] = "glucose"

    @rx.var
    def unit_help(self) -> str:
        return translate(self.current_lang, "records.glucose.unit_help", unit=self.glucose_unit)


class HbA1cState(RecordsState, Undoable, FormState, AppState):
    kind: ClassVar[str] = "hba1c"


class ExerciseState(RecordsState, Undoable, FormState, AppState):
    kind: ClassVar[str] = "exercise"
