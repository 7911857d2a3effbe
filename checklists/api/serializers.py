"""Serializers of the patient API.

Input serializers validate requests. Output serializers describe responses in the OpenAPI schema;
hot paths (today, days, sync) return the selectors' plain data in exactly these shapes, and the
schemathesis test checks that they match.
"""

import re
from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from checklists.accounts.time_zones import canonical_time_zone
from checklists.diary.rules import DIARY_NOTE_MAX_LENGTH, DIARY_SCALE_MAX
from checklists.models.intake import INTAKE_REASON_MAX_LENGTH
from checklists.models.patients import VISIT_QUESTIONS_MAX_LENGTH, validate_time_zone
from checklists.reminders import endpoints
from checklists.sync.parse import MAX_ID, client_date_range_message, is_client_date

LOCAL_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"


@extend_schema_field({"type": "string", "pattern": LOCAL_TIME_PATTERN, "example": "21:30"})
class LocalTimeField(serializers.TimeField):
    """A wall-clock time in the patient's own zone, "HH:MM" or "HH:MM:SS", without an offset."""

    def to_internal_value(self, value):
        if not isinstance(value, str) or not re.match(LOCAL_TIME_PATTERN, value):
            self.fail("invalid", format="HH:MM")
        return super().to_internal_value(value)


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into text, and text no
    column can store (a lone UTF-16 surrogate such as "\\ud800"; DRF already refuses NUL)."""

    default_error_messages = {
        "unstorable": _("This text contains characters that cannot be stored (an unpaired surrogate).")
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            data.encode("utf-8")
        except UnicodeEncodeError:
            self.fail("unstorable")  # never echo the value: it cannot be encoded into the answer either
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """An IntegerField that refuses text, fractions and booleans instead of converting them."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A BooleanField that takes only JSON true and false."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class QueryDateField(serializers.DateField):
    """A YYYY-MM-DD query parameter within the dates a client may send (sync.parse); present but
    empty is an error, not the default."""

    def get_value(self, dictionary):
        return dictionary.get(self.field_name, empty)

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not is_client_date(day):
            raise serializers.ValidationError(client_date_range_message())
        return day


class ErrorOutput(serializers.Serializer):
    detail = serializers.CharField(help_text=_("What went wrong, in words."))


class MeOutput(serializers.Serializer):
    email = serializers.EmailField(source="user.email")
    first_name = serializers.CharField(source="user.first_name")
    time_zone = serializers.CharField()
    language = serializers.CharField()
    quiet_hours_start = LocalTimeField(allow_null=True)
    quiet_hours_end = LocalTimeField(allow_null=True)
    today = serializers.DateField(source="local_today", help_text=_("Today's date in the patient's zone."))
    visit_questions = serializers.CharField(
        help_text=_("The patient's questions for their next appointment.")
    )


class MeInput(serializers.Serializer):
    time_zone = StrictCharField(required=False, max_length=64, validators=[validate_time_zone])
    language = serializers.ChoiceField(required=False, choices=settings.LANGUAGES)
    quiet_hours_start = LocalTimeField(required=False, allow_null=True)
    quiet_hours_end = LocalTimeField(required=False, allow_null=True)
    visit_questions = StrictCharField(
        required=False, allow_blank=True, max_length=VISIT_QUESTIONS_MAX_LENGTH, trim_whitespace=True
    )

    def validate_time_zone(self, value: str) -> str:
        # A phone may still report an old alias (Asia/Calcutta): store the current name.
        return canonical_time_zone(value)

    def validate(self, attrs: dict) -> dict:
        patient = self.context["patient"]
        start = attrs.get("quiet_hours_start", patient.quiet_hours_start)
        end = attrs.get("quiet_hours_end", patient.quiet_hours_end)
        if (start is None) != (end is None):
            raise serializers.ValidationError(
                {"quiet_hours": [_("Set both the start and the end of quiet hours, or neither.")]}
            )
        if start is not None and start == end:
            raise serializers.ValidationError(
                {"quiet_hours": [_("Quiet hours must start and end at different times.")]}
            )
        return attrs


class TodayInput(serializers.Serializer):
    date = QueryDateField(required=False, help_text=_("Default: today in the patient's zone."))


class TodayItemOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("The assignment item id that check-off ops name."))
    text = serializers.CharField()
    # Fields named like attributes of Field itself; DRF takes declared fields off the class.
    help_text = serializers.CharField(allow_blank=True)  # type: ignore[assignment]
    source = serializers.CharField(allow_blank=True)  # type: ignore[assignment]
    done = serializers.BooleanField()
    weekly_target = serializers.IntegerField(
        allow_null=True,
        help_text=_("N times a week: shown every day it may be done, never counted in a day's due/done."),
    )


class TodayChecklistOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("The assignment id."))
    name = serializers.CharField()
    category = serializers.CharField()
    due = serializers.IntegerField()
    done = serializers.IntegerField()
    items = TodayItemOutput(many=True)


class TodayOutput(serializers.Serializer):
    date = serializers.DateField()
    due = serializers.IntegerField(help_text=_("Items due that day."))
    done = serializers.IntegerField(help_text=_("Of those, how many are done."))
    cursor = serializers.IntegerField(
        help_text=_("Sync cursor as of this read: pass it as 'since' to get only later changes.")
    )
    checklists = TodayChecklistOutput(many=True)


class DaysInput(serializers.Serializer):
    def get_fields(self) -> dict:
        # "from" is a Python keyword, so these fields are declared here.
        return {
            "from": QueryDateField(required=False, help_text=_("Default: 'to' minus 29 days.")),
            "to": QueryDateField(required=False, help_text=_("Default: today in the patient's zone.")),
        }

    def validate(self, attrs: dict) -> dict:
        limit = settings.API_DAYS_MAX_RANGE
        last = attrs.get("to") or self.context["patient"].local_today()
        first = attrs.get("from") or last - timedelta(days=min(30, limit) - 1)
        if first > last:
            raise serializers.ValidationError({"from": [_("'from' must not be after 'to'.")]})
        if (last - first).days + 1 > limit:
            raise serializers.ValidationError(
                {"to": [_("At most %(limit)d days per request.") % {"limit": limit}]}
            )
        return {"first": first, "last": last}


class DayChecklistOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("The assignment id."))
    due = serializers.IntegerField()
    done = serializers.IntegerField()


class DayOutput(serializers.Serializer):
    date = serializers.DateField()
    due = serializers.IntegerField()
    done = serializers.IntegerField()
    complete = serializers.BooleanField(
        help_text=_("Every every-day item done and no weekly item out of reach: what a streak counts.")
    )
    severity = serializers.IntegerField(
        allow_null=True, help_text=_("The diary's severity that day, if any.")
    )
    sleep_quality = serializers.IntegerField(
        allow_null=True, help_text=_("The diary's sleep quality that day, if any.")
    )
    checklists = DayChecklistOutput(many=True, help_text=_("Per checklist with anything due that day."))


class WeekOutput(serializers.Serializer):
    def get_fields(self) -> dict:
        return {
            "from": serializers.DateField(help_text=_("The Monday.")),
            "to": serializers.DateField(help_text=_("The Sunday.")),
            "target": serializers.IntegerField(help_text=_("Check-offs owed that week.")),
            "done": serializers.IntegerField(help_text=_("Days checked that week.")),
        }


class WeeklyItemOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("The assignment item id."))
    checklist = serializers.IntegerField(help_text=_("The assignment id."))
    text = serializers.CharField()
    target = serializers.IntegerField(help_text=_("Times a week."))
    weeks = WeekOutput(many=True)


class PatternSideOutput(serializers.Serializer):
    nights = serializers.IntegerField()
    average = serializers.FloatField(help_text=_("Average diary severity, one decimal."))


class PatternOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("The assignment item id."))
    checklist = serializers.IntegerField(help_text=_("The assignment id."))
    text = serializers.CharField()
    kept = PatternSideOutput(help_text=_("Nights after days the item was ticked."))
    not_kept = PatternSideOutput(help_text=_("Nights after days it was open but not ticked."))


class DaysChecklistOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("The assignment id."))
    name = serializers.CharField()
    category = serializers.CharField()


class AdherenceChecklistOutput(DayChecklistOutput):
    share = serializers.FloatField(allow_null=True, help_text=_("done / due; null when nothing was due."))


class AdherenceOutput(serializers.Serializer):
    def get_fields(self) -> dict:
        return {
            "days": serializers.IntegerField(help_text=_("Length of the window in complete days.")),
            "label": serializers.CharField(
                help_text=_("How to label the figure, e.g. 'Last 7 complete days'.")
            ),
            "from": serializers.DateField(),
            "to": serializers.DateField(
                help_text=_("Yesterday in the patient's zone: today is still going.")
            ),
            "due": serializers.IntegerField(),
            "done": serializers.IntegerField(),
            "share": serializers.FloatField(allow_null=True),
            "checklists": AdherenceChecklistOutput(many=True),
        }


class DaysOutput(serializers.Serializer):
    def get_fields(self) -> dict:
        return {
            "from": serializers.DateField(),
            "to": serializers.DateField(),
            "due": serializers.IntegerField(),
            "done": serializers.IntegerField(),
            "days": DayOutput(many=True),
            "checklists": DaysChecklistOutput(many=True, help_text=_("The checklists the figures name.")),
            "weekly": WeeklyItemOutput(
                many=True, help_text=_("Each weekly-target item's Monday-Sunday weeks touching the range.")
            ),
            "patterns": PatternOutput(
                many=True,
                help_text=_(
                    "Personal patterns over the last PATTERN_WINDOW_DAYS complete days, whatever the range: "
                    "only items with at least PATTERN_MIN_NIGHTS nights on each side."
                ),
            ),
            "adherence": AdherenceOutput(
                many=True,
                help_text=_(
                    "Adherence over the last ADHERENCE_WINDOW_DAYS and 30 complete days, whatever the "
                    "range asked for: the figure the care team sees."
                ),
            ),
        }


class DiaryEntryFields(serializers.Serializer):
    severity = StrictIntegerField(min_value=0, max_value=DIARY_SCALE_MAX)
    sleep_quality: serializers.Field = StrictIntegerField(
        min_value=0, max_value=DIARY_SCALE_MAX, required=False, allow_null=True, default=None
    )
    onset_time = LocalTimeField(required=False, allow_null=True, default=None)
    arms_involved: serializers.Field = StrictBooleanField(required=False, default=False)
    note: serializers.Field = StrictCharField(
        required=False, allow_blank=True, default="", max_length=DIARY_NOTE_MAX_LENGTH
    )


class DiaryInput(DiaryEntryFields):
    pass


class DiaryOutput(DiaryEntryFields):
    date = serializers.DateField()
    updated_at = serializers.DateTimeField()


class CheckoffOpInput(serializers.Serializer):
    op_id = serializers.UUIDField(help_text=_("Chosen by the phone, unique per change."))
    kind = serializers.ChoiceField(choices=["checkoff"])
    item = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=_("An item id from /today/."))
    date = serializers.DateField()
    done = serializers.BooleanField()
    at = serializers.DateTimeField(help_text=_("Client time of the change, ISO-8601 with offset."))


class DiaryOpInput(serializers.Serializer):
    op_id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=["diary"])
    date = serializers.DateField()
    at = serializers.DateTimeField()
    entry = DiaryEntryFields()


@extend_schema_field(
    {"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$", "nullable": True, "example": "21:00"}
)
class DoseSlotField(serializers.CharField):
    """A dose time, "HH:MM" local, or null for an extra dose (the schema only: sync.parse reads ops)."""


class IntakeOpInput(serializers.Serializer):
    op_id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=["intake"])
    medication = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text=_("A medication id from /careplan/.")
    )
    date = serializers.DateField(help_text=_("The patient's local date of the dose."))
    slot = DoseSlotField(
        allow_null=True,
        help_text=_(
            "One of the medicine's dose times that date (its 'schedule' on /careplan/); null only for "
            "an extra dose, each of which is its own record."
        ),
    )
    status = serializers.ChoiceField(choices=["taken", "skipped", "extra"])
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=INTAKE_REASON_MAX_LENGTH,
        help_text=_("Why a dose was skipped (optional; only with 'skipped')."),
    )
    at = serializers.DateTimeField(help_text=_("Client time of the change, ISO-8601 with offset."))


SYNC_OP = PolymorphicProxySerializer(
    component_name="SyncOpInput",
    serializers={"checkoff": CheckoffOpInput, "diary": DiaryOpInput, "intake": IntakeOpInput},
    resource_type_field_name="kind",
    many=True,
)


class SyncInput(serializers.Serializer):
    ops = SYNC_OP
    since = serializers.IntegerField(
        allow_null=True,
        min_value=0,
        max_value=MAX_ID,
        help_text=_("The cursor of your last sync, or null for everything."),
    )


class RejectedOutput(serializers.Serializer):
    op_id = serializers.UUIDField()
    errors = serializers.DictField(  # type: ignore[assignment]  # a field, not Serializer.errors
        child=serializers.ListField(child=serializers.CharField()), help_text=_("Field: reasons.")
    )


class CheckoffChangeOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["checkoff"])
    item = serializers.IntegerField()
    date = serializers.DateField()
    done = serializers.BooleanField()
    at = serializers.DateTimeField(allow_null=True, help_text=_("Client time of the winning change."))
    op_id = serializers.UUIDField(allow_null=True)
    seq = serializers.IntegerField()


class DiaryEntryOutput(DiaryEntryFields):
    sleep_quality = serializers.IntegerField(allow_null=True)
    onset_time = LocalTimeField(allow_null=True)
    arms_involved = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True)


class DiaryChangeOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["diary"])
    date = serializers.DateField()
    entry = DiaryEntryOutput()
    at = serializers.DateTimeField(allow_null=True)
    op_id = serializers.UUIDField(allow_null=True)
    seq = serializers.IntegerField()


class IntakeChangeOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["intake"])
    medication = serializers.IntegerField()
    date = serializers.DateField()
    slot = DoseSlotField(allow_null=True, help_text=_("The dose time; null for an extra dose."))
    status = serializers.ChoiceField(choices=["taken", "skipped", "extra"])
    reason = serializers.CharField(allow_blank=True)
    at = serializers.DateTimeField(allow_null=True, help_text=_("Client time of the winning change."))
    op_id = serializers.UUIDField(allow_null=True, help_text=_("An extra dose is identified by its op id."))
    seq = serializers.IntegerField()


class SyncOutput(serializers.Serializer):
    applied = serializers.ListField(child=serializers.UUIDField())
    duplicates = serializers.ListField(child=serializers.UUIDField())
    rejected = RejectedOutput(many=True)
    changes = PolymorphicProxySerializer(
        component_name="SyncChange",
        serializers={
            "checkoff": CheckoffChangeOutput,
            "diary": DiaryChangeOutput,
            "intake": IntakeChangeOutput,
        },
        resource_type_field_name="kind",
        many=True,
    )
    cursor = serializers.IntegerField()


class SyncErrorOutput(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(  # type: ignore[assignment]  # a field, not Serializer.errors
        child=serializers.ListField(child=serializers.CharField())
    )
    limit = serializers.IntegerField(required=False, help_text=_("Present when the batch is too large."))


class PushKeysInput(serializers.Serializer):
    p256dh = StrictCharField(max_length=200, help_text=_("The browser's P-256 public key (base64url)."))
    auth = StrictCharField(max_length=100, help_text=_("The 16-byte auth secret (base64url)."))

    def validate_p256dh(self, value: str) -> str:
        return _valid(value, endpoints.p256dh_problem(value))

    def validate_auth(self, value: str) -> str:
        return _valid(value, endpoints.auth_problem(value))


def _valid(value: str, problem: str | None) -> str:
    if problem:
        raise serializers.ValidationError(problem)
    return value


class PushSubscriptionInput(serializers.Serializer):
    """The browser's ``PushSubscription.toJSON()``, as it is."""

    endpoint = serializers.URLField(
        max_length=1000,
        help_text=_("An https:// address on a browser's push service (the server's PUSH_SERVICE_HOSTS)."),
    )
    keys = PushKeysInput()
    expirationTime = StrictIntegerField(required=False, allow_null=True)

    def validate_endpoint(self, value: str) -> str:
        return _valid(value, endpoints.endpoint_problem(value))


class PushSubscriptionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    endpoint = serializers.URLField()
    created_at = serializers.DateTimeField()
