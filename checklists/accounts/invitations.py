"""Patient invitations: a one-time link (Django's password-reset token) to choose a password.

Only the latest link works. The token's hash covers the account's password field, which for an
invited patient is an unusable-password marker with a random part (Django's ``set_unusable_password``);
each new invitation, a corrected email and a withdrawal draw a new marker, so every older link stops
working at once. The hash also covers the email, the last sign-in and the time it was made.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from checklists.accounts.email_names import account_email_app_name, account_email_sender
from checklists.models import Patient

logger = logging.getLogger(__name__)


def invitation_link(*, patient: Patient) -> str:
    """Return the absolute one-time link that lets the patient set a password.

    The link stops working once a password is set or the patient signs in (the token covers the
    password hash and last login), when a newer invitation is sent or this one withdrawn, and after
    PASSWORD_RESET_TIMEOUT.
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


class InvitationState(models.TextChoices):
    """Where a patient's invitation stands, as the clinicians' list shows it."""

    NOT_SENT = "not-sent", gettext_lazy("not sent")
    SENT = "sent", gettext_lazy("sent, not yet accepted")
    EXPIRED = "expired", gettext_lazy("expired, not accepted (resend it)")
    ACCEPTED = "accepted", gettext_lazy("accepted")


def _expired_before() -> timedelta:
    # The link is Django's password-reset token: it stops working after PASSWORD_RESET_TIMEOUT.
    return timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)


def invitation_state(*, patient: Patient) -> str:
    """Return the patient's InvitationState value: accepted, expired (the newest link is older than
    PASSWORD_RESET_TIMEOUT), sent, or not sent (never, or withdrawn)."""
    if patient.invitation_accepted_at or patient.user.has_usable_password():
        return InvitationState.ACCEPTED
    if patient.invited_at is None:
        return InvitationState.NOT_SENT
    if patient.invited_at < timezone.now() - _expired_before():
        return InvitationState.EXPIRED
    return InvitationState.SENT


def invitation_state_filter(queryset: models.QuerySet[Patient], state: str) -> models.QuerySet[Patient]:
    """Return the patients of ``queryset`` whose invitation_state is ``state`` (one query)."""
    accepted = models.Q(invitation_accepted_at__isnull=False) | ~models.Q(
        user__password__startswith=UNUSABLE_PASSWORD_PREFIX
    )
    cutoff = timezone.now() - _expired_before()
    if state == InvitationState.ACCEPTED:
        return queryset.filter(accepted)
    open_ = queryset.exclude(accepted)
    if state == InvitationState.NOT_SENT:
        return open_.filter(invited_at__isnull=True)
    if state == InvitationState.EXPIRED:
        return open_.filter(invited_at__lt=cutoff)
    return open_.filter(invited_at__gte=cutoff)


def invitation_open(*, patient: Patient) -> bool:
    """Return whether the patient has not yet chosen a password: their invitation can still be
    corrected, resent or withdrawn."""
    return patient.invitation_accepted_at is None and not patient.user.has_usable_password()


def _links_revoke(user: User) -> None:
    # A new random unusable-password marker: every link made before no longer matches its hash.
    if not user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])


def invitation_send(*, patient: Patient) -> None:
    """Email the patient a fresh invitation link and record when it was sent; any older link of
    theirs stops working."""
    _links_revoke(patient.user)
    context = {
        "patient": patient,
        "link": invitation_link(patient=patient),
        "valid_days": settings.PASSWORD_RESET_TIMEOUT // (24 * 3600),
        "app_name": account_email_app_name(),  # "": neutral wording (the app's name names the condition)
    }
    with override(patient.language):
        if context["app_name"]:
            subject = _("Your invitation to %(app)s") % {"app": context["app_name"]}
        else:
            subject = _("Your invitation to your care team's app")
        body = render_to_string("checklists/email/invitation.txt", context)
        sender = account_email_sender()
    send_mail(subject, body, sender, [patient.user.email])
    patient.invited_at = timezone.now()
    patient.save(update_fields=["invited_at"])
    logger.info("Invitation sent to patient %s", patient.pk)


@transaction.atomic
def invitation_email_change(*, patient: Patient, email: str) -> bool:
    """Correct the email (and user name) of a patient who has not accepted yet: older links stop
    working and a fresh invitation goes to the new address once the transaction commits. Returns
    whether anything changed (False for the same address, or once the invitation was accepted)."""
    user = patient.user
    if email == user.email or not invitation_open(patient=patient):
        return False
    user.username = user.email = email
    user.save(update_fields=["username", "email"])
    _links_revoke(user)
    transaction.on_commit(lambda: invitation_send(patient=patient))
    logger.info("Invitation email corrected for patient %s", patient.pk)
    return True


def invitation_withdraw(*, patient: Patient) -> bool:
    """Withdraw an unaccepted invitation: its link stops working, and the patient stays, with their
    plan, as "not invited" (a fresh invitation can be sent later, or the patient deleted). Returns
    False when there was nothing to withdraw (already accepted)."""
    if not invitation_open(patient=patient):
        return False
    _links_revoke(patient.user)
    patient.invited_at = None
    patient.save(update_fields=["invited_at"])
    logger.info("Invitation withdrawn for patient %s", patient.pk)
    return True


def invitation_mark_accepted(*, patient: Patient) -> None:
    """Record that the patient used their invitation (first password set)."""
    if patient.invitation_accepted_at is None:
        patient.invitation_accepted_at = timezone.now()
        patient.save(update_fields=["invitation_accepted_at"])
