"""What the account emails (invitation, password reset) call the app and who they come from.

The app's name names the condition, so an inbox shows neither it nor any other condition word by
default: the subject and the sender's name are neutral unless the clinic sets ACCOUNT_EMAIL_APP_NAME
(shared/clinical-content.md, Wording rules), as reminders do with REMINDER_TITLE.
"""

from email.utils import formataddr, parseaddr

from django.conf import settings
from django.utils.translation import gettext


def account_email_app_name() -> str:
    """Return the clinic's chosen app name for account emails, or "" for the neutral wording."""
    return settings.ACCOUNT_EMAIL_APP_NAME.strip()


def account_email_sender() -> str:
    """Return the From header: the clinic's app name, else "Your care team" (in the active language),
    with DEFAULT_FROM_EMAIL's address."""
    name = account_email_app_name() or gettext("Your care team")
    return formataddr((name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))
