"""Django's SQLite backend, making the database file's folder when it first connects.

The default database is ``var/db.sqlite3``, and a fresh checkout has no ``var/``: making it here, when a
connection needs it, keeps reading the settings free of side effects.
"""

from pathlib import Path
from typing import Any

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        """Return a new SQLite connection, after making the folder of a file database if it is missing."""
        name = str(conn_params["database"])
        if not self.is_in_memory_db() and not name.startswith("file:"):
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        return super().get_new_connection(conn_params)
