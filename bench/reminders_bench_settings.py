"""The settings of the Celery workers that bench/reminders_bench.py starts: the app's (DEBUG off, as in
production), with endpoints on this machine allowed, for the bench's fake push service on
http://127.0.0.1. Only a settings module can do that with DEBUG off: the environment variable
PUSH_ALLOW_LOCAL_ENDPOINTS stops a production start."""

from rlsapp.settings import *  # noqa: F403 (every setting, as production reads them from the environment)

PUSH_ALLOW_LOCAL_ENDPOINTS = True
