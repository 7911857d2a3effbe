"""Session engines: Django's database engines, plain (``checklists.security.sessions.db``) and with
the cache in front (``checklists.security.sessions.cached_db``), keeping sessions in ``UserSession``,
which records the signed-in user of each. ``settings.SESSION_ENGINE`` picks one."""

from django.contrib.auth import SESSION_KEY


class UserIndexedStore:
    """Mixin for Django's ``db`` and ``cached_db`` session stores: sessions live in UserSession, and
    each save records the signed-in user's id (or None) beside the data."""

    @classmethod
    def get_model_class(cls):
        from checklists.models import UserSession

        return UserSession

    def create_model_instance(self, data):
        session = super().create_model_instance(data)  # type: ignore[misc]  # defined by the store after this mixin
        session.user_id = _user_id(data)
        return session


def _user_id(data: dict) -> int | None:
    """The signed-in user's primary key from session data (Django stores it as a string)."""
    try:
        return int(data[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None
