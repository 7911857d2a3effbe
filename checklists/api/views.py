"""Thin API views: validate, call a service or selector, respond."""

import datetime as dt
import re

from django.conf import settings
from django.http import Http404
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from checklists.accounts.services import patient_settings_update
from checklists.api import serializers as s
from checklists.api.parsers import JSONParser
from checklists.api.permissions import IsPatient, request_patient
from checklists.api.throttling import PatientRateThrottle, SyncRateThrottle
from checklists.diary.services import diary_entry_put
from checklists.models import DiaryEntry, Patient
from checklists.plan.rules import FUTURE_DAY_MESSAGE, latest_recordable_day
from checklists.plan.selectors import days_for, patterns_for, today_for
from checklists.reminders.services import (
    PushSubscriptionLimitReached,
    push_subscription_delete,
    push_subscription_save,
)
from checklists.sync.apply import sync_apply
from checklists.sync.parse import BatchError, client_date_range_message, is_client_date, parse_batch

FORBIDDEN = OpenApiResponse(s.ErrorOutput, description="Not signed in, or the account has no patient record.")
INVALID = OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: each field with its messages.")
NOT_FOUND = OpenApiResponse(s.ErrorOutput, description="No such object among yours.")
THROTTLED = OpenApiResponse(s.ErrorOutput, description="Too many requests; retry after Retry-After seconds.")
COMMON = {403: FORBIDDEN, 429: THROTTLED}


class PatientAPIView(APIView):
    """Base for every patient endpoint: signed-in patients only, throttled per user."""

    permission_classes = [IsPatient]
    throttle_classes = [PatientRateThrottle]
    parser_classes = [JSONParser]  # the app speaks JSON only, nesting limited (api/parsers.py)

    @property
    def patient(self) -> Patient:
        return request_patient(self.request)


@method_decorator(ensure_csrf_cookie, name="get")
class MeView(PatientAPIView):
    """The patient's profile and settings. GET also sets the ``csrftoken`` cookie."""

    @extend_schema(responses={200: s.MeOutput, **COMMON})
    def get(self, request: Request) -> Response:
        return Response(s.MeOutput(self.patient).data)

    @extend_schema(request=s.MeInput, responses={200: s.MeOutput, 400: INVALID, **COMMON})
    def patch(self, request: Request) -> Response:
        data = s.MeInput(data=request.data, context={"patient": self.patient})
        data.is_valid(raise_exception=True)
        patient = patient_settings_update(patient=self.patient, **data.validated_data)
        return Response(s.MeOutput(patient).data)


class TodayView(PatientAPIView):
    """The checklists due on a day (default today where the patient is), with items and done state."""

    @extend_schema(parameters=[s.TodayInput], responses={200: s.TodayOutput, 400: INVALID, **COMMON})
    def get(self, request: Request) -> Response:
        patient = self.patient
        day = None
        if request.query_params:  # the app's every-screen call has none: skip the serializer then
            query = s.TodayInput(data=request.query_params)
            query.is_valid(raise_exception=True)
            day = query.validated_data.get("date")
        # The cursor is read before the checklists, so a change racing this read is sent again, not lost.
        cursor = patient.sync_seq
        day = day or patient.local_today()
        return Response({**today_for(patient=patient, day=day), "cursor": cursor})


class DaysView(PatientAPIView):
    """Per-day totals for a date range (at most settings.API_DAYS_MAX_RANGE days)."""

    @extend_schema(parameters=[s.DaysInput], responses={200: s.DaysOutput, 400: INVALID, **COMMON})
    def get(self, request: Request) -> Response:
        query = s.DaysInput(data=request.query_params, context={"patient": self.patient})
        query.is_valid(raise_exception=True)
        days = days_for(patient=self.patient, **query.validated_data)
        return Response({**days, "patterns": patterns_for(patient=self.patient)})


class SyncView(PatientAPIView):
    """Apply a batch of offline ops and return every change since the client's cursor."""

    throttle_classes = [PatientRateThrottle, SyncRateThrottle]

    @extend_schema(
        request=s.SyncInput,
        responses={
            200: s.SyncOutput,
            400: OpenApiResponse(
                s.SyncErrorOutput, description="Malformed batch, or more ops than the limit."
            ),
            **COMMON,
        },
    )
    def post(self, request: Request) -> Response:
        try:
            batch = parse_batch(request.data)
        except BatchError as error:
            return Response(error.as_response(), status=status.HTTP_400_BAD_REQUEST)
        result = sync_apply(patient=self.patient, batch=batch)
        return Response(result.as_response())

    def handle_exception(self, exc: Exception) -> Response:
        # A body that is not JSON gets the same 400 shape as any other malformed batch.
        if isinstance(exc, ParseError):
            body = {"detail": str(exc.detail), "errors": {"body": [str(exc.detail)]}}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return super().handle_exception(exc)


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_PARAM = OpenApiParameter("date", OpenApiTypes.DATE, OpenApiParameter.PATH, description="YYYY-MM-DD")


class DiaryView(PatientAPIView):
    """The nightly diary entry of one date."""

    def _day(self, raw: str) -> dt.date:
        """Return the date in the URL; a path that is not a YYYY-MM-DD date is not found (404)."""
        if not ISO_DATE.match(raw):
            raise Http404
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:  # e.g. 2026-02-30
            raise Http404 from None

    @extend_schema(parameters=[DATE_PARAM], responses={200: s.DiaryOutput, 404: NOT_FOUND, **COMMON})
    def get(self, request: Request, date: str) -> Response:
        entry = DiaryEntry.objects.filter(patient=self.patient, date=self._day(date)).first()
        if entry is None:
            raise Http404
        return Response(s.DiaryOutput(entry).data)

    @extend_schema(
        parameters=[DATE_PARAM],
        request=s.DiaryInput,
        responses={200: s.DiaryOutput, 201: s.DiaryOutput, 400: INVALID, 404: NOT_FOUND, **COMMON},
    )
    def put(self, request: Request, date: str) -> Response:
        when = self._day(date)
        data = s.DiaryInput(data=request.data)
        data.is_valid(raise_exception=True)
        if not is_client_date(when):
            return Response({"date": [client_date_range_message()]}, status=400)
        if when > latest_recordable_day(self.patient.local_today()):
            return Response({"date": [str(FUTURE_DAY_MESSAGE)]}, status=400)
        entry, created = diary_entry_put(patient=self.patient, day=when, **data.validated_data)
        return Response(s.DiaryOutput(entry).data, status=201 if created else 200)


class PushSubscriptionsView(PatientAPIView):
    """Store this browser's Web Push subscription (posting the same endpoint again updates it)."""

    @extend_schema(
        request=s.PushSubscriptionInput,
        responses={201: s.PushSubscriptionOutput, 200: s.PushSubscriptionOutput, 400: INVALID, **COMMON},
    )
    def post(self, request: Request) -> Response:
        data = s.PushSubscriptionInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            subscription, created = push_subscription_save(
                patient=self.patient,
                endpoint=data.validated_data["endpoint"],
                p256dh=data.validated_data["keys"]["p256dh"],
                auth=data.validated_data["keys"]["auth"],
                user_agent=request.headers.get("User-Agent", ""),
            )
        except PushSubscriptionLimitReached:
            message = _(
                "You have %(limit)d devices with notifications on, the most allowed. Turn one off first."
            ) % {"limit": settings.PUSH_SUBSCRIPTIONS_PER_PATIENT}
            return Response({"endpoint": [message]}, status=400)
        return Response(s.PushSubscriptionOutput(subscription).data, status=201 if created else 200)


class PushSubscriptionView(PatientAPIView):
    """Forget one of the patient's push subscriptions."""

    @extend_schema(
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={204: None, 404: NOT_FOUND, **COMMON},
    )
    def delete(self, request: Request, id: str) -> Response:
        # The id is matched as text so that a malformed one is a JSON 404 like any other.
        if not id.isdecimal() or not push_subscription_delete(patient=self.patient, subscription_id=int(id)):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)
