"""The printable report for a clinician: one self-contained HTML page, styled for A4.

No external assets and no script, so the page prints the same offline; the sections and their
charts are built in printable_sections and charts.
"""

from __future__ import annotations

import html
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from healthapp.db import utcnow
from healthapp.i18n import translate
from healthapp.services import forms
from healthapp.services.export.printable_sections import (
    activity_sections,
    bp_section,
    glucose_section,
    hba1c_section,
    translator,
)
from healthapp.services.ownership import existing_user
from healthapp.services.preferences import Preferences

# Every catalogue key the report uses; both catalogues must have each one.
REPORT_KEYS: tuple[str, ...] = (
    "report.print.title",
    "report.print.patient",
    "report.print.period",
    "report.print.days",
    "report.print.timezone",
    "report.print.generated",
    "report.print.print_hint",
    "report.print.bp_standard",
    "report.print.no_data",
    "report.print.glucose.title",
    "report.print.glucose.count",
    "report.print.glucose.mean",
    "report.print.glucose.sd",
    "report.print.glucose.cv",
    "report.print.glucose.in_range",
    "report.print.glucose.below_70",
    "report.print.glucose.below_54",
    "report.print.glucose.above_180",
    "report.print.glucose.above_250",
    "report.print.glucose.pre_meal_mean",
    "report.print.glucose.post_meal_mean",
    "report.print.glucose.gmi",
    "report.print.glucose.chart",
    "report.print.glucose.band",
    "report.print.bp.title",
    "report.print.bp.count",
    "report.print.bp.mean",
    "report.print.bp.pulse_mean",
    "report.print.bp.crisis",
    "report.print.bp.category",
    "report.print.bp.readings",
    "report.print.bp.chart",
    "report.print.bp.systolic",
    "report.print.bp.diastolic",
    "report.print.bp.rule",
    "report.print.hba1c.title",
    "report.print.hba1c.latest",
    "report.print.hba1c.eag",
    "report.print.hba1c.target",
    "report.print.hba1c.none",
    "report.print.exercise.title",
    "report.print.exercise.sessions",
    "report.print.exercise.minutes",
    "report.print.exercise.per_week",
    "report.print.exercise.energy",
    "report.print.nutrition.title",
    "report.print.nutrition.days",
    "report.print.nutrition.per_day",
    "report.print.footer",
)

_CSS = """
*{box-sizing:border-box}
body{font-family:"Noto Sans KR","Apple SD Gothic Neo","Malgun Gothic",system-ui,sans-serif;
color:#111;margin:24px auto;max-width:780px;font-size:13px;line-height:1.45}
h1{font-size:20px;margin:0 0 4px}h2{font-size:15px;margin:18px 0 6px;border-bottom:1px solid #999}
.meta{color:#333;margin:0}.hint{background:#eef;padding:6px 10px;border-radius:4px}
table{border-collapse:collapse;width:100%;margin:4px 0}
th,td{border:1px solid #bbb;padding:3px 6px;text-align:left}td.n{text-align:right}
th{background:#f2f2f2;font-weight:600}
.chart{width:100%;height:auto;margin-top:6px}
.plot{fill:#fff;stroke:#888}.band{fill:#d9f0d9}.grid{stroke:#e4e4e4}
.rule{stroke:#b00;stroke-dasharray:4 3}.tick{font-size:10px;fill:#333}
.dot{stroke:none}.line{fill:none;stroke-width:1.2}.whisker{stroke-width:1;opacity:.45}
.glucose{fill:#1f5fa8;stroke:#1f5fa8}.systolic{fill:#a8321f;stroke:#a8321f}
.diastolic{fill:#1f7a4d;stroke:#1f7a4d}.chart polyline{fill:none}
.diastolic.line{stroke-dasharray:5 3}.unit{font-size:10px;fill:#333}
.legend span{margin-right:14px}.swatch{display:inline-block;width:18px;height:3px;
vertical-align:middle;margin-right:4px}
.footer{color:#555;font-size:11px;margin-top:18px}
@page{size:A4;margin:14mm}
@media print{body{margin:0;max-width:none;font-size:11px}.no-print{display:none}
section{break-inside:avoid}th{background:#eee !important;-webkit-print-color-adjust:exact;
print-color-adjust:exact}.band{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""


def _bounds(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    low, high = forms.day_bounds(start, end, tz)
    assert low is not None
    assert high is not None
    return low, high


def printable_report_html(
    db: Session,
    *,
    user_id: int,
    prefs: Preferences,
    start: date,
    end: date,
    lang: str,
    now: datetime | None = None,
) -> str:
    """A self-contained, print-styled HTML page for the local days [start, end]: statistics a
    clinician reads first and inline SVG charts; no external assets, no script."""
    if end < start:
        raise ValueError("end must not be before start")
    user = existing_user(db, user_id)
    t = translator(lang)
    low, high = _bounds(start, end, prefs.tz)
    days = (end - start).days + 1
    now = now or utcnow()
    generated = now.astimezone(prefs.tz).strftime("%Y-%m-%d %H:%M")
    body = "".join([
        f"<h1>{t('report.print.title')}</h1>",
        f'<p class="meta">{t("report.print.patient")}: {html.escape(user.login)}</p>',
        f'<p class="meta">{t("report.print.period")}: {start.isoformat()} – {end.isoformat()} '
        f"({t('report.print.days', days=days)})</p>",
        f'<p class="meta">{t("report.print.timezone")}: {html.escape(prefs.tz.key)} · '
        f"{t('report.print.generated')}: {generated}</p>",
        f'<p class="hint no-print">{t("report.print.print_hint")}</p>',
        glucose_section(db, user_id, prefs, low, high, lang),
        hba1c_section(db, user_id, prefs, end, lang),
        bp_section(db, user_id, prefs, low, high, lang),
        activity_sections(db, user_id, prefs, low, high, days, lang),
        f'<p class="footer">{t("report.print.footer")}</p>',
    ])  # fmt: skip
    title = f"{translate(lang, 'report.print.title')} {start.isoformat()} – {end.isoformat()}"
    return (
        f'<!DOCTYPE html><html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>"
        f"<body>{body}</body></html>"
    )
