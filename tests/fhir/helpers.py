"""Reading a Bundle in the tests: parse it with fhir.resources, find resources, check references."""

from collections.abc import Iterator
from typing import Any

from fhir.resources.R4B.bundle import Bundle


def parsed(bundle: dict) -> Bundle:
    """Return the Bundle parsed by fhir.resources' R4B models (each entry by its own resource model)."""
    model = Bundle.model_validate(bundle)
    for entry, raw in zip(model.entry or [], bundle["entry"], strict=True):
        assert entry.resource is not None
        assert type(entry.resource).__name__ == raw["resource"]["resourceType"]
    return model


def resources(bundle: dict, resource_type: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type]


def coded(bundle: dict, system: str, code: str) -> list[dict]:
    """Return the Observations coded ``system|code``."""
    return [
        obs
        for obs in resources(bundle, "Observation")
        if any(c["system"] == system and c["code"] == code for c in obs["code"]["coding"])
    ]


def references(value: Any) -> Iterator[str]:
    """Yield every Reference.reference anywhere inside ``value``."""
    if isinstance(value, dict):
        for key, inner in value.items():
            # A resource's own "reference" element (DetectedIssue.reference) is a URI, not a Reference.
            if key == "reference" and isinstance(inner, str) and "resourceType" not in value:
                yield inner
            else:
                yield from references(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from references(inner)


def unresolved(bundle: dict) -> set[str]:
    """Return the references inside the Bundle that point at no entry's fullUrl."""
    full_urls = {entry["fullUrl"] for entry in bundle["entry"]}
    return {ref for entry in bundle["entry"] for ref in references(entry["resource"]) if ref not in full_urls}


def texts(value: Any) -> str:
    """Return every string inside ``value`` joined, to look for text that must (not) be there."""
    if isinstance(value, dict):
        return " ".join(texts(inner) for inner in value.values())
    if isinstance(value, list):
        return " ".join(texts(inner) for inner in value)
    return value if isinstance(value, str) else ""
