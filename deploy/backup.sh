#!/usr/bin/env bash
# Back up the RLS Care database: one pg_dump in custom format (compressed; pg_restore can restore it
# whole or table by table), checked readable, then rotated. Run daily by rlscare-backup.timer.
#
#   DATABASE_URL      the app's database (from /etc/rlscare/rlscare.env), e.g. postgres://rls@localhost/rls
#   BACKUP_DIR        where the dumps go (default /var/backups/rlscare); keep a copy off this host too
#   BACKUP_KEEP_DAYS  dumps older than this many days are deleted (default 14)
#
# A dump is written under a temporary name and renamed when complete, so a crash never leaves a
# half-written file that looks like a backup. Prove the dumps restore with bin/restore-drill.
set -euo pipefail
: "${DATABASE_URL:?DATABASE_URL must be set to the database to back up}"
BACKUP_DIR=${BACKUP_DIR:-/var/backups/rlscare}
BACKUP_KEEP_DAYS=${BACKUP_KEEP_DAYS:-14}
# libpq reads postgres:// and postgresql:// URLs; dj-database-url also accepts pgsql://.
url=${DATABASE_URL/#pgsql:\/\//postgresql://}

umask 077  # the dumps hold patients' health data: readable by the service user only
mkdir -p "$BACKUP_DIR"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
final="$BACKUP_DIR/rlscare-$stamp.dump"
partial="$final.partial"
trap 'rm -f "$partial"' EXIT

pg_dump --format=custom --no-owner --no-privileges --file="$partial" "$url"
pg_restore --list "$partial" >/dev/null  # the archive's table of contents reads back
mv "$partial" "$final"

# Rotation: keep BACKUP_KEEP_DAYS days of dumps, never the newest one.
find "$BACKUP_DIR" -maxdepth 1 -name 'rlscare-*.dump' -type f -mtime "+$BACKUP_KEEP_DAYS" \
  ! -path "$final" -print -delete
echo "backup written: $final ($(du -h "$final" | cut -f1))"
