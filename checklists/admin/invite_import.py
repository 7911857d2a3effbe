"""Invite a list of patients from a CSV file (checklists/accounts/invite_csv.py): upload, preview
with each row's problems, confirm. Nothing is written before the confirmation.

Between the preview and the confirmation the file's text waits in the server-side session, named by
its digest, which the confirm form posts back: the patients created are read again from that text
(and checked again: an email may have been taken since), never from posted values.
"""

import hashlib
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from checklists.accounts.invite_csv import (
    CHECKLIST_SEPARATOR,
    INVITE_CSV_MAX_BYTES,
    INVITE_CSV_MAX_ROWS,
    InviteFileRefused,
    invite_csv_create,
    invite_csv_decode,
    invite_csv_read,
)
from checklists.admin.scoping import _AdminBase, admin_user
from checklists.clinics.selectors import templates_for
from checklists.models import ChecklistTemplate

SESSION_KEY = "invite_csv"


class InviteFileForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("At most %(rows)d patients and %(kb)d kB.")
        % {"rows": INVITE_CSV_MAX_ROWS, "kb": INVITE_CSV_MAX_BYTES // 1000},
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        try:
            return invite_csv_decode(upload.read(INVITE_CSV_MAX_BYTES + 1))
        except InviteFileRefused as refused:
            raise forms.ValidationError(str(refused)) from None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def invite_templates(request: HttpRequest) -> QuerySet[ChecklistTemplate]:
    """Return the checklists a clinician may name in the file: those they may assign (the default
    library and their clinic's)."""
    return templates_for(request.user)


class InviteImportAdminMixin(_AdminBase):
    """Adds "Invite patients from a CSV file" to the Patient admin."""

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                "invite-csv/",
                self.admin_site.admin_view(self.invite_csv_view),
                name=f"{info[0]}_{info[1]}_invite_csv",
            )
        ]
        return own + super().get_urls()

    def invite_csv_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        templates = invite_templates(request)
        if request.method == "POST" and "confirm" in request.POST:
            return self._invite_csv_confirm(request, templates)
        form = InviteFileForm()
        context: dict[str, Any] = {}
        if request.method == "POST":
            form = InviteFileForm(request.POST, request.FILES)
            request.session.pop(SESSION_KEY, None)
            if form.is_valid():
                text = form.cleaned_data["file"]
                try:
                    rows = invite_csv_read(text=text, templates=templates)
                except InviteFileRefused as refused:
                    form.add_error("file", str(refused))
                else:
                    ready = [row for row in rows if row.ok]
                    if ready:
                        request.session[SESSION_KEY] = text
                    context = {"rows": rows, "ready": len(ready), "digest": _digest(text)}
        return self._invite_csv_page(request, form, context)

    def _invite_csv_confirm(
        self, request: HttpRequest, templates: QuerySet[ChecklistTemplate]
    ) -> HttpResponse:
        text = request.session.get(SESSION_KEY)
        if not isinstance(text, str) or request.POST.get("digest") != _digest(text):
            self.message_user(
                request,
                _(
                    "That preview is no longer current (sent already, or another file was uploaded since). "
                    "Upload the file again."
                ),
                messages.WARNING,
            )
            return HttpResponseRedirect(request.path)
        del request.session[SESSION_KEY]
        try:
            rows = invite_csv_read(text=text, templates=templates)
        except InviteFileRefused as refused:  # only if the checks changed since the preview
            self.message_user(request, str(refused), messages.ERROR)
            return HttpResponseRedirect(request.path)
        created = invite_csv_create(rows=rows, templates=templates, clinician=admin_user(request))
        for patient in created:
            self.log_addition(request, patient, [{"added": {}}])  # the admin history and the access log
        self.message_user(
            request,
            ngettext("%d patient invited.", "%d patients invited.", len(created)) % len(created),
            messages.SUCCESS if created else messages.WARNING,
        )
        left = sum(not row.ok for row in rows)
        if left:
            self.message_user(
                request,
                ngettext(
                    "%d row was not invited (see its problem in the preview).",
                    "%d rows were not invited (see their problems in the preview).",
                    left,
                )
                % left,
                messages.WARNING,
            )
        return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"))

    def _invite_csv_page(
        self, request: HttpRequest, form: InviteFileForm, context: dict[str, Any]
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": _("Invite patients from a CSV file"),
            "opts": self.opts,
            "form": form,
            "separator": CHECKLIST_SEPARATOR,
            "max_rows": INVITE_CSV_MAX_ROWS,
            "templates": invite_templates(request),
            **context,
        }
        return TemplateResponse(request, "admin/checklists/patient/invite_csv.html", context)
