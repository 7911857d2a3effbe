"""The FHIR endpoints, mounted at /fhir/."""

from django.urls import path

from checklists.fhir import views

app_name = "fhir"
urlpatterns = [
    path("Patient/<int:pk>/$everything", views.patient_everything, name="patient-everything"),
]
