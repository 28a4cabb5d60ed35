"""The meal log page: log a meal (photos or not), watch its analysis, confirm or correct."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import reflex as rx
from sqlmodel import Session

from healthapp.config import get_settings
from healthapp.db import utcnow
from healthapp.domain.errors import ValidationError
from healthapp.i18n import translate
from healthapp.job_queue import JobQueue
from healthapp.redis_client import get_redis
from healthapp.services import analysis, meals, preferences, undo
from healthapp.services.auth import sessions
from healthapp.services.forms import to_local_input
from healthapp.services.meals.meal_log import log_meal, submit_jobs
from healthapp.services.meals.photos import PhotoLimits, PhotoQuota
from healthapp.services.meals.storage import default_photo_storage
from healthapp.state import feedback
from healthapp.state.base import AppState, FormState, guarded
from healthapp.state.feedback import Undoable
from healthapp.state.meal_events import MealEvents
from healthapp.state.uploads import refusal_key, refused_names

log = logging.getLogger(__name__)

UPLOAD_ID = "meal_photos"
# How long the page listens for analysis results after the last pending job was seen.
LISTEN_SECONDS = 600
# While jobs are open the page also re-reads this often: an announcement can be lost (pub/sub
# keeps nothing for a listener that is reconnecting; Redis restarts), the database cannot.
POLL_SECONDS = 7.0


def _photo_mb() -> str:
    return f"{get_settings().photo_max_bytes / (1024 * 1024):g}"


def _queue() -> JobQueue:
    return JobQueue(get_redis(), get_settings().redis_prefix)


class MealsState(Undoable, FormState, AppState):
    day: str = ""
    meals: rx.Field[list[meals.MealView]] = rx.field(default_factory=list)
    total_kcal: str = "0"
    total_carb: str = "0"
    total_protein: str = "0"
    total_fat: str = "0"
    pending: int = 0

    new_eaten_at: str = ""
    # False while the time field shows "now" as the page filled it: such a meal is stamped
    # with the time of saving (and the field follows the clock on every refresh).
    eaten_at_edited: bool = False
    new_meal_type: str = "lunch"
    new_note: str = ""
    saving: bool = False
    editing_meal: int = 0
    delete_meal_id: int = 0
    remove_item_id: int = 0

    _listening: bool = False
    # "Same as last time": the person's meals worth logging again (services/meals/quick.py)
    _quick: list[meals.QuickMeal] = []

    @rx.var
    def day_text(self) -> str:
        return translate(self.current_lang, "meals.day_totals", kcal=self.total_kcal,
                         carb=self.total_carb, protein=self.total_protein,
                         fat=self.total_fat)  # fmt: skip

    @rx.var
    def meal_totals(self) -> dict[str, str]:
        return {
            str(meal.id): translate(self.current_lang, "meals.meal_totals", kcal=meal.kcal,
                                    carb=meal.carb_g, protein=meal.protein_g, fat=meal.fat_g)
            for meal in self.meals
        }  # fmt: skip

    @rx.var
    def quick_meals(self) -> list[dict[str, str]]:
        lang = self.current_lang
        shown = []
        for quick in self._quick:
            names = ", ".join(quick.names_ko if lang == "ko" else quick.names_en)
            shown.append({
                "id": str(quick.meal_id),
                "foods": names,
                "detail": translate(lang, "meals.quick_detail", kcal=f"{quick.kcal:.0f}",
                                    carb=f"{quick.carb_g:.0f}", times=quick.times),
                "label": translate(lang, "meals.quick_again_label", foods=names),
            })  # fmt: skip
        return shown

    async def _refresh(self) -> Any:
        day = date.fromisoformat(self.day) if self.day else None

        def work(db: Session, user_id: int) -> tuple[meals.DayView, str, list[meals.QuickMeal]]:
            prefs = preferences.get_preferences(db, user_id=user_id)
            today = utcnow().astimezone(prefs.tz)
            view = meals.day_meals(db, user_id=user_id, prefs=prefs, day=day or today.date())
            quick = meals.quick_meals(db, user_id=user_id)
            return view, to_local_input(utcnow(), prefs.tz), quick

        attempt = await self._attempt(work)
        if not attempt.ok or attempt.value is None:
            return attempt.redirect
        view, now_local, self._quick = attempt.value
        self.meals = view.meals
        self.total_kcal, self.total_carb = view.kcal, view.carb_g
        self.total_protein, self.total_fat = view.protein_g, view.fat_g
        self.pending = view.pending
        if not self.day:
            self.day = now_local[:10]
        if not self.new_eaten_at or not (self.eaten_at_edited or self.editing_meal):
            self.new_eaten_at = now_local
        return None

    def _after_change(self) -> Any:
        return MealsState.listen if self.pending else None

    @rx.event
    async def load(self) -> Any:
        self._clear_messages()
        self._reset_meal_form()
        self.delete_meal_id = self.remove_item_id = 0
        redirect = await self._refresh()
        return redirect or self._after_change()

    @rx.event
    async def set_day(self, value: str) -> Any:
        with contextlib.suppress(ValueError):
            self.day = date.fromisoformat(value).isoformat()
        return await self._refresh()

    @rx.event
    async def shift_day(self, days: int) -> Any:
        base = date.fromisoformat(self.day) if self.day else date.today()
        self.day = (base + timedelta(days=int(days))).isoformat()
        return await self._refresh()

    @rx.event
    def set_new_eaten_at(self, value: str) -> None:
        self.new_eaten_at = value
        self.eaten_at_edited = True

    @rx.event
    def set_new_meal_type(self, value: str) -> None:
        self.new_meal_type = value

    @rx.event
    def set_new_note(self, value: str) -> None:
        self.new_note = value

    @rx.event
    @guarded
    async def save_meal(self, files: list[rx.UploadFile]) -> AsyncIterator[Any]:
        self._clear_messages()
        settings = get_settings()
        # The picker allows as many (max_files); a forged request is refused before any read.
        if len(files) > settings.upload_max_files:
            raise ValidationError("upload.too_many_files", field="photos",
                                  max=settings.upload_max_files)  # fmt: skip
        if any((getattr(f, "size", None) or 0) > settings.photo_max_bytes for f in files):
            raise ValidationError("error.photo_too_large", field="photos", max_mb=_photo_mb())
        uploads = [await upload.read() for upload in files]
        form = {"eaten_at": self.new_eaten_at, "meal_type": self.new_meal_type,
                "note": self.new_note}  # fmt: skip
        at_now = not (self.editing_meal or self.eaten_at_edited)
        self.saving = True
        yield

        def work(db: Session, user_id: int) -> tuple[int, preferences.Preferences]:
            return user_id, preferences.get_preferences(db, user_id=user_id)

        try:
            user_id, prefs = await self._as_user(work)
            logged = await asyncio.to_thread(
                log_meal,
                user_id=user_id,
                form=form,
                uploads=uploads,
                prefs=prefs,
                storage=default_photo_storage(),
                limits=PhotoLimits.from_settings(settings),
                quota=PhotoQuota.from_settings(settings, get_redis()),
                queue=_queue(),
                meal_id=self.editing_meal or None,
                at_now=at_now,
            )
        finally:  # @guarded turns a failure into the form's message or a redirect
            self.saving = False
        if self.editing_meal:
            done = "meals.updated"
        else:
            done = "meals.saved_with_photos" if logged.job_ids else "meals.saved"
        self._reset_meal_form()
        yield [rx.clear_selected_files(UPLOAD_ID), feedback.saved(self.current_lang, done)]
        await self._refresh()
        yield self._after_change()

    @rx.event
    def photos_refused(self, rejections: list[dict[str, Any]]) -> None:
        """The picker refused some files (type, size, count) before any upload: name them, so a
        BMP or SVG is not silently left out of the meal."""
        self._clear_messages()
        self._show_error(refusal_key(rejections), "photos", names=refused_names(rejections),
                         max_mb=_photo_mb(), max=get_settings().upload_max_files)  # fmt: skip

    def _reset_meal_form(self) -> None:
        self.editing_meal = 0
        self.eaten_at_edited = False
        self.new_note = self.new_eaten_at = self.day = ""

    @rx.event
    def start_edit_meal(self, meal_id: int) -> None:
        self._clear_messages()
        for meal in self.meals:
            if meal.id == int(meal_id):
                self.editing_meal = meal.id
                self.new_eaten_at = f"{meal.day}T{meal.time}"
                self.new_meal_type, self.new_note = meal.meal_type, meal.note

    @rx.event
    async def cancel_edit_meal(self) -> Any:
        self._clear_messages()
        self._reset_meal_form()
        return await self._refresh()

    @rx.event
    def ask_delete_meal(self, meal_id: int) -> None:
        self.delete_meal_id = int(meal_id)

    @rx.event
    def set_delete_meal_open(self, is_open: bool) -> None:
        if not is_open:
            self.delete_meal_id = 0

    async def _run(self, work: Any, done_key: str = "", *, to_today: bool = False) -> Any:
        self._clear_messages()
        attempt = await self._attempt(work)
        if not attempt.ok:
            return attempt.redirect
        if to_today:
            self.day = ""  # the refresh shows today
        await self._refresh()
        return self._toast_then_listen(
            feedback.saved(self.current_lang, done_key) if done_key else None
        )

    def _toast_then_listen(self, toast: Any) -> list[Any]:
        return [event for event in (toast, self._after_change()) if event is not None]

    @rx.event
    async def repeat_meal(self, meal_id: int) -> Any:
        """One of the person's meals logged again, now ("Same as last time"; the page turns to
        today, where it is)."""
        source = int(meal_id)
        return await self._run(
            lambda db, uid: meals.repeat_meal(db, user_id=uid, meal_id=source),
            "meals.repeated",
            to_today=True,
        )

    @rx.event
    async def retry_job(self, job_id: int) -> Any:
        job = int(job_id)

        def work(db: Session, user_id: int) -> None:
            analysis.retry_failed_job(db, user_id=user_id, job_id=job)

        self._clear_messages()
        attempt = await self._attempt(work)
        if not attempt.ok:  # a lost session is no error message, so only `ok` may submit
            return attempt.redirect
        # Queued again in the database for this user; now on the stream (or the sweeper's).
        await asyncio.to_thread(submit_jobs, [job], queue=_queue(), engine=None)
        await self._refresh()
        return self._toast_then_listen(feedback.saved(self.current_lang, "meals.retrying"))

    @rx.event
    async def choose_food(self, photo_id: int, food_id: str) -> Any:
        """The person's pick among an unsure photo's offered foods."""
        photo, food = int(photo_id), str(food_id)
        return await self._run(
            lambda db, uid: meals.choose_photo_food(db, user_id=uid, photo_id=photo, food_id=food),
            "meals.choice_added",
        )

    @rx.event
    async def confirm_item(self, item_id: int) -> Any:
        item = int(item_id)
        return await self._run(
            lambda db, uid: meals.confirm_item(db, user_id=uid, item_id=item), "meals.confirmed"
        )

    @rx.event
    def ask_remove_item(self, item_id: int) -> None:
        self.remove_item_id = int(item_id)

    @rx.event
    def set_remove_item_open(self, is_open: bool) -> None:
        if not is_open:
            self.remove_item_id = 0

    @rx.event
    async def delete_item(self) -> Any:
        """The confirm dialog's "Remove" for the food ask_remove_item named."""
        item, self.remove_item_id = self.remove_item_id, 0
        return await self._run(
            lambda db, uid: meals.delete_item(db, user_id=uid, item_id=item), "meals.item_removed"
        )

    @rx.event
    async def delete_meal(self) -> Any:
        meal = self.delete_meal_id
        self.delete_meal_id = 0
        self._clear_messages()
        attempt = await self._attempt(
            lambda db, uid: (uid, undo.take_meal(db, user_id=uid, meal_id=meal))
        )
        if not attempt.ok or attempt.value is None:
            return attempt.redirect
        # the photo files stay until the undo window has passed (services/undo.py)
        toast = await self._after_delete(*attempt.value, "meals.deleted")
        return await self._refresh() or toast

    # --- live updates pushed by the worker ---------------------------------------------------

    @rx.event(background=True)
    async def listen(self) -> None:
        """While analyses are pending, refresh on the worker's announcements on Redis. One
        listener per browser tab; it ends when nothing is pending or after LISTEN_SECONDS.

        Announcements are a shortcut, the database is the truth: the page re-reads right after
        subscribing (a job may have ended between its last read and the subscribe), every
        POLL_SECONDS while jobs are open, and it keeps polling when Redis is down, subscribing
        again when Redis is back."""
        async with self:
            if self._listening:
                return
            self._listening = True
            hashed = self._session_hash()
        settings = get_settings()
        events: MealEvents | None = None
        try:
            user_id = await asyncio.to_thread(sessions.run_as_session, hashed, lambda _db, uid: uid)
            channel = f"{settings.redis_prefix}meal-events:{user_id}"
            deadline = time.monotonic() + LISTEN_SECONDS
            next_read = time.monotonic()  # the first read comes right after subscribing
            while time.monotonic() < deadline:
                if time.monotonic() >= next_read:
                    if events is None:  # first, or Redis was lost: subscribe (again)
                        events = await MealEvents.subscribe(settings.redis_url, channel)
                    async with self:
                        lost_session = await self._refresh()
                        if lost_session is not None or not self.pending:
                            break
                    next_read = time.monotonic() + POLL_SECONDS
                if events is None:
                    await asyncio.sleep(1.0)
                    continue
                if await events.next(timeout=1.0):
                    next_read = time.monotonic()
                elif events.broken:
                    await events.close()
                    events = None
        except sessions.NotSignedIn as exc:
            log.warning("meal listener stopped: %s", exc)
        finally:
            if events is not None:
                await events.close()
            async with self:
                self._listening = False
