from rest_framework.permissions import BasePermission


class IsPatient(BasePermission):
    """Only a signed-in user with a Patient record may use the patient API (others get 403)."""

    message = "This API is for patients; your account has no patient record."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and hasattr(user, "patient"))
