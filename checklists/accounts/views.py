"""Sign-in pages that are not Django's own (accepting an invitation), and Django's password reset and
change with our rules around them."""

import logging
from functools import partial

from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from checklists import tasks
from checklists.accounts.data_rights import sessions_end_others
from checklists.accounts.invitations import invitation_mark_accepted
from checklists.accounts.password_reset import password_reset_completed, password_reset_tokens
from checklists.models import Patient
from checklists.security import client_ip
from checklists.security.logsafe import log_safe
from checklists.security.throttle import password_reset_allowed

logger = logging.getLogger("rlscare.security")


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


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link by email. Every valid request gets the same answer, a redirect to "check
    your email", whether or not the email has an account and whether or not it was over the limit: the
    link is sent by a task after the answer, which is the same work either way."""

    def form_valid(self, form: auth_forms.PasswordResetForm) -> HttpResponse:
        email = form.cleaned_data["email"]
        address = client_ip(self.request)
        if password_reset_allowed(email=email, address=address):
            transaction.on_commit(partial(tasks.password_reset_email.delay, email))
        else:
            logger.warning("Password reset requests over the limit from address %s", log_safe(address))
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choose a new password from the emailed link. It does not sign in (a clinician's authenticator
    is still asked for at sign-in); it ends every session of the account."""

    token_generator = password_reset_tokens

    def form_valid(self, form: auth_forms.SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        password_reset_completed(user=form.user, request=self.request)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change the password when signed in: this session stays signed in, every other one ends."""

    def form_valid(self, form: auth_forms.PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)  # keeps this session valid under the new password
        sessions_end_others(
            user=form.user, keep_session_key=self.request.session.session_key, request=self.request
        )
        return response
