"""FHIR files as a laboratory sends them, for the lab import tests."""

import json
from datetime import date
from typing import Any

from checklists.fhir import codes


def observation(
    loinc: str = codes.FERRITIN.code,
    value: float | str | None = 58,
    unit: str = "ng/mL",
    on: date | str = "2026-11-02",
    subject: dict | None = None,
    **extra: Any,
) -> dict:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": codes.LOINC, "code": loinc}]},
        "subject": subject if subject is not None else {"reference": "urn:uuid:patient-1"},
        "effectiveDateTime": on if isinstance(on, str) else on.isoformat(),
        "performer": [{"reference": "urn:uuid:lab-1"}],
    }
    if value is not None:
        resource["valueQuantity"] = {"value": value, "unit": unit, "system": codes.UCUM, "code": unit}
    resource.update(extra)
    return resource


def patient_resource(email: str = "pat@example.com", given: str = "Pat", family: str = "Doe") -> dict:
    return {
        "resourceType": "Patient",
        "name": [{"given": [given], "family": family}],
        "telecom": [{"system": "email", "value": email}],
    }


def bundle(*observations: dict, patient: dict | None = None) -> dict:
    entries = [
        {"fullUrl": "urn:uuid:patient-1", "resource": patient or patient_resource()},
        {"fullUrl": "urn:uuid:lab-1", "resource": {"resourceType": "Organization", "name": "Labor Nord"}},
    ]
    entries += [{"fullUrl": f"urn:uuid:obs-{n}", "resource": obs} for n, obs in enumerate(observations)]
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def text(data: dict) -> str:
    return json.dumps(data)
