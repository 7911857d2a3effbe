from django.contrib import admin

from checklists.admin.careplan import CAREPLAN_INLINES, CarePlanPatientListMixin
from checklists.admin.scoping import PatientScopedAdmin
from checklists.models import Patient


@admin.register(Patient)
class PatientAdmin(CarePlanPatientListMixin, PatientScopedAdmin):
    patient_lookup = ""
    list_display = ["__str__", "time_zone", "invitation_status"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    inlines = [*CAREPLAN_INLINES]
