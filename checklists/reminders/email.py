"""The email channel: a reminder's generic text and a link to the app.

What an inbox or a lock screen shows (the subject and the sender's name) is the neutral reminder title,
never the app's name; the body names neither the app nor the condition.
"""

from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from checklists.models import Patient
from checklists.reminders.payload import reminder_title


def email_patient(*, patient_id: int, body: str, url: str) -> bool:
    """Email the reminder's generic text and a link to the app; returns False when there is no address."""
    address = Patient.objects.filter(pk=patient_id).values_list("user__email", flat=True).first()
    if not address:
        return False
    title = reminder_title()
    sender = formataddr((title, parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))
    text = _(
        "%(body)s.\n\nOpen the app to see them: %(link)s\n\n"
        "You get this email because no phone of yours receives these reminders as notifications. "
        "Turn notifications on in the app's Settings to get reminders there instead."
    ) % {"body": body, "link": settings.SITE_URL + url}
    send_mail(title, text, sender, [address])
    return True
