"""Charts at phone and desktop width, in English and Korean: accessible names, translated
legends, dated time axes; the glucose page's AGP with bands and time in ranges after two weeks
of readings come in through the CSV import page, and "too few readings" before."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from healthapp.i18n import CATALOGUES
from tests.e2e.conftest import RunningApp
from tests.e2e.helpers import PASSWORD, close_context, unique_login

ZONE = "Asia/Seoul"  # the browser's zone, as in conftest
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
LOCALES = {"en": "en-US", "ko": "ko-KR"}
DATE_TICK = {"en": re.compile(r"^\d{1,2}/\d{1,2}( \d\d:\d\d)?$"),
             "ko": re.compile(r"^\d{1,2}월 \d{1,2}일( \d\d:\d\d)?$")}  # fmt: skip
VALUES = (45, 60, 100, 140, 200, 280, 120, 110, 95)  # every band, mostly in range
DAYS = 13  # the 13 days before today: readings on more than the 10 days the AGP needs


@pytest.fixture(params=[(size, lang) for size in SIZES for lang in LOCALES],
                ids=lambda p: f"{p[0]}-{p[1]}")  # fmt: skip
def setting(request: pytest.FixtureRequest, browser: Browser) -> Iterator[tuple[Page, str]]:
    size, lang = request.param
    context = browser.new_context(locale=LOCALES[lang], timezone_id=ZONE, viewport=SIZES[size])
    yield context.new_page(), lang
    close_context(context)


def t(lang: str, key: str, **params: object) -> str:
    return CATALOGUES[lang][key].format(**params) if params else CATALOGUES[lang][key]


def sign_up(page: Page, app: RunningApp, lang: str) -> None:
    login = unique_login("charts")
    page.goto(f"{app.url}/signup")
    page.get_by_label(t(lang, "signup.login_label")).fill(login)
    page.get_by_label(t(lang, "signup.password_label"), exact=True).fill(PASSWORD)
    page.get_by_label(t(lang, "signup.password_confirm_label")).fill(PASSWORD)
    page.get_by_role("button", name=t(lang, "signup.submit")).click()
    expect(page.get_by_role("heading", name=t(lang, "home.greeting", name=login))).to_be_visible()


def readings_csv(path: Path) -> int:
    """Hourly readings over the DAYS days before today (local), cycling VALUES."""
    today = datetime.now(ZoneInfo(ZONE)).date()
    lines, k = ["Date,Glucose mg/dL"], 0
    for d in range(1, DAYS + 1):
        day = today - timedelta(days=d)
        for hour in range(24):
            lines.append(f"{day.isoformat()} {hour:02d}:20,{VALUES[k % len(VALUES)]}")
            k += 1
    path.write_text("\n".join(lines) + "\n")
    return k


def import_csv(page: Page, app: RunningApp, lang: str, path: Path, rows: int) -> None:
    page.goto(f"{app.url}/data")
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name=t(lang, "data.choose_file")).click()
    chooser.value.set_files(path)
    page.get_by_role("button", name=t(lang, "data.import_run"), exact=True).click()
    done = t(lang, "import.result", imported=rows, duplicates=0)
    expect(page.get_by_role("status").filter(has_text=done)).to_be_visible(timeout=60_000)


def within_the_screen(page: Page, selector: str) -> None:
    """The figures fit the viewport (the page's own sideways scrolling is the layout's part)."""
    widths = page.locator(selector).evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().right - window.innerWidth)"
    )
    assert widths, selector
    assert max(widths) <= 1, widths


def pattern(lang: str, key: str, **params: object) -> re.Pattern[str]:
    """The message as a regular expression, any placeholder not given matching a number."""
    text = re.escape(CATALOGUES[lang][key])
    for name, value in params.items():
        text = text.replace(re.escape("{" + name + "}"), re.escape(str(value)))
    # "/" escaped too: Playwright hands the pattern to the browser as /.../.
    return re.compile(re.sub(r"\\\{\w+\\\}|\{\w+\}", r"\\d+", text).replace("/", r"\/"))


def test_charts_and_the_glucose_profile(
    setting: tuple[Page, str], app: RunningApp, tmp_path: Path
) -> None:
    page, lang = setting
    sign_up(page, app, lang)

    # Before any reading: the profile says what is missing instead of drawing one.
    page.goto(f"{app.url}/glucose")
    too_few = page.locator("#agp-too-few")
    expect(too_few).to_contain_text(t(lang, "agp.too_few", min=10, readings=0, days=0))
    expect(page.locator("#agp")).to_have_count(0)

    rows = readings_csv(tmp_path / "meter.csv")
    import_csv(page, app, lang, tmp_path / "meter.csv", rows)

    # The glucose page: the AGP with its bands and the five time-in-range lines.
    page.goto(f"{app.url}/glucose")
    agp = page.locator("#agp")
    expect(agp.get_by_role("heading", name=t(lang, "agp.title"))).to_be_visible()
    label = pattern(lang, "agp.chart_label", low=70, high=180, unit="mg/dL")
    image = agp.get_by_role("img", name=label)
    expect(image).to_be_visible()
    expect(image.locator(".recharts-area")).to_have_count(2)  # the 25-75 % and 5-95 % bands
    expect(image.locator(".recharts-line")).to_have_count(1)  # the median
    for key in ("agp.legend.p5_95", "agp.legend.p25_75"):
        expect(agp.locator(".recharts-legend-wrapper")).to_contain_text(t(lang, key))
    expect(agp.locator("#agp-based-on")).to_contain_text(str(rows))
    bands = agp.locator("#agp-tir li")
    expect(bands).to_have_count(5)
    percents = [int(m) for m in re.findall(r": (\d+) ?%", " ".join(bands.all_inner_texts()))]
    assert len(percents) == 5
    assert sum(percents) == 100
    expect(bands.nth(2)).to_contain_text(t(lang, "agp.band.in_range"))
    expect(agp.get_by_role("img", name=re.compile("^" + re.escape(t(lang, "agp.tir_title"))))
           ).to_be_visible()  # fmt: skip
    hidden = agp.locator("table.chart-data tbody tr")
    expect(hidden).to_have_count(24)  # one row per hour for screen readers
    within_the_screen(page, "#agp")

    # The dashboard: every chart is a named image, legends and dates in the language.
    page.goto(f"{app.url}/")
    for chart, title in (("glucose", "dash.chart_glucose"), ("bp", "dash.chart_bp"),
                         ("nutrition", "dash.chart_nutrition"),
                         ("exercise", "dash.chart_exercise")):  # fmt: skip
        figure = page.locator(f"#chart-{chart}")
        expect(figure.get_by_role("img", name=re.compile("^" + re.escape(t(lang, title))))
               ).to_be_visible()  # fmt: skip
        expect(figure.locator("table.chart-data")).to_have_count(1)
    glucose = page.locator("#chart-glucose")
    legend = glucose.locator(".recharts-legend-wrapper")
    expect(legend).to_contain_text(t(lang, "chart.legend.glucose", unit="mg/dL"))
    ticks = glucose.locator(".recharts-cartesian-axis-tick-value")
    expect(ticks.first).to_be_visible()
    texts = [text.strip() for text in ticks.all_text_contents()]
    dated = [text for text in texts if DATE_TICK[lang].match(text)]
    assert len(dated) >= 2, texts  # the time axis: dates (and times) in the language
    assert all(text in dated or text.isdigit() for text in texts), texts  # the rest: y axis
    nutrition_legend = page.locator("#chart-nutrition .recharts-legend-wrapper")
    for key in ("chart.legend.carb", "chart.legend.protein", "chart.legend.fat"):
        expect(nutrition_legend).to_contain_text(t(lang, key))
    expect(page.locator("#chart-bp .recharts-legend-wrapper")).to_contain_text(
        t(lang, "chart.legend.systolic")
    )
    old = re.compile(r"\b(SYS|DIA|C|P|F)\b")  # the legends before: abbreviations, English only
    expect(page.locator(".recharts-legend-wrapper").filter(has_text=old)).to_have_count(0)
    within_the_screen(page, "figure[id^=chart-]")
