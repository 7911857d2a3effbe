"""Patient invitations: a one-time link (Django's password-reset token) to choose a password."""

import logging

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import override

from checklists.models import Patient

logger = logging.getLogger(__name__)


def invitation_link(*, patient: Patient) -> str:
    """Return the absolute one-time link that lets the patient set a password.

    The link stops working once a password is set or the patient signs in (the token covers the
    password hash and last login), and after PASSWORD_RESET_TIMEOUT.
    """
    user = patient.user
    path = reverse(
        "invitation_accept",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{settings.SITE_URL}{path}"


def invitation_send(*, patient: Patient) -> None:
    """Email the patient a fresh invitation link and record when it was sent."""
    context = {
        "patient": patient,
        "link": invitation_link(patient=patient),
        "valid_days": settings.PASSWORD_RESET_TIMEOUT // (24 * 3600),
    }
    with override(patient.language):
        subject = _("Your invitation to RLS Care")
        body = render_to_string("checklists/email/invitation.txt", context)
    send_mail(subject, body, None, [patient.user.email])
    patient.invited_at = timezone.now()
    patient.save(update_fields=["invited_at"])
    logger.info("Invitation sent to patient %s", patient.pk)


def invitation_mark_accepted(*, patient: Patient) -> None:
    """Record that the patient used their invitation (first password set)."""
    if patient.invitation_accepted_at is None:
        patient.invitation_accepted_at = timezone.now()
        patient.save(update_fields=["invitation_accepted_at"])
