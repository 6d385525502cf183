#!/usr/bin/env bash
# Restore a backup made by backup.sh: the database dump into an empty PostgreSQL database,
# the uploads into the media folder.
#
#   createdb discussions_restored
#   DATABASE_URL=postgres://user@host:5432/discussions_restored \
#   DJANGO_MEDIA_ROOT=/srv/discussions/media \
#   platform/deploy/restore.sh /var/backups/discussions/db-20260101T030000Z.dump \
#                              /var/backups/discussions/media-20260101T030000Z.tar.gz
#
# The database must exist and be empty (the restore runs in one transaction and stops at
# the first error, so a failed restore leaves it empty). Files in the media folder with the
# same names as files in the archive are replaced; others stay. Then point the site's
# DATABASE_URL at the restored database and run `manage.py migrate` (a no-op unless the
# code is newer than the backup).
set -euo pipefail

dump=${1:?usage: restore.sh DB_DUMP [MEDIA_TAR_GZ]}
archive=${2:-}
: "${DATABASE_URL:?DATABASE_URL must name the empty PostgreSQL database to restore into}"
case $DATABASE_URL in
  postgres://* | postgresql://*) ;;
  *) echo "restore.sh: DATABASE_URL is not a PostgreSQL URL" >&2; exit 2 ;;
esac
[ -f "$dump" ] || { echo "restore.sh: no such dump: $dump" >&2; exit 2; }
[ -z "$archive" ] || [ -f "$archive" ] || { echo "restore.sh: no such archive: $archive" >&2; exit 2; }

pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname="postgresql://${DATABASE_URL#*://}" "$dump"

if [ -n "$archive" ]; then
  media=${DJANGO_MEDIA_ROOT:-${DJANGO_VAR_DIR:-./var}/media}
  mkdir -p "$media"
  tar --extract --gzip --file="$archive" --directory="$media" --no-same-owner
fi
echo "restored $dump${archive:+ and $archive}"
