"""Writes about clinics: who belongs where."""

from django.contrib.auth.models import User
from django.db import transaction

from checklists.models import Clinic, ClinicMembership


@transaction.atomic
def clinic_membership_set(*, user: User, clinic: Clinic, is_lead: bool = False) -> ClinicMembership:
    """Put the clinician in ``clinic`` (their only one), as a lead clinician or not."""
    membership, _created = ClinicMembership.objects.update_or_create(
        user=user, defaults={"clinic": clinic, "is_lead": is_lead}
    )
    return membership
