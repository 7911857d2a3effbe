"""The deployment recipe (systemd units, proxy example, environment file, backups) and the tools that
read it (``deploy.units``: the units' commands, for the smoke run and the tests)."""
