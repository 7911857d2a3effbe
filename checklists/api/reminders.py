"""Reminder, notification and Web Push key endpoints of the patient API.

Every time is shown in the patient's own zone; another patient's reminder answers 404.
"""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from checklists.api.permissions import request_patient
from checklists.api.serializers import LocalTimeField
from checklists.api.views import COMMON, INVALID, NOT_FOUND, PatientAPIView
from checklists.models import Assignment, Notification, Patient, Reminder
from checklists.models.reminders import ReminderKind
from checklists.plan.rules import EVERY_DAY, mask_to_weekdays, weekdays_to_mask
from checklists.reminders.push import vapid_public_key
from checklists.reminders.services import reminder_create, reminder_delete, reminder_snooze, reminder_update

NOTIFICATIONS_PAGE_SIZE = 50
MAX_ID = 2**63 - 1  # larger ids cannot exist (bigint)
NOT_CONFIGURED = OpenApiResponse(description="Web Push is not configured on this server (no VAPID keys).")


class LocalDateTimeField(serializers.DateTimeField):
    """An aware datetime rendered in the zone given as the serializer context's ``zone``."""

    def to_representation(self, value):
        if value is None:
            return None
        return value.astimezone(self.context["zone"]).isoformat()


class WeekdaysField(serializers.ListField):
    """Weekdays as a list of numbers, 0 = Monday ... 6 = Sunday; stored as a bit mask."""

    child = serializers.IntegerField(min_value=0, max_value=6)

    def to_representation(self, value):
        return mask_to_weekdays(value)

    def to_internal_value(self, data):
        days = super().to_internal_value(data)
        if not days:
            raise serializers.ValidationError(_("Choose at least one day of the week."))
        return weekdays_to_mask(days)


class ReminderOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    assignment = serializers.IntegerField(source="assignment_id", allow_null=True)
    follow_up_id = serializers.IntegerField(allow_null=True)
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    local_time = LocalTimeField(format="%H:%M")
    weekdays = WeekdaysField()
    on_date = serializers.DateField(allow_null=True)
    active = serializers.BooleanField()
    only_if_not_done = serializers.BooleanField()
    snoozed_until = LocalDateTimeField(allow_null=True)
    next_fire_at = LocalDateTimeField(allow_null=True)


def _own_reminder(patient: Patient, pk: str) -> Reminder:
    """Return the patient's reminder ``pk``; a malformed id or another patient's is a JSON 404."""
    # The id is matched as text (not <int:>) so that a malformed one is a JSON 404 like any other.
    if not pk.isdecimal() or int(pk) > MAX_ID:
        raise Http404
    return get_object_or_404(Reminder.objects.select_related("patient"), patient=patient, pk=int(pk))


def _reminder_response(request: Request, reminder: Reminder, code: int = status.HTTP_200_OK) -> Response:
    zone = request_patient(request).zone
    return Response(ReminderOutput(reminder, context={"zone": zone}).data, status=code)


class RemindersView(PatientAPIView):
    """List the patient's reminders, or add one."""

    @extend_schema_serializer(component_name="ReminderCreateInput")
    class Input(serializers.Serializer):
        kind = serializers.ChoiceField(
            choices=[ReminderKind.ASSIGNMENT, ReminderKind.DIARY, ReminderKind.MEDICATION]
        )
        assignment = serializers.IntegerField(required=False, allow_null=True)
        label = serializers.CharField(  # type: ignore[assignment]  # a field, not Field.label
            required=False, allow_blank=True, max_length=80, default=""
        )
        local_time = LocalTimeField(format="%H:%M")
        # The default is the value after parsing, a mask; the stubs expect a list for a ListField.
        weekdays = WeekdaysField(required=False, default=EVERY_DAY)  # type: ignore[arg-type]
        only_if_not_done = serializers.BooleanField(required=False, default=True)
        active = serializers.BooleanField(required=False, default=True)

    @extend_schema(responses={200: ReminderOutput(many=True), **COMMON})
    def get(self, request: Request) -> Response:
        rows = Reminder.objects.filter(patient=self.patient)
        return Response(ReminderOutput(rows, many=True, context={"zone": self.patient.zone}).data)

    @extend_schema(request=Input, responses={201: ReminderOutput, 400: INVALID, **COMMON})
    def post(self, request: Request) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        assignment_id = values.pop("assignment", None)
        assignment = None
        if values["kind"] == ReminderKind.ASSIGNMENT:
            assignment = Assignment.objects.filter(patient=self.patient, pk=assignment_id).first()
            if assignment is None:
                raise serializers.ValidationError({"assignment": [_("Choose one of your checklists.")]})
        try:
            reminder = reminder_create(patient=self.patient, assignment=assignment, **values)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return _reminder_response(request, reminder, status.HTTP_201_CREATED)


class ReminderDetailView(PatientAPIView):
    """Read, change or delete one of the patient's reminders."""

    @extend_schema_serializer(component_name="ReminderUpdateInput")
    class Input(serializers.Serializer):
        label = serializers.CharField(  # type: ignore[assignment]  # a field, not Field.label
            required=False, allow_blank=True, max_length=80
        )
        local_time = LocalTimeField(required=False)
        weekdays = WeekdaysField(required=False)
        only_if_not_done = serializers.BooleanField(required=False)
        active = serializers.BooleanField(required=False)

    def _get(self, pk: str) -> Reminder:
        return _own_reminder(self.patient, pk)

    @extend_schema(responses={200: ReminderOutput, 404: NOT_FOUND, **COMMON})
    def get(self, request: Request, pk: str) -> Response:
        return _reminder_response(request, self._get(pk))

    @extend_schema(request=Input, responses={200: ReminderOutput, 400: INVALID, 404: NOT_FOUND, **COMMON})
    def patch(self, request: Request, pk: str) -> Response:
        reminder = self._get(pk)
        data = self.Input(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        try:
            reminder = reminder_update(reminder=reminder, **data.validated_data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return _reminder_response(request, reminder)

    @extend_schema(responses={204: None, 404: NOT_FOUND, **COMMON})
    def delete(self, request: Request, pk: str) -> Response:
        reminder_delete(reminder=self._get(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReminderSnoozeView(PatientAPIView):
    """Remind again in 10, 30 or 60 minutes (the notification's "Snooze 30 min" action)."""

    @extend_schema_serializer(component_name="ReminderSnoozeInput")
    class Input(serializers.Serializer):
        minutes = serializers.ChoiceField(choices=settings.REMINDER_SNOOZE_MINUTES)

    @extend_schema(request=Input, responses={200: ReminderOutput, 400: INVALID, 404: NOT_FOUND, **COMMON})
    def post(self, request: Request, pk: str) -> Response:
        reminder = _own_reminder(self.patient, pk)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        reminder = reminder_snooze(reminder=reminder, minutes=data.validated_data["minutes"])
        return _reminder_response(request, reminder)


class NotificationsView(PatientAPIView):
    """The patient's in-app notification feed, newest first."""

    @extend_schema_serializer(component_name="NotificationOutput")
    class Output(serializers.Serializer):
        id = serializers.IntegerField()
        slot = LocalDateTimeField()
        date = serializers.DateField(source="local_date")
        title = serializers.CharField()
        body = serializers.CharField()
        url = serializers.CharField()
        items = serializers.ListField(child=serializers.IntegerField())
        reminder_ids = serializers.ListField(child=serializers.IntegerField())
        read_at = LocalDateTimeField(allow_null=True)

    @extend_schema(responses={200: Output(many=True), **COMMON})
    def get(self, request: Request) -> Response:
        rows = Notification.objects.filter(patient=self.patient)[:NOTIFICATIONS_PAGE_SIZE]
        return Response(self.Output(rows, many=True, context={"zone": self.patient.zone}).data)


class VapidPublicKeyView(PatientAPIView):
    """The server's VAPID public key: the PWA's ``applicationServerKey`` when it subscribes."""

    @extend_schema_serializer(component_name="VapidPublicKeyOutput")
    class Output(serializers.Serializer):
        public_key = serializers.CharField()

    @extend_schema(responses={200: Output, 404: NOT_CONFIGURED, **COMMON})
    def get(self, request: Request) -> Response:
        key = vapid_public_key()
        if not key:
            return Response({"detail": _("Web Push is not configured on this server.")}, status=404)
        return Response(self.Output({"public_key": key}).data)
