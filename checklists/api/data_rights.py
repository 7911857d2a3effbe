"""The patient's data rights and session control: download my data, delete my account, sign out
everywhere. Thin: validate, call a service in checklists.accounts.data_rights, respond."""

from django.contrib.auth import authenticate, logout
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from checklists.accounts.data_rights import patient_account_delete, patient_export_zip, sessions_end_others
from checklists.api.serializers import StrictBooleanField
from checklists.api.views import COMMON, INVALID, PatientAPIView


class ExportView(PatientAPIView):
    @extend_schema(
        summary="Download my data",
        description=(
            "Everything stored about the signed-in patient as a zip: data.json plus one CSV per table "
            "(account, patient, and every table of their data). Each download is written to the access log."
        ),
        responses={
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="The zip file.")
        },
    )
    def get(self, request: Request) -> HttpResponse:
        content = patient_export_zip(patient=self.patient, request=request._request)
        response = HttpResponse(content, content_type="application/zip")
        filename = f"rls-care-my-data-{timezone.localdate():%Y-%m-%d}.zip"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response


class DeleteAccountView(PatientAPIView):
    @extend_schema_serializer(component_name="DeleteAccountInput")
    class Input(serializers.Serializer):
        password = serializers.CharField(help_text="The patient's current password, typed again.")
        # JSON true only: "true", 1 or "yes" are not a patient's confirmation.
        confirm = StrictBooleanField(help_text="Must be true: the patient confirmed they want this.")

    @extend_schema(
        summary="Delete my account",
        description=(
            "Deletes the account and all of the patient's data in one transaction and signs them out. "
            "Their care team sees in the admin that they left. Needs the password again and confirm=true."
        ),
        request=Input,
        responses={
            204: OpenApiResponse(description="Deleted; the session has ended."),
            400: INVALID,
            **COMMON,
            429: OpenApiResponse(
                inline_serializer(
                    "LockedOutOutput",
                    {"detail": serializers.CharField(), "cooloff_minutes": serializers.IntegerField()},
                ),
                description="Too many wrong passwords (sign-in throttling): try again after the pause.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["confirm"] is not True:
            return Response({"confirm": [_("Confirm that you want to delete your account.")]}, status=400)
        user = request.user
        # authenticate() (not check_password) so django-axes throttles guessing here too.
        if (
            authenticate(
                request._request, username=user.get_username(), password=data.validated_data["password"]
            )
            is None
        ):
            return Response({"password": [_("That password is not right.")]}, status=400)
        patient_account_delete(patient=self.patient, request=request._request)
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SignOutEverywhereView(PatientAPIView):
    @extend_schema(
        summary="Sign out everywhere else",
        description="Ends every other session of this account (other phones, browsers); this one stays.",
        request=None,
        responses={
            200: inline_serializer("SignOutEverywhereOutput", {"ended": serializers.IntegerField()}),
            **COMMON,
        },
    )
    def post(self, request: Request) -> Response:
        ended = sessions_end_others(
            user=self.patient.user, keep_session_key=request.session.session_key, request=request._request
        )
        return Response({"ended": ended})
