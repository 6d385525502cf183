import pytest
from django.core.cache import cache

from comments.models import ModerationSettings
from config.celery import app as celery_app
from tests.factories import ArticleFactory, UserFactory


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Uploads land in the test's own folder, never in var/; passwords hash fast."""
    settings.MEDIA_ROOT = tmp_path / "media"
    # Factories write rows without the services that tell the page cache; the tests of
    # config/pagecache.py turn it on.
    settings.PAGE_CACHE_ENABLED = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The database is rolled back after each test; what was cached from it must go too."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def moderation(db):
    """The moderators' settings, to change in a test (save() to apply)."""
    return ModerationSettings.current()


@pytest.fixture(autouse=True)
def _eager_celery():
    """Unit tests run tasks in-process; integration tests start a real worker instead."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def reader(db):
    return UserFactory(username="reader")


@pytest.fixture
def editor(db):
    return UserFactory(username="editor", is_staff=True, is_superuser=True)


@pytest.fixture
def article(db):
    return ArticleFactory()
