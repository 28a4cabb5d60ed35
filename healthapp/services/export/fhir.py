"""The user's readings as a FHIR R4 Bundle (type "collection") of Observations, as a dict.

No Reflex import, no FHIR library at run time: the dict is built here and validated against the
R4 models of the `fhir.resources` package in the tests (tests/unit/services/export/test_fhir.py).

Codes (shared/CLINICAL.md): LOINC for what was measured, UCUM for units.
- Blood pressure: panel 85354-9 with components systolic 8480-6 and diastolic 8462-4, mm[Hg],
  category vital-signs, profile http://hl7.org/fhir/StructureDefinition/bp (the R4 vital signs
  BP profile). A pulse taken with it becomes its own heart-rate Observation, LOINC 8867-4, /min
  (the vital signs heart-rate profile); CLINICAL.md does not list that code, it is the one the
  FHIR R4 vital signs profile fixes.
- Glucose: the app is a self-monitoring log of meter readings, so the capillary-blood-by-glucometer
  codes fit better than the generic "glucose in blood" 2339-0: 41653-7 for any reading, and the
  fasting code 1556-0 ("Fasting glucose [Mass/volume] in Capillary blood") when the person marked
  the reading as fasting. Both are mass concentrations, so the value is always sent in mg/dL (the
  stored canonical value), whatever unit the person reads in; an mmol/L value would need the
  molar LOINC codes instead. Category laboratory (a point-of-care test is a laboratory
  observation in FHIR's observation-category system). The meal timing is also written into
  code.text (e.g. "Glucose, capillary blood, after dinner"), since R4 has no element for it.
  A CGM reading (source cgm, from a sensor through a Nightscout uploader) measures interstitial
  fluid, not capillary blood: LOINC 99504-3 ("Glucose [Mass/volume] in Interstitial fluid", the
  code of HL7's CGM implementation guide's sensor reading), category laboratory, in mg/dL, with
  method.text "Continuous glucose monitor" (the uploader names no device the app keeps).
- HbA1c: 4548-4 (Hemoglobin A1c/Hemoglobin.total in Blood), %, category laboratory; the result
  belongs to a calendar day, so effectiveDateTime is a date.
Every Observation refers to one Patient resource in the bundle that carries no identifying data.
Ids are stable UUIDs (uuid5 of user, kind and row id), so exporting twice gives the same ids.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from healthapp.db import utcnow
from healthapp.domain.clinical import GlucoseTiming
from healthapp.models import BloodPressure, Glucose, GlucoseSource, HbA1c
from healthapp.services.export.queries import owned_rows
from healthapp.services.ownership import existing_user
from healthapp.services.preferences import Preferences

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"
BP_PROFILE = "http://hl7.org/fhir/StructureDefinition/bp"
HEART_RATE_PROFILE = "http://hl7.org/fhir/StructureDefinition/heartrate"

BP_PANEL = ("85354-9", "Blood pressure panel with all children optional")
SYSTOLIC = ("8480-6", "Systolic blood pressure")
DIASTOLIC = ("8462-4", "Diastolic blood pressure")
HEART_RATE = ("8867-4", "Heart rate")
GLUCOSE_CAPILLARY = ("41653-7", "Glucose [Mass/volume] in Capillary blood by Glucometer")
GLUCOSE_FASTING_CAPILLARY = ("1556-0", "Fasting glucose [Mass/volume] in Capillary blood")
GLUCOSE_INTERSTITIAL = ("99504-3", "Glucose [Mass/volume] in Interstitial fluid")
CGM_METHOD = "Continuous glucose monitor"
HBA1C = ("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood")

# A fixed namespace for this app's resource ids (uuid5 needs one; any constant UUID will do).
ID_NAMESPACE = uuid.UUID("5f0c2a9e-3b7d-4c1e-9a51-6d2f8e4b7c10")

_TIMING_TEXT = {
    GlucoseTiming.FASTING: "fasting",
    GlucoseTiming.BEFORE_BREAKFAST: "before breakfast",
    GlucoseTiming.AFTER_BREAKFAST: "after breakfast",
    GlucoseTiming.BEFORE_LUNCH: "before lunch",
    GlucoseTiming.AFTER_LUNCH: "after lunch",
    GlucoseTiming.BEFORE_DINNER: "before dinner",
    GlucoseTiming.AFTER_DINNER: "after dinner",
    GlucoseTiming.BEDTIME: "bedtime",
    GlucoseTiming.OTHER: "timing not recorded",
}


def resource_id(user_id: int, kind: str, row_id: int | str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"healthapp/{user_id}/{kind}/{row_id}"))


def _coding(code: tuple[str, str]) -> dict[str, Any]:
    return {"system": LOINC, "code": code[0], "display": code[1]}


def _concept(code: tuple[str, str], text: str | None = None) -> dict[str, Any]:
    return {"coding": [_coding(code)], "text": text or code[1]}


def _category(code: str, display: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": CATEGORY_SYSTEM, "code": code, "display": display}]}]


# (code, display) in CATEGORY_SYSTEM; each Observation gets its own dicts, so a caller editing
# one bundle changes nothing else.
VITAL_SIGNS = ("vital-signs", "Vital Signs")
LABORATORY = ("laboratory", "Laboratory")


def _quantity(value: float | int, unit: str, code: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": code}


def _instant(value: datetime, tz: ZoneInfo) -> str:
    """A FHIR dateTime with seconds and the offset of the user's zone (same instant)."""
    return value.astimezone(tz).isoformat(timespec="seconds")


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _component(code: tuple[str, str], mm_hg: int) -> dict[str, Any]:
    return {"code": _concept(code), "valueQuantity": _quantity(mm_hg, "mmHg", "mm[Hg]")}


def _patient_id(user_id: int) -> str:
    return resource_id(user_id, "patient", user_id)


def _entry(resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}


def _observation(
    *,
    user_id: int,
    kind: str,
    row_id: int | None,
    category: tuple[str, str],
    code: dict[str, Any],
    effective: str,
    note: str = "",
    profile: str | None = None,
    **values: Any,
) -> dict[str, Any]:
    """The bundle entry of one Observation about the bundle's Patient; its id is stable (the
    user, `kind` and the row's id)."""
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": resource_id(user_id, kind, row_id or 0),
    }
    if profile:
        resource["meta"] = {"profile": [profile]}
    resource |= {
        "status": "final",
        "category": _category(*category),
        "code": code,
        "subject": {"reference": f"urn:uuid:{_patient_id(user_id)}"},
        "effectiveDateTime": effective,
        **values,
    }
    if note:
        resource["note"] = [{"text": note}]
    return _entry(resource)


def _bp_entries(bp: BloodPressure, user_id: int, tz: ZoneInfo) -> list[dict[str, Any]]:
    """The panel of a blood pressure reading and, when it has a pulse, its heart rate."""
    effective = _instant(bp.measured_at, tz)
    entries = [
        _observation(
            user_id=user_id,
            kind="bp",
            row_id=bp.id,
            category=VITAL_SIGNS,
            code=_concept(BP_PANEL, "Blood pressure"),
            effective=effective,
            note=bp.note,
            profile=BP_PROFILE,
            component=[_component(SYSTOLIC, bp.systolic), _component(DIASTOLIC, bp.diastolic)],
        )
    ]
    if bp.pulse is not None:
        entries.append(
            _observation(
                user_id=user_id,
                kind="pulse",
                row_id=bp.id,
                category=VITAL_SIGNS,
                code=_concept(HEART_RATE),
                effective=effective,
                profile=HEART_RATE_PROFILE,
                valueQuantity=_quantity(bp.pulse, "beats/minute", "/min"),
            )
        )
    return entries


def _glucose_entry(reading: Glucose, user_id: int, tz: ZoneInfo) -> dict[str, Any]:
    timing = GlucoseTiming(reading.timing)
    extra: dict[str, Any] = {}
    if GlucoseSource(reading.source) is GlucoseSource.CGM:
        text = f"Glucose, interstitial fluid (CGM), {_TIMING_TEXT[timing]}"
        code = _concept(GLUCOSE_INTERSTITIAL, text)
        extra["method"] = {"text": CGM_METHOD}
    else:
        fasting = timing is GlucoseTiming.FASTING
        text = f"Glucose, capillary blood, {_TIMING_TEXT[timing]}"
        code = _concept(GLUCOSE_FASTING_CAPILLARY if fasting else GLUCOSE_CAPILLARY, text)
    return _observation(
        user_id=user_id,
        kind="glucose",
        row_id=reading.id,
        category=LABORATORY,
        code=code,
        effective=_instant(reading.measured_at, tz),
        note=reading.note,
        valueQuantity=_quantity(_number(reading.mg_dl), "mg/dL", "mg/dL"),
        **extra,
    )


def _hba1c_entry(result: HbA1c, user_id: int) -> dict[str, Any]:
    return _observation(
        user_id=user_id,
        kind="hba1c",
        row_id=result.id,
        category=LABORATORY,
        code=_concept(HBA1C, "HbA1c"),
        effective=result.measured_on.isoformat(),  # a laboratory result belongs to a day
        note=result.note,
        valueQuantity=_quantity(_number(result.percent), "%", "%"),
    )


def fhir_bundle(
    db: Session, *, user_id: int, prefs: Preferences, now: datetime | None = None
) -> dict[str, Any]:
    """Blood pressure (and pulse), glucose and HbA1c of the user as a FHIR R4 collection Bundle."""
    existing_user(db, user_id)
    tz = prefs.tz
    entries = [_entry({"resourceType": "Patient", "id": _patient_id(user_id)})]
    for bp in owned_rows(db, BloodPressure, user_id=user_id, order=BloodPressure.measured_at):
        entries += _bp_entries(bp, user_id, tz)
    entries += [
        _glucose_entry(reading, user_id, tz)
        for reading in owned_rows(db, Glucose, user_id=user_id, order=Glucose.measured_at)
    ]
    entries += [
        _hba1c_entry(result, user_id)
        for result in owned_rows(db, HbA1c, user_id=user_id, order=HbA1c.measured_on)
    ]

    stamp = (now or utcnow()).astimezone(tz)
    return {
        "resourceType": "Bundle",
        "id": resource_id(user_id, "bundle", stamp.isoformat()),
        "meta": {"lastUpdated": stamp.isoformat(timespec="seconds")},
        "type": "collection",
        "timestamp": stamp.isoformat(timespec="seconds"),
        "entry": entries,
    }
