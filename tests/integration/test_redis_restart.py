"""Redis restarted under load: readers keep being served (no 5xx), and what they post while
it is away is kept and mailed once it is back.

A node runs the web unit's command with production settings against a Redis of its own (a
`redis-server` this test starts, stops and starts again on one port), used as cache, rate
limit store and broker; four readers ask for pages without a pause the whole time.
"""

import shutil
import subprocess
import threading
import time

import pytest
import requests

from comments.models import Comment, Notification
from tests.factories import ArticleFactory, CommentFactory, comment_form
from tests.services import free_port, is_listening, stop_group, unavailable, wait_for

pytestmark = pytest.mark.integration

BEHIND_TLS = {"X-Forwarded-Proto": "https"}


class _Redis:
    def __init__(self, folder):
        self.port, self.folder, self.process = free_port(), folder, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        wait_for(lambda: is_listening("127.0.0.1", self.port), timeout=10, what="redis-server")

    def stop(self) -> None:
        import signal

        stop_group(self.process, signal.SIGKILL, timeout=10)  # as a crash would


@pytest.fixture
def own_redis(tmp_path):
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed")
    server = _Redis(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


def _load(url: str, stop: threading.Event, answers: list, lock: threading.Lock) -> None:
    session = requests.Session()
    session.trust_env = False
    while not stop.is_set():
        try:
            status = session.get(url, headers=BEHIND_TLS, timeout=10).status_code
        except requests.RequestException as error:  # a refused connection is a 5xx too
            status = f"error: {type(error).__name__}"
        with lock:
            answers.append(status)


def test_a_redis_restart_mid_load_gives_readers_no_5xx_and_loses_no_post(web_nodes, own_redis):
    article = ArticleFactory()
    CommentFactory.create_batch(20, article=article)
    node = web_nodes.start(REDIS_CACHE_URL=own_redis.url, CELERY_BROKER_URL=own_redis.url)
    page = f"{node.url}{article.get_absolute_url()}"
    stop, lock, answers = threading.Event(), threading.Lock(), []
    readers = [
        threading.Thread(target=_load, args=(url, stop, answers, lock))
        for url in (page, page, f"{node.url}/", f"{node.url}/api/v1/articles/")
    ]
    for reader in readers:
        reader.start()
    try:
        time.sleep(1.5)
        own_redis.stop()
        time.sleep(1.0)
        # A reader posts while Redis is away: the comment is kept, its mail waits.
        poster = requests.Session()
        poster.trust_env = False
        poster.headers.update(BEHIND_TLS)
        shown = poster.get(page)
        token = poster.cookies.get("csrftoken")
        for cookie in poster.cookies:
            cookie.secure = False
        posted = poster.post(
            f"{node.url}/articles/{article.slug}/comments/",
            data=comment_form(body="Written while the cache was away.", csrfmiddlewaretoken=token),
            headers={"Referer": page.replace("http://", "https://", 1)},  # as the browser sent it
            allow_redirects=False,
        )
        time.sleep(1.0)
        own_redis.start()
        time.sleep(1.5)
    finally:
        stop.set()
        for reader in readers:
            reader.join(timeout=15)

    assert shown.status_code == 200
    assert posted.status_code in (302, 303), posted.text[:500]
    failed = [status for status in answers if not isinstance(status, int) or status >= 500]
    assert len(answers) > 40, answers  # the load went on the whole time
    assert failed == [], f"{len(failed)} of {len(answers)}: {failed[:10]}\n{node.log()[-3000:]}"
    stored = Comment.objects.get(body="Written while the cache was away.")
    assert stored.article == article
    assert not Notification.objects.filter(state=Notification.State.FAILED).exists()
