"""Django's SQLite database backend, also making the database file's folder: ENGINE "rlsapp.sqlite"."""
