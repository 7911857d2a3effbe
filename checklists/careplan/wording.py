"""What the patient reads on the care-plan page (wording rules of shared/clinical-content.md)."""

from django.utils.translation import gettext_lazy as _

HEADING = _("Your care team's plan")
DISCLAIMER = _(
    "This app supports your medical care; it does not replace it. It does not prescribe, dose or "
    "diagnose. If something changes or worries you, contact your care team."
)
MEDICATION_REVIEW_NOTE = _(
    "Review with your clinician: this medicine can make restless legs worse for some people. "
    "Discuss with your clinician before changing anything."
)
