from django.contrib.auth import views as auth_views
from django.urls import path

from checklists.accounts.views import InvitationAcceptView
from checklists.security import views as security_views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("invite/<uidb64>/<token>/", InvitationAcceptView.as_view(), name="invitation_accept"),
    # security: clinicians' two-factor sign-in
    path("2fa/setup/", security_views.two_factor_setup, name="two_factor_setup"),
    path("2fa/verify/", security_views.two_factor_verify, name="two_factor_verify"),
]
