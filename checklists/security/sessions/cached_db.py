"""SESSION_ENGINE with CACHE_URL: sessions in the database (UserSession), read through the cache."""

from django.contrib.sessions.backends import cached_db

from checklists.security.sessions import UserIndexedStore


class SessionStore(UserIndexedStore, cached_db.SessionStore):
    pass
