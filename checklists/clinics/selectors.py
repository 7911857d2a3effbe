"""Reads about clinics, written as filters so scoping a page costs no extra query.

The one rule everything here keeps: a clinician sees a patient, another clinician or a clinic template
only when it is of their own clinic. A clinician without a clinic (none recorded yet) is alone with the
patients without one; a superuser sees every clinic.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, Q, QuerySet, Subquery

from checklists.models import ChecklistTemplate, Clinic, ClinicMembership
from checklists.models.patients import CLINICIANS_GROUP


def _user_id(user: AbstractBaseUser | AnonymousUser) -> int:
    return int(user.pk or 0)  # an anonymous user (no id) belongs to no clinic


def _lookup(prefix: str, name: str) -> str:
    return f"{prefix}__{name}" if prefix else name


def same_clinic_q(user: AbstractBaseUser | AnonymousUser, lookup: str = "") -> Q:
    """Return a filter for rows whose ``<lookup>clinic`` is ``user``'s clinic (both none also matches).

    ``lookup`` leads from the filtered model to the model with the ``clinic`` field ("" for that model
    itself, "patient" for a patient's row).
    """
    own = ClinicMembership.objects.filter(user_id=_user_id(user))
    return Q(**{_lookup(lookup, "clinic__in"): Subquery(own.values("clinic_id"))}) | (
        Q(**{_lookup(lookup, "clinic__isnull"): True}) & ~Q(Exists(own))
    )


def clinic_membership_of(user: AbstractBaseUser | AnonymousUser) -> ClinicMembership | None:
    """Return the user's clinic membership (with its clinic), or None."""
    return ClinicMembership.objects.select_related("clinic").filter(user_id=_user_id(user)).first()


def clinicians_of_clinic(clinic_id: int | None) -> QuerySet:
    """Return the active clinicians of the clinic (``None``: those without a clinic), by name."""
    clinicians = get_user_model().objects.filter(is_active=True, is_staff=True, groups__name=CLINICIANS_GROUP)
    if clinic_id is None:
        clinicians = clinicians.filter(clinic_membership__isnull=True)
    else:
        clinicians = clinicians.filter(clinic_membership__clinic_id=clinic_id)
    return clinicians.order_by("last_name", "email")


def clinicians_for(user: AbstractBaseUser | AnonymousUser) -> QuerySet:
    """Return the clinicians ``user`` may see and pick: their own clinic's (a superuser: every one)."""
    clinicians = get_user_model().objects.filter(is_active=True, is_staff=True, groups__name=CLINICIANS_GROUP)
    if not getattr(user, "is_superuser", False):
        clinicians = clinicians.filter(same_clinic_q(user, "clinic_membership"))
    return clinicians.order_by("last_name", "email")


def templates_for(user: AbstractBaseUser | AnonymousUser) -> QuerySet[ChecklistTemplate]:
    """Return the checklist templates ``user`` may see and assign: the default library and their own
    clinic's (a superuser: all)."""
    templates = ChecklistTemplate.objects.all()
    if getattr(user, "is_superuser", False):
        return templates
    own = ClinicMembership.objects.filter(user_id=_user_id(user))
    return templates.filter(Q(clinic__isnull=True) | Q(clinic__in=Subquery(own.values("clinic_id"))))


def patient_clinic_for(*, clinician: AbstractBaseUser | None) -> Clinic | None:
    """Return the clinic a patient invited by ``clinician`` belongs to: the clinician's own (or none)."""
    if clinician is None:
        return None
    membership = clinic_membership_of(clinician)
    return membership.clinic if membership is not None else None
