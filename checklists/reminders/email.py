"""The email channel: a reminder's generic text and a link to the app."""

from django.conf import settings
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from checklists.models import Patient


def email_patient(*, patient_id: int, body: str, url: str) -> bool:
    """Email the reminder's generic text and a link to the app; returns False when there is no address."""
    address = Patient.objects.filter(pk=patient_id).values_list("user__email", flat=True).first()
    if not address:
        return False
    subject = _("RLS Care: %(body)s") % {"body": body}
    text = _(
        "%(body)s.\n\nOpen RLS Care to see them: %(link)s\n\n"
        "You get this email because no phone of yours receives RLS Care notifications. "
        "Turn notifications on in the app's Settings to get reminders there instead."
    ) % {"body": body, "link": settings.SITE_URL + url}
    send_mail(subject, text, None, [address])
    return True
