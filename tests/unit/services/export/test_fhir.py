"""The FHIR R4 bundle: valid against the R4 models of fhir.resources, with the right codes.

fhir.resources 8 ships FHIR R4B (4.3.0) under fhir.resources.R4B; R4B left Bundle and Observation
as they are in R4 (4.0.1), so validating against it checks the R4 structure we emit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from sqlmodel import Session, select

from healthapp.models import User
from healthapp.services import preferences
from healthapp.services.export import fhir

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
# Unlike conftest's users: mmol/L (the bundle is in mg/dL all the same), no body weight, Korean,
# and the blood pressure standard that follows the language.
PREFS = {"glucose_unit": "mmol/L", "bp_standard": "", "weight_kg": "", "language": "ko"}
UCUM = "http://unitsofmeasure.org"


def loinc(resource: dict[str, Any]) -> str:
    (coding,) = resource["code"]["coding"]
    assert coding["system"] == "http://loinc.org"
    return coding["code"]


def category(resource: dict[str, Any]) -> str:
    (concept,) = resource["category"]
    (coding,) = concept["coding"]
    assert coding["system"] == "http://terminology.hl7.org/CodeSystem/observation-category"
    return coding["code"]


@pytest.fixture
def bundle(db: Session, make_user: Callable[..., int], add: Callable[..., None]) -> dict[str, Any]:
    alice = make_user("alice", **PREFS)
    other = make_user("other", **PREFS)
    add(alice, "bp", measured_at="2026-11-28T08:00", systolic="142", diastolic="92", pulse="70")
    add(alice, "bp", measured_at="2026-11-28T20:00", systolic="128", diastolic="79")
    add(alice, "glucose", measured_at="2026-11-28T07:00", value="5.5", timing="fasting",
        note="공복")  # fmt: skip
    add(alice, "glucose", measured_at="2026-11-28T21:00", value="9.1", timing="after_dinner")
    add(alice, "hba1c", measured_on="2026-11-20", percent="6.8")
    add(other, "glucose", measured_at="2026-11-28T07:00", value="5.0", timing="fasting")
    prefs = preferences.get_preferences(db, user_id=alice)
    return fhir.fhir_bundle(db, user_id=alice, prefs=prefs, now=NOW)


def test_bundle_validates_against_the_fhir_models(bundle: dict[str, Any]) -> None:
    parsed = Bundle.model_validate(json.loads(json.dumps(bundle)))  # what a client would receive
    assert parsed.type == "collection"
    observations = [
        e.resource for e in parsed.entry if e.resource.__resource_type__ == "Observation"
    ]
    assert len(observations) == 6  # 2 BP + 1 pulse + 2 glucose + 1 HbA1c (not the other user's)
    for entry in bundle["entry"]:
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
        if entry["resource"]["resourceType"] == "Observation":
            Observation.model_validate(entry["resource"])


def test_codes_units_and_categories(bundle: dict[str, Any]) -> None:
    patient = bundle["entry"][0]["resource"]
    assert patient == {"resourceType": "Patient", "id": patient["id"]}  # nothing identifying
    observations = [e["resource"] for e in bundle["entry"][1:]]
    assert all(o["subject"]["reference"] == f"urn:uuid:{patient['id']}" for o in observations)
    assert all(o["status"] == "final" for o in observations)
    by_code: dict[str, list[dict[str, Any]]] = {}
    for resource in observations:
        by_code.setdefault(loinc(resource), []).append(resource)
    assert sorted(by_code) == ["1556-0", "41653-7", "4548-4", "85354-9", "8867-4"]

    bp = by_code["85354-9"][0]
    assert category(bp) == "vital-signs"
    assert bp["meta"]["profile"] == ["http://hl7.org/fhir/StructureDefinition/bp"]
    assert bp["effectiveDateTime"] == "2026-11-28T08:00:00-05:00"
    components = {loinc(c): c["valueQuantity"] for c in bp["component"]}
    assert components == {
        "8480-6": {"value": 142, "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"},
        "8462-4": {"value": 92, "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"},
    }
    (pulse,) = by_code["8867-4"]  # only the reading that had a pulse
    assert pulse["valueQuantity"] == {
        "value": 70,
        "unit": "beats/minute",
        "system": UCUM,
        "code": "/min",
    }

    (fasting,) = by_code["1556-0"]
    (after,) = by_code["41653-7"]
    for reading in (fasting, after):
        assert category(reading) == "laboratory"
        assert reading["valueQuantity"]["system"] == UCUM
        assert reading["valueQuantity"]["code"] == "mg/dL"  # mass concentration, as the code says
    assert fasting["valueQuantity"]["value"] == pytest.approx(5.5 * 18.016)
    assert fasting["note"] == [{"text": "공복"}]
    assert "after dinner" in after["code"]["text"]

    (hba1c,) = by_code["4548-4"]
    assert category(hba1c) == "laboratory"
    assert hba1c["effectiveDateTime"] == "2026-11-20"
    assert hba1c["valueQuantity"] == {"value": 6.8, "unit": "%", "system": UCUM, "code": "%"}


def test_ids_are_stable(db: Session, bundle: dict[str, Any]) -> None:
    alice = db.exec(select(User.id).where(User.login == "alice")).one()
    prefs = preferences.get_preferences(db, user_id=alice)
    again = fhir.fhir_bundle(db, user_id=alice, prefs=prefs, now=NOW)
    assert [e["fullUrl"] for e in again["entry"]] == [e["fullUrl"] for e in bundle["entry"]]
    assert len({e["fullUrl"] for e in bundle["entry"]}) == len(bundle["entry"])


def test_a_cgm_reading_is_interstitial_glucose_by_a_continuous_monitor(
    db: Session, make_user: Callable[..., int], add: Callable[..., None]
) -> None:
    alice = make_user("alice", **PREFS)
    add(alice, "glucose", measured_at="2026-11-28T07:00", value="5.5", timing="fasting",
        source="cgm")  # fmt: skip
    add(alice, "glucose", measured_at="2026-11-28T07:05", value="5.6", timing="fasting",
        source="meter")  # fmt: skip
    prefs = preferences.get_preferences(db, user_id=alice)
    bundle = fhir.fhir_bundle(db, user_id=alice, prefs=prefs, now=NOW)
    cgm, meter = (e["resource"] for e in bundle["entry"][1:])
    Observation.model_validate(json.loads(json.dumps(cgm)))
    assert loinc(cgm) == "99504-3"  # Glucose [Mass/volume] in Interstitial fluid
    assert cgm["code"]["text"] == "Glucose, interstitial fluid (CGM), fasting"
    assert cgm["method"] == {"text": "Continuous glucose monitor"}
    assert category(cgm) == "laboratory"
    assert cgm["valueQuantity"]["code"] == "mg/dL"
    assert loinc(meter) == "1556-0"  # a meter reading keeps the capillary-blood codes
    assert "method" not in meter
