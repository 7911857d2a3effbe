"""The FHIR lab import on the patient's admin page: upload, preview, confirm (checklists/fhir/labimport.py).

Between the preview and the confirmation the uploaded text waits in the server-side session, keyed by
the patient and named by its digest, which the confirm form posts back: the results imported are read
again from that text, never from posted values, and a second tab with another file cannot swap it.
"""

import hashlib
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from checklists.admin.scoping import _AdminBase, admin_user
from checklists.fhir.labimport import MAX_FILE_BYTES, LabImportRefused, lab_import_preview, lab_results_import
from checklists.models import LabResult, Patient
from checklists.security.audit import Action, audit_record, audit_record_many, object_kind

SESSION_KEY = "fhir_lab_import"


class LabFileForm(forms.Form):
    file = forms.FileField(
        label=_("FHIR file (JSON)"),
        help_text=_("A FHIR R4 Bundle or a single Observation, at most %(kb)d kB.")
        % {"kb": MAX_FILE_BYTES // 1000},
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(kb)d kB: nothing was read.") % {"kb": MAX_FILE_BYTES // 1000}
            )
        try:
            return upload.read(MAX_FILE_BYTES + 1).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The file is not text (UTF-8): is it a FHIR JSON file?")) from None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class LabImportAdminMixin(_AdminBase):
    """Adds "Import lab results (FHIR)" to a Patient admin: one URL, scoped like the patient's page."""

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                "<path:object_id>/import-labs/",
                self.admin_site.admin_view(self.lab_import_view),
                name=f"{info[0]}_{info[1]}_lab_import",
            )
        ]
        return own + super().get_urls()

    def lab_import_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        patient = self.get_object(request, unquote(object_id))  # another clinician's patient: 404
        assert isinstance(patient, Patient)
        if not request.user.has_perm("checklists.add_labresult") or not self.has_change_permission(
            request, patient
        ):
            raise PermissionDenied
        key = f"{SESSION_KEY}:{patient.pk}"
        context: dict[str, Any] = {}
        form = LabFileForm()
        if request.method == "POST" and "confirm" in request.POST:
            return self._lab_import_confirm(request, patient, key)
        if request.method == "POST":
            form = LabFileForm(request.POST, request.FILES)
            if form.is_valid():
                text = form.cleaned_data["file"]
                preview = lab_import_preview(patient=patient, text=text)
                if preview.can_import:
                    request.session[key] = text
                else:
                    request.session.pop(key, None)
                context = {"preview": preview, "digest": _digest(text)}
        audit_record(
            request=request,
            action=Action.VIEW,
            patient_id=patient.pk,
            kind=object_kind(LabResult),
            object_id="",
        )
        return self._lab_import_page(request, patient, form, context)

    def _lab_import_confirm(self, request: HttpRequest, patient: Patient, key: str) -> HttpResponse:
        change_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[patient.pk])
        text = request.session.get(key)
        if not isinstance(text, str) or request.POST.get("digest") != _digest(text):
            self.message_user(
                request,
                _(
                    "That preview is no longer current (imported already, or another file was uploaded "
                    "since). Upload the file again."
                ),
                messages.WARNING,
            )
            return HttpResponseRedirect(request.path)
        try:
            with transaction.atomic():
                created = lab_results_import(patient=patient, text=text, entered_by=admin_user(request))
                # The access log and the admin history, as saving the patient page with new rows writes them.
                audit_record_many(
                    request=request,
                    action=Action.ADD,
                    kind=object_kind(LabResult),
                    pairs=[(lab.pk, patient.pk) for lab in created],
                )
                self.log_change(
                    request,
                    patient,
                    [
                        {"added": {"name": str(LabResult._meta.verbose_name), "object": str(lab)}}
                        for lab in created
                    ],
                )
        except LabImportRefused as refused:
            del request.session[key]
            for problem in refused.problems:
                self.message_user(request, problem, messages.ERROR)
            self.message_user(request, _("Nothing was imported."), messages.ERROR)
            return HttpResponseRedirect(request.path)
        del request.session[key]
        self.message_user(
            request,
            ngettext(
                "%(n)d lab result imported; its guideline note is under Iron studies.",
                "%(n)d lab results imported; their guideline notes are under Iron studies.",
                len(created),
            )
            % {"n": len(created)},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(change_url + "#lab_results-group")

    def _lab_import_page(
        self, request: HttpRequest, patient: Patient, form: LabFileForm, context: dict[str, Any]
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import lab results (FHIR)"),
            "subtitle": str(patient),
            "opts": self.opts,
            "original": patient,
            "form": form,
            "max_kb": MAX_FILE_BYTES // 1000,
            **context,
        }
        return TemplateResponse(request, "admin/checklists/patient/lab_import.html", context)
