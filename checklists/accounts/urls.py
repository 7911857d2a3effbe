from django.contrib.auth import views as auth_views
from django.urls import path

from checklists.accounts import views
from checklists.security import views as security_views
from checklists.security.recovery_views import two_factor_recovery_codes

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("invite/<uidb64>/<token>/", views.InvitationAcceptView.as_view(), name="invitation_accept"),
    # A way back in: Django's password reset and change, at their standard URLs.
    path("password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password_reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("password_change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    # security: clinicians' two-factor sign-in
    path("2fa/setup/", security_views.two_factor_setup, name="two_factor_setup"),
    path("2fa/verify/", security_views.two_factor_verify, name="two_factor_verify"),
    path("2fa/recovery-codes/", two_factor_recovery_codes, name="two_factor_recovery_codes"),
]
