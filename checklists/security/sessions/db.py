"""SESSION_ENGINE without a shared cache: sessions in the database (UserSession)."""

from django.contrib.sessions.backends import db

from checklists.security.sessions import UserIndexedStore


class SessionStore(UserIndexedStore, db.SessionStore):
    pass
