"""A backup made by platform/deploy/backup.sh restores, with restore.sh, into a fresh
PostgreSQL database that serves the same discussion: same comments, words and order."""

import json
import os
import shutil
import subprocess
import sys

import psycopg
import pytest
from django.db import connection
from django.test import Client

from tests.factories import ArticleFactory, CommentFactory
from tests.services import ROOT, unavailable

pytestmark = pytest.mark.integration

DEPLOY = ROOT / "platform" / "deploy"

# Run in a process of its own against the restored database: the thread as the API serves it.
SERVE_THREAD = """
import json, sys, django
django.setup()
from django.test import Client
response = Client().get(f"/api/v1/articles/{sys.argv[1]}/comments/")
assert response.status_code == 200, response.status_code
print(json.dumps([[c["id"], c["parent"], c["html"]] for c in response.json()["comments"]]))
"""


@pytest.fixture
def postgresql(transactional_db):
    if connection.vendor != "postgresql":
        unavailable("DATABASE_URL does not point at PostgreSQL (CI sets it)")
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            unavailable(f"{tool} is not installed (make test installs postgresql-client)")
    params = connection.settings_dict
    base = f"postgres://{params.get('USER') or 'postgres'}@{params.get('HOST') or '127.0.0.1'}"
    return f"{base}:{params.get('PORT') or 5432}"


@pytest.fixture
def fresh_database(postgresql):
    """An empty database beside the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restored"
    admin = f"postgresql://{postgresql.split('://', 1)[1]}/postgres"

    def drop(cursor):
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
        )
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')

    with psycopg.connect(admin, autocommit=True) as conn, conn.cursor() as cursor:
        drop(cursor)
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{postgresql}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn, conn.cursor() as cursor:
            drop(cursor)


def _thread(article) -> list:
    response = Client().get(f"/api/v1/articles/{article.slug}/comments/")
    return [[c["id"], c["parent"], c["html"]] for c in response.json()["comments"]]


def _run(script: str, *args: str, env: dict) -> str:
    done = subprocess.run(
        [script, *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_a_backup_restores_into_a_fresh_database_that_serves_the_same_thread(
    postgresql, fresh_database, settings, tmp_path
):
    article = ArticleFactory()
    first = CommentFactory(article=article, body="Insurers price the strait, not the ships.")
    CommentFactory(parent=first, body="And the reinsurers price the insurers.")
    CommentFactory(article=article, body='Ünïcode, quotes "and" <b>markup</b> survive.')
    CommentFactory(article=article, status="pending", body="Held, and held after restore.")
    served = _thread(article)
    assert len(served) == 3
    upload = settings.MEDIA_ROOT / "articles" / "hero.png"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(b"\x89PNG not really, but bytes all the same")

    source_url = f"{postgresql}/{connection.settings_dict['NAME']}"
    backups = tmp_path / "backups"
    made = _run(
        str(DEPLOY / "backup.sh"),
        str(backups),
        env={"DATABASE_URL": source_url, "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT)},
    ).split()
    dump, archive = made
    assert dump.endswith(".dump") and archive.endswith(".tar.gz")
    assert not list(backups.glob("*.partial"))

    restored_media = tmp_path / "restored-media"
    _run(
        str(DEPLOY / "restore.sh"),
        dump,
        archive,
        env={"DATABASE_URL": fresh_database, "DJANGO_MEDIA_ROOT": str(restored_media)},
    )

    out = _run(
        sys.executable,
        "-c",
        SERVE_THREAD,
        article.slug,
        env={"DATABASE_URL": fresh_database, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )
    assert json.loads(out) == served
    assert (restored_media / "articles" / "hero.png").read_bytes() == upload.read_bytes()


def test_restore_refuses_a_url_that_is_not_postgresql(tmp_path):
    dump = tmp_path / "db.dump"
    dump.write_bytes(b"")
    done = subprocess.run(
        [str(DEPLOY / "restore.sh"), str(dump)],
        env={**os.environ, "DATABASE_URL": "sqlite:///tmp/x.sqlite3"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "not a PostgreSQL URL" in done.stderr


def test_a_failed_backup_leaves_no_file_that_looks_complete(postgresql, tmp_path):
    backups = tmp_path / "backups"
    done = subprocess.run(
        [str(DEPLOY / "backup.sh"), str(backups)],
        env={**os.environ, "DATABASE_URL": f"{postgresql}/no_such_database_here"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert not list(backups.glob("*.dump")) and not list(backups.glob("*.tar.gz"))
