"""Meal photos end to end: upload, the estimate appears by itself, correct it, totals change."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from bench.food_eval import dataset, personal
from tests.e2e.conftest import RunningApp
from tests.e2e.helpers import save_meal, sign_up, toast, unique_login, upload_photo

PHOTOS = Path(__file__).resolve().parents[1] / "fixtures" / "photos"
STATUS_RECORDER = """() => {
    window.__statuses = [];
    const names = ["Queued", "Analysing…", "Analysed", "Analysis failed"];
    new MutationObserver(() => {
        for (const el of document.querySelectorAll("[role=status]")) {
            const text = el.textContent.trim();
            if (names.includes(text) && window.__statuses.at(-1) !== text) {
                window.__statuses.push(text);
            }
        }
    }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def open_meals(page: Page, app: RunningApp) -> None:
    sign_up(page, app, unique_login())
    page.get_by_role("navigation").get_by_role("link", name="Meals").click()
    expect(page.get_by_role("heading", name="Meals", exact=True)).to_be_visible()
    expect(page.get_by_label("Date and time")).not_to_have_value("")


def add_food_dialog(page: Page, meal: Locator, query: str, food: str) -> Locator:
    """The meal's "Add food" dialog with `food` found by `query` and chosen."""
    meal.get_by_role("button", name="Add food").click()
    dialog = page.get_by_role("dialog", name="Add a food")
    dialog.get_by_label("Search the food database").fill(query)
    dialog.get_by_role("button", name=food).click()
    return dialog


def day_totals(page: Page) -> str:
    return page.locator("#day-totals").inner_text()


def test_photo_estimate_appears_and_can_be_corrected(page: Page, app: RunningApp) -> None:
    open_meals(page, app)
    page.get_by_label("Meal", exact=True).select_option("breakfast")
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Choose photos").click()
    chooser.value.set_files(PHOTOS / "coffee.png")
    # Record every analysis status the page shows, to prove the result arrived by push.
    page.evaluate(STATUS_RECORDER)
    page.get_by_role("button", name="Save meal").click()
    expect(toast(page, "Meal saved")).to_be_visible()

    meal = page.get_by_role("region", name="Breakfast")
    row = meal.locator("tbody tr").first
    # pushed by the worker: no reload, no click
    expect(row).to_contain_text("Coffee, espresso", timeout=30_000)
    expect(row).to_contain_text("Estimate")
    # how sure the model is, and the carbohydrate range of the default portion
    expect(row.locator(".estimate-figures")).to_contain_text(
        re.compile(r"Confidence \d+ % · carbohydrate [\d.]+-[\d.]+ g")
    )
    expect(meal.get_by_role("status").filter(has_text="Analysed")).to_be_visible()
    expect(meal.get_by_role("img", name="Meal photo")).to_be_visible()
    seen = page.evaluate("window.__statuses")
    assert seen[-1] == "Analysed", seen
    assert {"Queued", "Analysing…"} & set(seen), f"no pending state was ever shown: {seen}"
    before = day_totals(page)
    assert re.search(r"This day: 2\.7 kcal", before), before

    row.get_by_role("button", name="Correct").click()
    dialog = page.get_by_role("dialog", name="Correct this food")
    # the model's other guesses are offered first
    guess = dialog.get_by_role("listitem").filter(has_text="Coffee, espresso").first
    expect(guess.get_by_role("button", name="Coffee, espresso", exact=True)).to_be_visible()
    expect(guess).to_contain_text(re.compile(r"\d+ %"))  # with the model's score
    dialog.get_by_label("Search the food database").fill("cappuccino")
    dialog.get_by_role("button", name="Coffee, Cappuccino", exact=True).click()
    dialog.get_by_label("Portion in grams").fill("240")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(row).to_contain_text("Coffee, Cappuccino")
    expect(row).to_contain_text("240")
    expect(row).to_contain_text("Corrected")
    expect(page.locator("#day-totals")).not_to_have_text(before)
    expect(meal.get_by_text("Includes estimates")).to_be_hidden()


def test_an_unsure_photo_offers_three_foods_and_fills_in_none(page: Page, app: RunningApp) -> None:
    """apple.jpg (a red apple): the model says "Granny Smith" at 0.57, a class that absorbs
    unknown fruit, so the app asks instead of filling in a number."""
    open_meals(page, app)
    page.get_by_label("Meal", exact=True).select_option("snack")
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Choose photos").click()
    chooser.value.set_files(PHOTOS / "apple.jpg")
    page.get_by_role("button", name="Save meal").click()
    meal = page.get_by_role("region", name="Snack")
    choices = meal.get_by_role("group", name="Is it one of these?")
    expect(choices.locator("button[data-choice]")).to_have_count(3, timeout=30_000)
    expect(choices.get_by_role("button", name="Another food…")).to_be_visible()
    expect(meal.get_by_text("Not sure what this is.")).to_be_visible()
    expect(meal.locator("tbody tr")).to_have_count(0)  # no number until the person picks
    choices.get_by_role("button", name=re.compile("^Apples")).click()
    expect(toast(page, "Food added from the photo.")).to_be_visible()
    row = meal.locator("tbody tr").first
    expect(row).to_contain_text("Apples")
    expect(row).to_contain_text("Confirmed")
    expect(choices).to_be_hidden()


def test_two_named_photos_of_an_unknown_dish_and_the_third_is_offered_it(
    page: Page, app: RunningApp, tmp_path: Path
) -> None:
    """Ragi (finger millet, IFCT A010): a food the model cannot know ("no food recognised").
    Three shots of the plate (bench/food_eval/personal.view); the person names the first two,
    and the third photo is offered "Looks like your Millet, raw · 50 g"."""
    ragi = next(p for p in dataset.photos() if p.photo == "ifct:A010").path.read_bytes()
    shots = []
    for seed in range(3):
        shot = tmp_path / f"ragi-{seed}.jpg"
        shot.write_bytes(personal.view(ragi, seed))
        shots.append(shot)
    open_meals(page, app)
    for shot, kind in zip(shots[:2], ("breakfast", "lunch"), strict=True):
        meal = upload_photo(page, shot, kind)
        meal.get_by_role("button", name="Another food…").click(timeout=30_000)
        dialog = page.get_by_role("dialog", name="What is in this photo?")
        dialog.get_by_label("Search the food database").fill("millet")
        dialog.get_by_role("button", name="Millet, raw").click()
        dialog.get_by_label("Portion in grams").fill("50")
        dialog.get_by_role("button", name="Save").click()
        expect(toast(page, "Food added from the photo.")).to_be_visible()
        expect(meal.locator("tbody tr").first).to_contain_text("Millet, raw")
        expect(meal.get_by_role("button", name="Another food…")).to_be_hidden()

    dinner = upload_photo(page, shots[2], "dinner")
    offer = dinner.get_by_role("button", name=re.compile("^Looks like your Millet, raw · 50 g"))
    expect(offer).to_be_visible(timeout=30_000)
    expect(dinner.locator("tbody tr")).to_have_count(0)  # offered, not filled in
    offer.click()
    expect(toast(page, "Food added from the photo.")).to_be_visible()
    row = dinner.locator("tbody tr").first
    expect(row).to_contain_text("Millet, raw")
    expect(row).to_contain_text("Confirmed")
    expect(row).to_contain_text("50")
    expect(offer).to_be_hidden()


def test_meal_without_photo_from_the_food_search(page: Page, app: RunningApp) -> None:
    open_meals(page, app)
    meal = save_meal(page, "dinner")
    dialog = add_food_dialog(page, meal, "비빔밥", "Bibimbap, Korean")
    dialog.get_by_label("Portion in grams").fill("abc")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert").filter(has_text="Enter a number")).to_be_visible()
    dialog.get_by_label("Portion in grams").fill("400")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(meal.locator("tbody tr").first).to_contain_text("Bibimbap, Korean")
    expect(page.locator("#day-totals")).not_to_have_text(re.compile(r"This day: 0 kcal"))


def test_a_non_image_upload_is_refused_and_nothing_is_saved(
    page: Page, app: RunningApp, tmp_path: Path
) -> None:
    open_meals(page, app)
    fake = tmp_path / "not-a-photo.jpg"
    fake.write_text("this is not a JPEG")
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Choose photos").click()
    chooser.value.set_files(fake)
    page.get_by_role("button", name="Save meal").click()
    expect(page.get_by_role("alert").filter(has_text="Only JPEG")).to_be_visible()
    expect(page.get_by_text("No meals on this day yet.")).to_be_visible()


def test_edit_and_delete_a_meal(page: Page, app: RunningApp) -> None:
    open_meals(page, app)
    meal = save_meal(page, "dinner")
    meal.get_by_role("button", name="Edit meal").click()
    expect(page.get_by_role("heading", name="Edit meal")).to_be_visible()
    page.get_by_label("Meal", exact=True).select_option("snack")
    page.get_by_role("button", name="Save changes").click()
    expect(toast(page, "Meal updated.")).to_be_visible()
    snack = page.get_by_role("region", name="Snack")
    expect(snack).to_have_count(1)
    expect(page.get_by_role("region", name="Dinner")).to_have_count(0)

    snack.get_by_role("button", name="Delete meal").click()
    dialog = page.get_by_role("alertdialog", name="Delete this meal?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(snack).to_have_count(1)
    snack.get_by_role("button", name="Delete meal").click()
    dialog.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("No meals on this day yet.")).to_be_visible()


def test_same_as_last_time_and_the_last_portion(page: Page, app: RunningApp) -> None:
    open_meals(page, app)
    dialog = add_food_dialog(page, save_meal(page, "dinner"), "비빔밥", "Bibimbap, Korean")
    dialog.get_by_label("Portion in grams").fill("400")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()

    quick = page.get_by_role("region", name="Same as last time")
    expect(quick).to_contain_text("eaten 1×")
    quick.get_by_role("button", name="Log again: Bibimbap, Korean").click()
    expect(toast(page, "Meal logged again, now.")).to_be_visible()
    dinners = page.get_by_role("region", name="Dinner")
    expect(dinners).to_have_count(2)
    expect(dinners.nth(1).locator("tbody tr")).to_contain_text("Bibimbap, Korean")
    expect(quick).to_contain_text("eaten 2×")

    # a food the person has had starts with their own last portion, not USDA's
    dinners.nth(0).get_by_role("button", name="Add food").click()
    dialog.get_by_label("Search the food database").fill("비빔밥")
    result = dialog.get_by_role("listitem").filter(has_text="Bibimbap, Korean")
    expect(result).to_contain_text("400 g (your last portion)")
    result.get_by_role("button", name="Bibimbap, Korean").click()
    expect(dialog.get_by_label("Portion in grams")).to_have_value("400")
