"""The offline-sync engine behind ``POST /api/v1/sync/``: parse a batch, apply it, report the changes."""
