"""A way back in: "Forgot your password?" emails a one-time link (Django's password-reset token)."""

import logging

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import User
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import override

from checklists.accounts.data_rights import sessions_end_others
from checklists.accounts.email_names import account_email_app_name, account_email_sender
from checklists.models import Patient

logger = logging.getLogger(__name__)


class PasswordResetLinkTokenGenerator(PasswordResetTokenGenerator):
    """Django's token (it dies once the password changes or the user signs in), salted apart from the
    invitations' so neither link opens the other's page, and valid for PASSWORD_RESET_LINK_MINUTES
    rather than the invitations' PASSWORD_RESET_TIMEOUT."""

    key_salt = "checklists.accounts.password_reset"

    def check_token(self, user: object, token: object) -> bool:
        """Return True when ``token`` was made for ``user``'s current password within the link's life."""
        if not super().check_token(user, token):  # type: ignore[arg-type]
            return False
        made_at = base36_to_int(str(token).split("-")[0])
        return self._num_seconds(self._now()) - made_at <= settings.PASSWORD_RESET_LINK_MINUTES * 60


password_reset_tokens = PasswordResetLinkTokenGenerator()


def password_reset_link(*, user: User) -> str:
    """Return the absolute one-time link that lets ``user`` choose a new password."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": password_reset_tokens.make_token(user),
        },
    )
    return f"{settings.SITE_URL}{path}"


def password_reset_email_send(*, email: str) -> int:
    """Email a reset link to every active account with this email (any case) and a password of its
    own; return how many were sent. Patients invited but not signed up yet have none: their way in
    is a new invitation. Staff get one too: it never signs in, so their authenticator is still asked for.
    """
    sent = 0
    for user in PasswordResetForm().get_users(email):
        patient = Patient.objects.filter(user=user).first()
        context = {
            "user": user,
            "link": password_reset_link(user=user),
            "valid_minutes": settings.PASSWORD_RESET_LINK_MINUTES,
            "app_name": account_email_app_name(),  # "": neutral wording (the app's name names the condition)
        }
        with override(patient.language if patient else settings.LANGUAGE_CODE):
            if context["app_name"]:
                subject = _("Choose a new %(app)s password") % {"app": context["app_name"]}
            else:
                subject = _("Choose a new password")
            body = render_to_string("checklists/email/password_reset.txt", context)
            sender = account_email_sender()
        send_mail(subject, body, sender, [user.email])
        sent += 1
        logger.info("Password reset link sent to user %s", user.pk)
    return sent


def password_reset_completed(*, user: User, request: HttpRequest | None = None) -> None:
    """After a new password was set from an emailed link: sign the account out everywhere (whoever
    held a session may be the reason for the reset) and lift its sign-in lockouts (the link proved the
    mailbox; the patient came from the lock-out page)."""
    sessions_end_others(user=user, keep_session_key=None, request=request)
    AccessAttempt.objects.filter(username__iexact=user.get_username()).delete()
