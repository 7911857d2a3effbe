from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models


class UserSession(AbstractBaseSession):
    """A session, with the id of the user signed in to it (if any) in an indexed column: one user's
    sessions are found with one indexed query (sign out everywhere, account deletion) instead of
    by decoding every session. Written by the engines in ``checklists.security.sessions``."""

    # No foreign key: a session may outlive its user by a request (account deletion signs out at
    # the end), and a session row must never fail to save for that.
    user_id = models.BigIntegerField(null=True, db_index=True, editable=False)

    class Meta(AbstractBaseSession.Meta):
        db_table = "checklists_usersession"

    @classmethod
    def get_session_store_class(cls):
        from checklists.security.sessions.db import SessionStore

        return SessionStore
