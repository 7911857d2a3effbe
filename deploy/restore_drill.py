"""Restore drill: prove a backup restores into a working app.

1. Dump the source database now, in one snapshot whose row counts are taken at the same moment
   (``pg_dump --snapshot``), or take a backup file made by deploy/backup.sh (``--dump FILE``).
2. Restore it into a fresh database (dropped and created: never the source).
3. Migrate it with this checkout's code (what an upgrade after a restore does).
4. Count the rows of every table and compare them with the source's (exact in snapshot mode; with
   ``--dump`` the source has moved on since the backup, so differences are listed, not failed).
5. Serve a patient's today (``GET /api/v1/today/``, Django's test client, signed in as that patient).

Usage:
    bin/restore-drill --source-url postgres://postgres@127.0.0.1:5432/test          # CI
    bin/restore-drill --dump /var/backups/rlscare/rlscare-20261201T023000Z.dump     # a real backup
The source defaults to DATABASE_URL, the fresh database to <source>_restore_drill (same server).
Exit status 0 when the restore, the migration, the counts and the today page all held.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def step(message: str) -> None:
    print(f"[restore-drill] {message}", flush=True)


def libpq_url(url: str) -> str:
    """``url`` as libpq reads it (dj-database-url's pgsql:// alias is not libpq's)."""
    parts = urlsplit(url)
    scheme = "postgresql" if parts.scheme in {"postgres", "postgresql", "pgsql"} else parts.scheme
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, parts.fragment))


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def table_counts(conn: psycopg.Connection) -> dict[str, int]:
    """Rows per table of the public schema, read in ``conn``'s current transaction."""
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
    ]
    counts = {}
    for table in tables:
        row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
        counts[table] = int(row[0]) if row else 0
    return counts


def dump_in_snapshot(source: str, dump: Path) -> dict[str, int]:
    """pg_dump the source into ``dump`` in one exported snapshot; return its row counts in that snapshot."""
    with psycopg.connect(source) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        row = conn.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None
        counts = table_counts(conn)
        subprocess.run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={row[0]}",
                "--file",
                dump,
                source,
            ],
            check=True,
        )
        conn.execute("COMMIT")
    return counts


def fresh_database(source: str, target: str) -> None:
    if target == database_name(source):
        raise SystemExit(f"[restore-drill] refusing: the fresh database {target!r} is the source")
    with psycopg.connect(with_database(source, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target)))


def migrate(target_url: str) -> None:
    """Point Django at the restored database and migrate it with this checkout's code."""
    os.environ["DATABASE_URL"] = target_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rlsapp.settings")
    import django

    django.setup()
    from django.core.management import call_command

    step("migrate the restored database")
    call_command("migrate", interactive=False, verbosity=1)


def serve_today() -> str:
    """GET a patient's today from the restored database (signing in writes a session and an access-log
    row, so the counts are taken before); return what was served."""
    from django.conf import settings
    from django.db import connections
    from django.test import Client

    from checklists.models import Patient

    patient = Patient.objects.select_related("user").order_by("-pk").first()
    if patient is None:
        raise SystemExit("[restore-drill] FAILED: the restored database has no patient to serve")
    host = next((h.lstrip(".") for h in settings.ALLOWED_HOSTS if h not in {"*"}), "testserver")
    client = Client(HTTP_HOST=host)
    client.force_login(patient.user)
    response = client.get("/api/v1/today/", secure=True)
    if response.status_code != 200:
        raise SystemExit(
            f"[restore-drill] FAILED: GET /api/v1/today/ for patient {patient.pk}: {response.status_code}"
        )
    body = response.json()
    connections.close_all()
    summary = ", ".join(f"{key}" for key in sorted(body)) if isinstance(body, dict) else type(body).__name__
    return f"patient {patient.pk}: GET /api/v1/today/ 200 (keys: {summary})"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--source-url", default=os.environ.get("DATABASE_URL", ""), help="default: DATABASE_URL"
    )
    parser.add_argument(
        "--dump", type=Path, help="restore this backup (deploy/backup.sh) instead of dumping now"
    )
    parser.add_argument("--target-db", help="the fresh database (default: <source>_restore_drill)")
    parser.add_argument("--drop", action="store_true", help="drop the fresh database afterwards")
    args = parser.parse_args()
    if not args.source_url.startswith(("postgres://", "postgresql://", "pgsql://")):
        parser.error("--source-url (or DATABASE_URL) must be the PostgreSQL database the backups are of")
    began = time.monotonic()
    source = libpq_url(args.source_url)
    target = args.target_db or f"{database_name(source)}_restore_drill"
    target_url = with_database(source, target)

    with tempfile.TemporaryDirectory(prefix="rls-restore-drill-") as work:
        if args.dump:
            dump = args.dump
            step(f"restore the backup {dump} ({dump.stat().st_size // 1024} kB)")
            source_counts = None
        else:
            dump = Path(work) / "drill.dump"
            step(f"dump {database_name(source)} in one snapshot (pg_dump --format=custom)")
            source_counts = dump_in_snapshot(source, dump)
            step(
                f"dumped {len(source_counts)} tables, {sum(source_counts.values())} rows, "
                f"{dump.stat().st_size // 1024} kB"
            )
        step(f"restore into the fresh database {target}")
        fresh_database(source, target)
        subprocess.run(
            ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", target_url, dump],
            check=True,
        )

    migrate(target_url)
    with psycopg.connect(target_url) as conn:
        restored = table_counts(conn)
    served = serve_today()
    if source_counts is None:
        with psycopg.connect(source) as conn:
            source_counts = table_counts(conn)
    differ = {
        table: (source_counts.get(table), restored.get(table))
        for table in sorted(set(source_counts) | set(restored))
        if source_counts.get(table) != restored.get(table)
    }
    for table in sorted(restored):
        print(f"  {table:<48} {restored[table]:>8}")
    failed = False
    if differ:
        for table, (was, now) in differ.items():
            print(f"  DIFFERS {table}: source {was}, restored {now}")
        failed = not args.dump  # a backup file is older than the live source; a snapshot must match
    step(f"row counts: {len(restored)} tables, {len(differ)} differ from the source")
    step(served)
    if args.drop:
        with psycopg.connect(with_database(source, "postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(target)))
        step(f"dropped {target}")
    step(f"{'FAILED' if failed else 'ok'} in {time.monotonic() - began:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
