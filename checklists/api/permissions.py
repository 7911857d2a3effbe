from django.conf import settings
from django.contrib.auth.models import User
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from checklists.models import Patient


def request_patient(request: Request) -> Patient:
    """Return the Patient record of the request's signed-in user (IsPatient has let only patients in)."""
    if not isinstance(request.user, User):
        raise NotAuthenticated
    return request.user.patient


class IsPatient(BasePermission):
    """Only a signed-in user with a Patient record may use the patient API (others get 403)."""

    message = "This API is for patients; your account has no patient record."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and hasattr(user, "patient"))


class ApiDocsAccess(BasePermission):
    """The API schema and docs: any signed-in user, or everyone when API_DOCS_PUBLIC is on (read per
    request, so the setting is the one switch)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(settings.API_DOCS_PUBLIC or (request.user and request.user.is_authenticated))
