"""What a clinic's own settings mean, with the deployment's settings as the fallback (pure: no queries)."""

from django.conf import settings

from checklists.models.clinics import Clinic


def clinic_contact(clinic: Clinic | None) -> dict[str, str] | None:
    """Return whom a patient of ``clinic`` contacts (name, phone, email, hours).

    The clinic's own details win when it has a phone or an email; else the deployment's
    ``CLINIC_CONTACT`` (None when that is unset too).
    """
    if clinic is not None and (clinic.contact_phone or clinic.contact_email):
        return {
            "name": clinic.contact_name or clinic.name,
            "phone": clinic.contact_phone,
            "email": clinic.contact_email,
            "hours": clinic.contact_hours,
        }
    return settings.CLINIC_CONTACT


def adherence_alert_below(clinic: Clinic | None) -> float:
    """Return the share (0-1) below which the clinicians' list calls a patient's adherence low."""
    percent = clinic.adherence_alert_below_percent if clinic is not None else None
    if percent is None:
        percent = settings.ADHERENCE_ALERT_BELOW_PERCENT
    return percent / 100
