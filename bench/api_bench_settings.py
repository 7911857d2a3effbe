"""The settings of the gunicorn that bench/api_bench.py starts: the app's, with the bench's URLconf."""

from rlsapp.settings import *  # noqa: F403 (every setting, as production reads them from the environment)

ROOT_URLCONF = "bench.api_bench_urls"
