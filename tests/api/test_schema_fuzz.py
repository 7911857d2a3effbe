"""Schemathesis over the whole OpenAPI schema, in-process, signed in as a patient with session + CSRF.

Every generated request must get no 5xx and a response that conforms to the schema (status code,
content type, body, headers). The example budget is fixed and derandomized so the run is short and
repeatable. ``positive_data_acceptance`` is left out: some schema-valid requests are rightly refused
(a 93-day range, quiet hours with one end, a diary date after tomorrow), and those 400s are documented.
"""

import json
from contextlib import contextmanager

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.conftest import make_plan, signed_in

EXAMPLES_PER_OPERATION = 60


def openapi_document() -> dict:
    """Return the schema as /api/schema/ serves it, less its security schemes.

    The fuzzing is of the data; every request carries a real patient's session cookie and CSRF token
    (test_permissions.py covers requests without them). With the schemes in, schemathesis would send
    made-up session cookies that our real ones then override.
    """
    generated = SchemaGenerator().get_schema(request=None, public=True)
    document = json.loads(OpenApiJsonRenderer().render(generated))
    document.get("components", {}).pop("securitySchemes", None)
    for operations in document["paths"].values():
        for operation in operations.values():
            operation.pop("security", None)
    return document


@pytest.fixture
def wsgi_app(db, settings):
    """The project's WSGI app; call it inside ``connection_kept()``."""
    # Generated requests come thick and fast from one user: no throttling here.
    settings.API_THROTTLE_RATES = {
        "patient": "1000000/minute",
        "sync": "1000000/minute",
        "reminder_test": "1000000/minute",
    }
    return get_wsgi_application()


@contextmanager
def connection_kept():
    """Like Django's test client, keep the request signals from closing the test's connection
    (and with it the test's transaction) around a request to the WSGI app."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def patient_session(patient) -> dict:
    """The cookies and header a signed-in phone sends: session id, CSRF cookie and X-CSRFToken."""
    make_plan(patient, items=4)
    client = signed_in(patient.user)
    client.get("/api/v1/me/")
    token = client.cookies["csrftoken"].value
    return {
        "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": token},
        "headers": {"X-CSRFToken": token},
    }


schema = schemathesis.openapi.from_dict(openapi_document())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms_to_the_schema(case, wsgi_app, patient_session):
    with connection_kept():
        case.call_and_validate(
            app=wsgi_app,
            headers=patient_session["headers"],
            cookies=patient_session["cookies"],
            excluded_checks=[positive_data_acceptance],
        )
