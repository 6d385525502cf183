#!/usr/bin/env bash
# Back up the site: the PostgreSQL database (pg_dump, custom format) and the uploads (a tar
# of the media folder), into DEST as db-<UTC time>.dump and media-<UTC time>.tar.gz.
#
#   DATABASE_URL=postgres://user@host:5432/discussions \
#   DJANGO_MEDIA_ROOT=/srv/discussions/media platform/deploy/backup.sh /var/backups/discussions
#
# The media folder defaults as in settings: $DJANGO_VAR_DIR/media, ./var/media without it.
# A password goes in ~/.pgpass or PGPASSWORD rather than in the URL. Files are written
# under a temporary name and renamed when complete, readable by their owner only; the
# script prints the two paths. Exit status is non-zero on any failure.
set -euo pipefail

dest=${1:?usage: backup.sh DEST_DIR}
: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database to back up}"
case $DATABASE_URL in
  postgres://* | postgresql://*) ;;
  *) echo "backup.sh: DATABASE_URL is not a PostgreSQL URL" >&2; exit 2 ;;
esac
media=${DJANGO_MEDIA_ROOT:-${DJANGO_VAR_DIR:-./var}/media}
stamp=$(date -u +%Y%m%dT%H%M%SZ)

umask 077
mkdir -p "$dest"
db_file="$dest/db-$stamp.dump"
media_file="$dest/media-$stamp.tar.gz"

# postgres:// is the scheme Django's settings use; libpq's tools want postgresql://.
pg_dump --format=custom --no-owner --no-privileges \
  --file="$db_file.partial" --dbname="postgresql://${DATABASE_URL#*://}"
mv "$db_file.partial" "$db_file"

mkdir -p "$media"
tar --create --gzip --file="$media_file.partial" --directory="$media" .
mv "$media_file.partial" "$media_file"

echo "$db_file"
echo "$media_file"
