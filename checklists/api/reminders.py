"""Reminder, notification and Web Push key endpoints of the patient API.

Every time is shown in the patient's own zone; another patient's reminder answers 404.
"""

from datetime import datetime, tzinfo

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import formats
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from checklists.api.permissions import request_patient
from checklists.api.serializers import LocalTimeField, StrictCharField, StrictIntegerField
from checklists.api.throttling import PatientRateThrottle
from checklists.api.views import COMMON, INVALID, NOT_FOUND, PatientAPIView
from checklists.models import Assignment, Notification, Patient, PushSubscription, Reminder
from checklists.models.reminders import REPEAT_DEFAULT_TIMES, ReminderKind
from checklists.plan.rules import EVERY_DAY, mask_to_weekdays, weekdays_to_mask
from checklists.reminders.push import vapid_public_key
from checklists.reminders.send import reminder_test_send
from checklists.reminders.services import (
    patient_editable_fields,
    reminder_create,
    reminder_delete,
    reminder_patient_update,
    reminder_snooze,
    reminder_snooze_cancel,
)

NOTIFICATIONS_PAGE_SIZE = 50
MAX_ID = 2**63 - 1  # larger ids cannot exist (bigint)
NOT_CONFIGURED = OpenApiResponse(
    description='Web Push is not configured on this server (no VAPID keys): {"code": "push_not_configured", '
    '"detail": ..., "message": ...}.'
)
PUSH_NOT_CONFIGURED_MESSAGE = _(
    "This service does not send phone notifications. Your reminders come by email, and all of them are in "
    "the app's inbox."
)


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


def reminder_title(reminder: Reminder) -> str:
    """Return what the reminder is for, for the app's list only (never sent): the checklist's name,
    "Diary", the follow-up's title or kind, the medicine's name."""
    if reminder.kind == ReminderKind.ASSIGNMENT and reminder.assignment is not None:
        return reminder.assignment.name
    if reminder.kind == ReminderKind.DIARY:
        return gettext("Diary")
    if reminder.kind == ReminderKind.FOLLOW_UP and reminder.follow_up is not None:
        return reminder.follow_up.display_title
    if reminder.kind == ReminderKind.MEDICATION and reminder.medication is not None:
        return reminder.medication.name
    return reminder.label or str(reminder.get_kind_display())


def reminder_subtitle(reminder: Reminder) -> str:
    """Return the list's second line: a follow-up's date and how long before it, a dose's time."""
    follow_up = reminder.follow_up if reminder.kind == ReminderKind.FOLLOW_UP else None
    if follow_up is not None and reminder.on_date is not None:
        days = (follow_up.due_date - reminder.on_date).days
        when = (
            gettext("on the day")
            if days == 0
            else ngettext("%(days)d day before", "%(days)d days before", days) % {"days": days}
        )
        return gettext("Due %(date)s, %(when)s") % {
            "date": formats.date_format(follow_up.due_date, "D j M Y"),
            "when": when,
        }
    if reminder.kind == ReminderKind.MEDICATION and reminder.dose_time is not None:
        return gettext("Dose at %(time)s") % {"time": reminder.dose_time.strftime("%H:%M")}
    return ""


def reminder_target(reminder: Reminder) -> dict:
    """Return what the reminder is about, as ids (the PWA links to it)."""
    if reminder.kind == ReminderKind.ASSIGNMENT:
        return {"type": "assignment", "id": reminder.assignment_id}
    if reminder.kind == ReminderKind.FOLLOW_UP and reminder.follow_up is not None:
        days = (reminder.follow_up.due_date - reminder.on_date).days if reminder.on_date else None
        return {
            "type": "follow_up",
            "id": reminder.follow_up_id,
            "due_date": reminder.follow_up.due_date.isoformat(),
            "days_before": days,
        }
    if reminder.kind == ReminderKind.MEDICATION and reminder.medication_id is not None:
        dose_time = reminder.dose_time.strftime("%H:%M") if reminder.dose_time else None
        return {"type": "medication", "id": reminder.medication_id, "dose_time": dose_time}
    return {"type": reminder.kind}


class ReminderOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.SerializerMethodField()
    subtitle = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField()
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
    repeat_every_minutes = serializers.IntegerField(allow_null=True)
    repeat_max_times = serializers.IntegerField()
    editable = serializers.SerializerMethodField()

    def get_title(self, reminder: Reminder) -> str:
        return reminder_title(reminder)

    def get_subtitle(self, reminder: Reminder) -> str:
        return reminder_subtitle(reminder)

    def get_target(self, reminder: Reminder) -> dict:
        return reminder_target(reminder)

    def get_editable(self, reminder: Reminder) -> list[str]:
        return list(patient_editable_fields(reminder))


def _reminders(patient: Patient) -> QuerySet[Reminder]:
    return Reminder.objects.filter(patient=patient).select_related("assignment", "follow_up", "medication")


def _own_reminder(patient: Patient, pk: str) -> Reminder:
    """Return the patient's reminder ``pk``; a malformed id or another patient's is a JSON 404."""
    # The id is matched as text (not <int:>) so that a malformed one is a JSON 404 like any other.
    if not pk.isdecimal() or int(pk) > MAX_ID:
        raise Http404
    return get_object_or_404(_reminders(patient).select_related("patient"), pk=int(pk))


def _reminder_response(request: Request, reminder: Reminder, code: int = status.HTTP_200_OK) -> Response:
    zone = request_patient(request).zone
    return Response(ReminderOutput(reminder, context={"zone": zone}).data, status=code)


class RemindersView(PatientAPIView):
    """List the patient's reminders, or add one."""

    @extend_schema_serializer(component_name="ReminderCreateInput")
    class Input(serializers.Serializer):
        # Dose reminders follow the medicines' schedules; follow-up reminders the follow-ups.
        kind = serializers.ChoiceField(choices=[ReminderKind.ASSIGNMENT, ReminderKind.DIARY])
        assignment = serializers.IntegerField(required=False, allow_null=True)
        label = serializers.CharField(  # type: ignore[assignment]  # a field, not Field.label
            required=False, allow_blank=True, max_length=80, default=""
        )
        local_time = LocalTimeField(format="%H:%M")
        # The default is the value after parsing, a mask; the stubs expect a list for a ListField.
        weekdays = WeekdaysField(required=False, default=EVERY_DAY)  # type: ignore[arg-type]
        only_if_not_done = serializers.BooleanField(required=False, default=True)
        active = serializers.BooleanField(required=False, default=True)
        repeat_every_minutes = StrictIntegerField(required=False, allow_null=True, default=None)
        repeat_max_times = StrictIntegerField(required=False, default=REPEAT_DEFAULT_TIMES)

    @extend_schema(responses={200: ReminderOutput(many=True), **COMMON})
    def get(self, request: Request) -> Response:
        rows = _reminders(self.patient)
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
        repeat_every_minutes = StrictIntegerField(required=False, allow_null=True)
        repeat_max_times = StrictIntegerField(required=False)

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
            reminder = reminder_patient_update(reminder=reminder, **data.validated_data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return _reminder_response(request, reminder)

    @extend_schema(responses={204: None, 400: INVALID, 404: NOT_FOUND, **COMMON})
    def delete(self, request: Request, pk: str) -> Response:
        reminder = self._get(pk)
        if reminder.follow_up_id is not None or reminder.medication_id is not None:
            message = _("Turn it off instead: this reminder follows your care plan.")
            raise serializers.ValidationError({"non_field_errors": [message]})
        reminder_delete(reminder=reminder)
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

    @extend_schema(responses={200: ReminderOutput, 404: NOT_FOUND, **COMMON})
    def delete(self, request: Request, pk: str) -> Response:
        """End the snooze: back to the next regular time."""
        reminder = reminder_snooze_cancel(reminder=_own_reminder(self.patient, pk))
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
            message = str(PUSH_NOT_CONFIGURED_MESSAGE)
            return Response(
                {"code": "push_not_configured", "detail": message, "message": message}, status=404
            )
        return Response(self.Output({"public_key": key}).data)


def _when(value: datetime, zone: tzinfo) -> str:
    return formats.date_format(value.astimezone(zone), "j M, H:i")


def channel_status(*, patient: Patient, email: str, endpoint: str | None) -> dict:
    """Return where the patient's next reminder goes, as seen from the browser with ``endpoint``
    (its push subscription, or None): push here, push elsewhere, email, or the inbox only."""
    configured = bool(vapid_public_key())
    subscriptions = list(PushSubscription.objects.filter(patient=patient))
    here = next((s for s in subscriptions if endpoint and s.endpoint == endpoint), None)
    others = [s for s in subscriptions if s is not here]
    fallback = "email" if email else "none"
    last_success = here.last_success_at if here else None
    if not configured:
        code, channel = "push_not_configured", fallback
        message = str(PUSH_NOT_CONFIGURED_MESSAGE)
    elif here is not None and here.failure_count:
        working = any(s.failure_count == 0 for s in others)
        code, channel = "push_failing", "push" if working else fallback
        if channel == "email":
            message = gettext(
                "The last reminder could not reach this phone. Turn notifications off and on again here; "
                "until then reminders come by email."
            )
        else:
            message = gettext(
                "The last reminder could not reach this phone. Turn notifications off and on again here."
            )
    elif here is not None and last_success is not None:
        code, channel = "push_ok", "push"
        message = gettext("Reminders arrive on this phone. The last one reached it on %(when)s.") % {
            "when": _when(last_success, patient.zone)
        }
    elif here is not None:
        code, channel = "push_unconfirmed", "push"
        message = gettext(
            "Notifications are on for this phone. No reminder has reached it yet: send a test reminder to "
            "check."
        )
    elif others:
        code, channel = "push_other_device", "push"
        message = gettext(
            "Reminders go to another device of yours. Turn notifications on here to get them on this phone "
            "too."
        )
    elif email:
        code, channel = "email_fallback", "email"
        message = gettext(
            "Notifications are off on this phone, so reminders come by email. Turn notifications on to get "
            "them here instead."
        )
    else:
        code, channel = "none", "none"
        message = gettext(
            "Reminders reach you only in the app's inbox. Turn notifications on to get them on this phone."
        )
    return {
        "channel": channel,
        "code": code,
        "message": message,
        "push": {
            "configured": configured,
            "this_device": here is not None,
            "last_success_at": last_success.astimezone(patient.zone).isoformat() if last_success else None,
            "other_devices": len(others),
        },
        "email": {"available": bool(email)},
    }


class ReminderChannelView(PatientAPIView):
    """Where reminders go, seen from this browser: a read, posted so the endpoint stays out of logs."""

    @extend_schema_serializer(component_name="ReminderChannelInput")
    class Input(serializers.Serializer):
        endpoint = StrictCharField(required=False, allow_null=True, allow_blank=True, max_length=1000)

    @extend_schema_serializer(component_name="ReminderChannelOutput")
    class Output(serializers.Serializer):
        channel = serializers.ChoiceField(choices=["push", "email", "none"])
        code = serializers.CharField()
        message = serializers.CharField()
        push = serializers.DictField()
        email = serializers.DictField()

    @extend_schema(request=Input, responses={200: Output, 400: INVALID, **COMMON})
    def post(self, request: Request) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        status_ = channel_status(
            patient=self.patient,
            email=self.patient.user.email,
            endpoint=data.validated_data.get("endpoint") or None,
        )
        return Response(self.Output(status_).data)


class ReminderTestRateThrottle(PatientRateThrottle):
    """POST /reminders/test/ additionally: settings.API_THROTTLE_RATES["reminder_test"] per user."""

    scope = "reminder_test"


class ReminderTestView(PatientAPIView):
    """Send a neutral test reminder now, through the real push (else email) path; no inbox entry."""

    throttle_classes = [PatientRateThrottle, ReminderTestRateThrottle]

    @extend_schema_serializer(component_name="ReminderTestOutput")
    class Output(serializers.Serializer):
        channel = serializers.ChoiceField(choices=["push", "email", "in_app"])
        code = serializers.CharField()
        message = serializers.CharField()

    @extend_schema(request=None, responses={200: Output, **COMMON})
    def post(self, request: Request) -> Response:
        outcome = reminder_test_send(patient_id=self.patient.pk, day=self.patient.local_today())
        messages = {
            "sent_push": _("Test reminder sent to your devices with notifications on."),
            "sent_email": _("Test reminder sent by email: no device of yours has notifications on."),
            "push_retry": _("The notification service is busy. Try again in a minute."),
            "no_channel": _(
                "Nothing to send it to: turn notifications on here, or add an email address to your account."
            ),
        }
        return Response(self.Output({**outcome, "message": str(messages[outcome["code"]])}).data)
