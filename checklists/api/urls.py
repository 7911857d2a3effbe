"""The patient API, mounted at /api/v1/. Each topic adds its routes here."""

from django.urls import path

from checklists.api import careplan, data_rights, fhir, intake, report, time_zones, views
from checklists.api import reminders as reminder_views

app_name = "api"
urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("time-zones/", time_zones.TimeZonesView.as_view(), name="time-zones"),
    path("today/", views.TodayView.as_view(), name="today"),
    path("days/", views.DaysView.as_view(), name="days"),
    path("sync/", views.SyncView.as_view(), name="sync"),
    path("diary/<str:date>/", views.DiaryView.as_view(), name="diary"),
    path("push-subscriptions/", views.PushSubscriptionsView.as_view(), name="push-subscriptions"),
    path("push-subscriptions/<str:id>/", views.PushSubscriptionView.as_view(), name="push-subscription"),
    # data rights and sign-out everywhere
    path("me/export/", data_rights.ExportView.as_view(), name="me-export"),
    path("me/delete/", data_rights.DeleteAccountView.as_view(), name="me-delete"),
    path(
        "me/sign-out-everywhere/",
        data_rights.SignOutEverywhereView.as_view(),
        name="me-sign-out-everywhere",
    ),
    # the record as a FHIR R4 Bundle (application/fhir+json), the patient's version
    path("me/fhir/", fhir.FhirExportView.as_view(), name="me-fhir"),
    # the visit report (a page or a PDF, not JSON)
    path("me/report/", report.MeReportView.as_view(), name="me-report"),
    # care plan
    path("careplan/", careplan.CarePlanView.as_view(), name="careplan"),
    # what the times of day a medicine is taken at mean for the patient (intake log)
    path("me/dose-times/", intake.DoseTimesView.as_view(), name="me-dose-times"),
    # reminders
    path("reminders/", reminder_views.RemindersView.as_view(), name="reminders"),
    # before reminders/<pk>/: where reminders go from this browser, and a test reminder
    path("reminders/channel/", reminder_views.ReminderChannelView.as_view(), name="reminder-channel"),
    path("reminders/test/", reminder_views.ReminderTestView.as_view(), name="reminder-test"),
    path("reminders/<str:pk>/", reminder_views.ReminderDetailView.as_view(), name="reminder"),
    path("reminders/<str:pk>/snooze/", reminder_views.ReminderSnoozeView.as_view(), name="reminder-snooze"),
    path("notifications/", reminder_views.NotificationsView.as_view(), name="notifications"),
    path("push/vapid-public-key/", reminder_views.VapidPublicKeyView.as_view(), name="vapid-public-key"),
]
