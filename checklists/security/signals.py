"""Sign-ins and failed sign-ins go to the access log (connected in ChecklistsConfig.ready)."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from checklists.security.audit import Action, audit_record
from checklists.security.middleware import session_renew


def _patient_id(user: User | None) -> int | None:
    patient = getattr(user, "patient", None) if user is not None else None
    return patient.pk if patient is not None else None


@receiver(user_logged_in, dispatch_uid="rlscare_audit_sign_in")
def _audit_sign_in(sender: object, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        session_renew(request, user)  # the idle clock starts now (staff get their shorter timeout)
    audit_record(
        request=request,
        actor=user,
        action=Action.SIGN_IN,
        patient_id=_patient_id(user),
        kind="auth.user",
        object_id=user.pk,
    )


@receiver(user_login_failed, dispatch_uid="rlscare_audit_sign_in_failed")
def _audit_sign_in_failed(
    sender: object, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username") or "")
    user = get_user_model()._default_manager.filter(username=username).first() if username else None
    audit_record(
        request=request,
        actor=None,
        actor_label=username[:254],
        action=Action.SIGN_IN_FAILED,
        patient_id=_patient_id(user),
        kind="auth.user",
        object_id=user.pk if user else "",
    )
