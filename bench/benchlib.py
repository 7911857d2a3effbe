"""What the benchmarks share: a timestamped log line and a fresh PostgreSQL database."""

import time

import psycopg


def log(message: str) -> None:
    """Print ``message`` with the time of day, at once."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def recreate_database(server: str, name: str) -> None:
    """Drop the PostgreSQL database ``name`` on ``server`` (a postgres:// URL without a database) if it
    exists, ending its connections, and create it empty."""
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
