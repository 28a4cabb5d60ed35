"""The four record pages: blood pressure, blood glucose, HbA1c and exercise."""

import reflex as rx

from healthapp import routes
from healthapp.components.charts import agp_card
from healthapp.components.layout import template
from healthapp.components.records import FormField, record_page
from healthapp.domain.clinical import GlucoseTiming
from healthapp.domain.exercise import ExerciseKind, Intensity
from healthapp.models import GlucoseSource
from healthapp.state.agp import AgpState
from healthapp.state.records import BloodPressureState, ExerciseState, GlucoseState, HbA1cState

NOTE = FormField("note", "records.field.note", "note", required=False)


@template(route=routes.BLOOD_PRESSURE, on_load=[BloodPressureState.load])
def blood_pressure() -> rx.Component:
    return record_page(
        BloodPressureState,
        title_key="bp.title",
        intro_key="bp.intro",
        empty_key="bp.empty",
        form_id="bp",
        fields=[
            FormField("measured_at", "records.field.measured_at", "datetime"),
            FormField("systolic", "bp.field.systolic", "integer", help_key="bp.unit_help"),
            FormField("diastolic", "bp.field.diastolic", "integer", help_key="bp.unit_help"),
            FormField("pulse", "bp.field.pulse", "integer", required=False),
            NOTE,
        ],
    )


@template(route=routes.GLUCOSE, on_load=[GlucoseState.load, AgpState.load])
def glucose() -> rx.Component:
    page = record_page(
        GlucoseState,
        title_key="glucose.title",
        intro_key="glucose.intro",
        empty_key="glucose.empty",
        form_id="glucose",
        fields=[
            FormField("measured_at", "records.field.measured_at", "datetime"),
            FormField("value", "glucose.field.value", "decimal", help_var="unit_help"),
            FormField(
                "timing",
                "glucose.field.timing",
                "select",
                options=tuple((t.value, t.label_key) for t in GlucoseTiming),
            ),
            FormField(
                "source",
                "glucose.field.source",
                "select",
                options=tuple((s.value, s.option_key) for s in GlucoseSource),
            ),
            NOTE,
        ],
    )
    return rx.vstack(page, agp_card(), spacing="5", width="100%")


@template(route=routes.HBA1C, on_load=[HbA1cState.load])
def hba1c() -> rx.Component:
    return record_page(
        HbA1cState,
        title_key="hba1c.title",
        intro_key="hba1c.intro",
        empty_key="hba1c.empty",
        form_id="hba1c",
        fields=[
            FormField("measured_on", "hba1c.field.measured_on", "date"),
            FormField("percent", "hba1c.field.percent", "decimal"),
            NOTE,
        ],
    )


@template(route=routes.EXERCISE, on_load=[ExerciseState.load])
def exercise() -> rx.Component:
    return record_page(
        ExerciseState,
        title_key="exercise.title",
        intro_key="exercise.intro",
        empty_key="exercise.empty",
        form_id="exercise",
        fields=[
            FormField("started_at", "exercise.field.started_at", "datetime"),
            FormField(
                "kind",
                "exercise.field.kind",
                "select",
                options=tuple((k.value, k.label_key) for k in ExerciseKind),
            ),
            FormField("duration_min", "exercise.field.duration_min", "integer"),
            FormField(
                "intensity",
                "exercise.field.intensity",
                "select",
                options=tuple((i.value, i.label_key) for i in Intensity),
                help_key="exercise.intensity_help",
            ),
            NOTE,
        ],
    )
