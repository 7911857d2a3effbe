"""Shared fixtures: the personas every permission test uses."""

import pytest
from django.core.cache import cache

from tests.factories import ClinicianFactory, PatientFactory, SuperuserFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counts and cached sessions live in the cache (Redis with CACHE_URL): each test starts
    from an empty one."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test passwords cheaply; the production hasher list is asserted on rlsapp.settings itself."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clinician(db):
    return ClinicianFactory(email="alice.clinician@example.com")


@pytest.fixture
def other_clinician(db):
    return ClinicianFactory(email="bob.clinician@example.com")


@pytest.fixture
def superuser(db):
    return SuperuserFactory(email="root@example.com")


@pytest.fixture
def patient(clinician):
    """A patient on ``clinician``'s care team."""
    return PatientFactory(user__email="pat@example.com", care_team=[clinician])


@pytest.fixture
def other_patient(other_clinician):
    """A patient on ``other_clinician``'s care team only."""
    return PatientFactory(user__email="other.pat@example.com", care_team=[other_clinician])
