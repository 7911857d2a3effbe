"""History rows on the patient's page: read, not edited, at a visit; a few shown, every one a click away.

A visit edits what is current (planned follow-ups, medicines being taken, recent iron studies); the
past is read. So an inline with a past is split in two: the editable inline keeps the current rows
(``CurrentRowsInlineMixin``), and a ``HistoryInline`` beside it shows the HISTORY_ROWS most recent past
rows as plain text, without form widgets, so the page stays small and quick however long the history.
Its "Show all and edit" link opens the same patient page with ``?history=<inline prefix>``: there the
editable inline lists every row, past included, as the page always did. The link is the patient's own
page, so it is scoped like it (another clinician's patient is a 404), and a history row posted back is
never saved (the inline has no change permission: Django ignores its rows).
"""

from collections.abc import Callable
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest

from checklists.admin.scoping import PatientScopedFormSet, PatientScopedInline

# How many past rows the page shows per inline: a visit looks back at the last few (the summary at the
# top charts the long run); five fit a screen without scrolling past the current rows.
HISTORY_ROWS = 5
HISTORY_PARAM = "history"


def inline_prefix(model: type[Model]) -> str:
    """Return the form prefix of ``model``'s inline on the patient page (its related name)."""
    return str(model._meta.get_field("patient").remote_field.get_accessor_name())  # type: ignore[union-attr]


def showing_all(request: HttpRequest, model: type[Model]) -> bool:
    """Return whether the page was opened with "Show all and edit" for ``model``'s rows."""
    return request.GET.get(HISTORY_PARAM) == inline_prefix(model)


class CurrentRowsInlineMixin:
    """For an editable inline: only the current rows, unless "Show all and edit" was asked for.

    ``past`` returns the condition that makes a row history; its ``HistoryInline`` names the same one.
    """

    model: type[Model]
    past: Callable[[], Q]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)  # type: ignore[misc]  # an InlineModelAdmin mixin
        return queryset if showing_all(request, self.model) else queryset.exclude(self.past())


class HistoryFormSet(PatientScopedFormSet):
    """The parent's HISTORY_ROWS most recent past rows (the inline's queryset: every past row in order)."""

    def get_queryset(self) -> QuerySet:
        if not hasattr(self, "_most_recent"):
            rows = super().get_queryset()  # this patient's (BaseInlineFormSet), in history_order
            # pk__in a sliced subquery, not a slice: the formset filters its queryset again on a POST.
            self._most_recent = rows.filter(pk__in=rows.values("pk")[:HISTORY_ROWS])
        return self._most_recent


class HistoryInline(PatientScopedInline):
    """The most recent past rows, read-only and compact, with the link to all of them, editable."""

    template = "admin/edit_inline/history.html"
    formset = HistoryFormSet
    extra = 0
    can_delete = False
    # Newest first: the order the rows are cut at HISTORY_ROWS.
    history_order: tuple[str, ...] = ("-pk",)
    past: Callable[[], Q]
    # Set by get_formset for the template: how many past rows there are, and the link to all of them.
    history_total = 0
    show_all_url = ""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        if showing_all(request, self.model):
            return super().get_queryset(request).none()  # every row is in the editable inline
        return super().get_queryset(request).filter(self.past()).order_by(*self.history_order)

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None and not showing_all(request, self.model):
            past = super().get_queryset(request).filter(self.past(), patient=obj)
            self.history_total = past.count()  # read by the template: "Show all 30 and edit"
            self.show_all_url = f"?{HISTORY_PARAM}={inline_prefix(self.model)}"
        return formset

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
