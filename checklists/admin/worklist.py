"""The clinicians' worklist on the Patient admin (the first link of the admin's start page): their
patients who need attention now, with the reasons, a link to act on each and "Mark reviewed".

Scoped like every admin page (``scope_to_clinician``): only the clinician's own patients are read, and
marking another clinician's patient reviewed is a 404. Both pages write the access log.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _

from checklists.admin.scoping import _AdminBase, admin_user, scope_to_clinician
from checklists.models import Patient
from checklists.security.audit import Action, audit_record, audit_record_many
from checklists.worklist.rules import Attention, Reason
from checklists.worklist.selectors import SORTS, reason_counts, worklist_filtered, worklist_for
from checklists.worklist.services import worklist_mark_reviewed

WORKLIST_KIND = "worklist"

# Where on the patient's page each reason is acted on (the inline's id on the change form).
ANCHORS: dict[str, str] = {
    Reason.OVERDUE_FOLLOW_UP: "follow_ups-group",
    Reason.LAB_ACTION: "lab_results-group",
    Reason.LAB_UNREVIEWED: "lab_results-group",
    Reason.AUGMENTATION: "augmentation_findings-group",
    Reason.MEDICATION_FLAGGED: "medications-group",
    Reason.SEVERITY_WORSE: "diary_entries-group",
    Reason.ADHERENCE_LOW: "assignments-group",
}
ACT_LABELS: dict[str, str | Promise] = {
    Reason.OVERDUE_FOLLOW_UP: _("Open the follow-ups"),
    Reason.LAB_ACTION: _("Open the lab results"),
    Reason.LAB_UNREVIEWED: _("Open the lab results"),
    Reason.AUGMENTATION: _("Open the screening"),
    Reason.MEDICATION_FLAGGED: _("Open the medicines"),
    Reason.SEVERITY_WORSE: _("Open the visit report"),
    Reason.ADHERENCE_LOW: _("Open the checklists"),
    Reason.NO_SYNC: _("Open the patient"),
    Reason.INVITATION: _("Open the invitation"),
}


def act_url(attention: Attention, patient: Patient) -> str:
    """Return the address where the clinician acts on ``attention`` for ``patient``."""
    if attention.reason == Reason.SEVERITY_WORSE:
        return reverse("admin:checklists_patient_report", args=[patient.pk])
    change = reverse("admin:checklists_patient_change", args=[patient.pk])
    anchor = ANCHORS.get(attention.reason)
    return f"{change}#{anchor}" if anchor else change


class WorklistAdminMixin(_AdminBase):
    """Adds the worklist and its "Mark reviewed" to the Patient admin."""

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                "worklist/",
                self.admin_site.admin_view(self.worklist_view),
                name=f"{info[0]}_{info[1]}_worklist",
            ),
            path(
                "<path:object_id>/worklist-review/",
                self.admin_site.admin_view(self.worklist_review_view),
                name=f"{info[0]}_{info[1]}_worklist_review",
            ),
        ]
        return own + super().get_urls()

    def worklist_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        reason = request.GET.get("reason", "")
        reason = reason if reason in Reason.values else ""
        sort = request.GET.get("sort", "urgency")
        sort = sort if sort in SORTS else "urgency"
        rows = worklist_for(patients=scope_to_clinician(Patient.objects.all(), request, ""))
        counts = reason_counts(rows)
        shown = worklist_filtered(rows, reason=reason, sort=sort)
        page = Paginator(shown, settings.WORKLIST_PAGE_SIZE).get_page(request.GET.get("page"))
        audit_record_many(
            request=request,
            action=Action.VIEW,
            kind=WORKLIST_KIND,
            pairs=[("", row.patient.pk) for row in page.object_list],
        )
        here = request.get_full_path()
        entries = [
            {
                "row": row,
                "change_url": reverse("admin:checklists_patient_change", args=[row.patient.pk]),
                "review_url": reverse("admin:checklists_patient_worklist_review", args=[row.patient.pk]),
                "items": [
                    {
                        "attention": a,
                        "act_url": act_url(a, row.patient),
                        "act_label": ACT_LABELS[a.reason],
                    }
                    for a in row.open
                ],
            }
            for row in page.object_list
        ]

        def link(**params: str) -> str:
            query = {"reason": reason, "sort": sort, **params}
            return "?" + urlencode({k: v for k, v in query.items() if v and v != "urgency"})

        context = {
            **self.admin_site.each_context(request),
            "title": _("Worklist: who needs attention now"),
            "opts": self.opts,
            "entries": entries,
            "page": page,
            "total": len(rows),
            "shown_count": len(shown),
            "reason": reason,
            "sort": sort,
            "here": here,
            "filters": [
                {"label": _("All"), "count": len(rows), "url": link(reason=""), "active": not reason},
                *(
                    {
                        "label": r.label,
                        "count": counts[r.value],
                        "url": link(reason=r.value),
                        "active": reason == r.value,
                    }
                    for r in Reason
                ),
            ],
            "sorts": [
                {"label": _("most urgent"), "url": link(sort="urgency"), "active": sort == "urgency"},
                {"label": _("name"), "url": link(sort="name"), "active": sort == "name"},
                *({"label": r.label, "url": link(sort=r.value), "active": sort == r.value} for r in Reason),
            ],
            "previous_url": link(page=str(page.previous_page_number())) if page.has_previous() else "",
            "next_url": link(page=str(page.next_page_number())) if page.has_next() else "",
        }
        return TemplateResponse(request, "admin/worklist/worklist.html", context)

    def worklist_review_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        patient = self.get_object(request, unquote(object_id))  # another clinician's patient: 404
        assert isinstance(patient, Patient)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_view_permission(request, patient):
            raise PermissionDenied
        reason = request.POST.get("reason", "")
        if reason not in Reason.values:
            return HttpResponseBadRequest(_("Unknown reason."))
        worklist_mark_reviewed(patient=patient, reason=reason, by=admin_user(request))
        audit_record(
            request=request,
            action=Action.CHANGE,
            patient_id=patient.pk,
            kind=WORKLIST_KIND,
            object_id=reason,
        )
        messages.success(
            request,
            _("%(reason)s marked reviewed for %(patient)s.")
            % {"reason": Reason(reason).label, "patient": patient},
        )
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False):
            back = reverse("admin:checklists_patient_worklist")
        return redirect(back)
