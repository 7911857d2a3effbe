"""Sign-in pages that are not Django's own: accepting an invitation."""

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from checklists.accounts.invitations import invitation_mark_accepted
from checklists.models import Patient


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """Let an invited patient choose a password once, then sign them in."""

    template_name = "registration/invitation_accept.html"
    post_reset_login = True
    # security: axes adds a second authentication backend, so name the one that signs in.
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("frontend:home")
    extra_context = {"title": _("Choose your password")}

    def form_valid(self, form):
        response = super().form_valid(form)
        patient = Patient.objects.filter(user=form.user).first()
        if patient is not None:
            invitation_mark_accepted(patient=patient)
        return response
