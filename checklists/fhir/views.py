"""GET /fhir/Patient/<id>/$everything: the clinician's FHIR export of one of their patients.

Guarded exactly as the admin: a signed-in active staff user (else the admin's sign-in page), past the
clinicians' two-factor gate (the middleware guards /admin/ only, so this view applies the same rule),
with the admin's permission to view patients (else 403), and only for a patient on their care team
(``scope_to_clinician``: anyone else's patient is a 404). Each export is written to the access log.
"""

import json
from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from checklists.admin.scoping import admin_user, scope_to_clinician
from checklists.fhir.export import CLINICIAN, FHIR_JSON, patient_bundle
from checklists.models import Patient
from checklists.security.audit import Action, audit_record
from checklists.security.middleware import two_factor_required
from checklists.security.twofactor import has_confirmed_device

AUDIT_KIND = "fhir.bundle"


def _fhir_response(body: dict, status: int = 200) -> HttpResponse:
    response = HttpResponse(json.dumps(body, ensure_ascii=False), content_type=FHIR_JSON, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _not_found() -> HttpResponse:
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "not-found", "diagnostics": "No such patient among yours."}],
    }
    return _fhir_response(outcome, status=404)


@require_GET
def _patient_everything(request: HttpRequest, pk: int) -> HttpResponse:
    user = admin_user(request)
    if two_factor_required(user) and not request.user.is_verified():  # type: ignore[union-attr]  # django-otp
        target = "two_factor_verify" if has_confirmed_device(user) else "two_factor_setup"
        return HttpResponseRedirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
    if not user.has_perm("checklists.view_patient"):
        raise PermissionDenied
    patient = scope_to_clinician(Patient.objects.select_related("user"), request, "").filter(pk=pk).first()
    if patient is None:
        return _not_found()
    bundle = patient_bundle(patient=patient, audience=CLINICIAN)
    audit_record(
        request=request, action=Action.EXPORT, patient_id=patient.pk, kind=AUDIT_KIND, object_id=patient.pk
    )
    return _fhir_response(bundle)


# The admin's own guard: anyone but active staff goes to the admin sign-in; never cached; CSRF-protected.
patient_everything = admin.site.admin_view(_patient_everything)
