"""GET /api/v1/time-zones/ and the zone the profile stores: current IANA names, never the old aliases."""

import pytest

from checklists.accounts.time_zones import canonical_time_zone, current_time_zones
from checklists.models import Patient

ALIASES = {"Asia/Calcutta": "Asia/Kolkata", "Europe/Kiev": "Europe/Kyiv", "US/Eastern": "America/New_York"}


def test_the_list_has_current_names_and_no_aliases():
    zones = current_time_zones()
    assert {"Asia/Kolkata", "Europe/Kyiv", "Europe/London", "America/New_York", "UTC"} <= set(zones)
    assert not set(ALIASES) & set(zones)
    assert not {"Etc/UTC", "GB", "Factory", "localtime", "CST6CDT"} & set(zones)
    assert zones == sorted(zones)


@pytest.mark.parametrize(("alias", "current"), [*ALIASES.items(), ("Etc/UTC", "UTC"), ("UTC", "UTC")])
def test_an_alias_maps_to_its_current_name(alias, current):
    assert canonical_time_zone(alias) == current


def test_it_sends_the_zones_and_the_aliases_links(patient_client):
    body = patient_client.get("/api/v1/time-zones/").json()
    assert body["zones"] == current_time_zones()
    assert {alias: body["links"][alias] for alias in ALIASES} == ALIASES
    assert set(body["links"].values()) <= set(body["zones"])


def test_it_refuses_a_stranger(client):
    assert client.get("/api/v1/time-zones/").status_code == 403


def test_a_phones_old_alias_is_stored_by_its_current_name(patient_client, patient):
    response = patient_client.patch(
        "/api/v1/me/", {"time_zone": "Asia/Calcutta"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["time_zone"] == "Asia/Kolkata"
    assert Patient.objects.get(pk=patient.pk).time_zone == "Asia/Kolkata"
